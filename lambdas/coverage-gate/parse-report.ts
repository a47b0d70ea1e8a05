import { Readable } from 'node:stream';
import { StreamingTextDecoder, sniffEncoding, TextDecodingError } from '../../lib/contracts/decode-text';
import type { CoverageFormat, CoverageReport, ParseOptions } from './coverage-types';
import { detectFormat } from './detect-format';
import { CoverageReportInvalid } from './errors';
import { parseClover } from './parse-clover';
import { parseCobertura } from './parse-cobertura';
import { parseGo } from './parse-go';
import { parseJacoco } from './parse-jacoco';
import { parseLcov } from './parse-lcov';
import { peekStream } from './report-stream';

/**
 * Opens the report from its start; every call returns a fresh stream (the Lambda issues the S3 GetObject
 * again, the CLI opens the file again). LCOV reads a report a second time only when it lists a file in more
 * than one record.
 */
export type OpenReport = () => Readable | Promise<Readable>;

type Parser = (input: Readable, options: ParseOptions, reopen: OpenReport) => Promise<CoverageReport>;

const PARSERS: Record<CoverageFormat, Parser> = {
  cobertura: parseCobertura,
  lcov: parseLcov,
  jacoco: parseJacoco,
  clover: parseClover,
  go: parseGo,
};

/**
 * A report's bytes as UTF-8 through the product's one decoding step: UTF-8 (BOM dropped) is validated as it
 * streams, UTF-16 with a byte-order mark is converted; anything else fails naming the encoding and the byte
 * offset in the whole report, never with a replacement character.
 */
async function* decodedBytes(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const decoder = new StreamingTextDecoder('the file');
  try {
    for await (const chunk of input) {
      const out = decoder.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      if (out.length > 0) yield out;
    }
    const rest = decoder.end();
    if (rest.length > 0) yield rest;
  } catch (err) {
    if (err instanceof TextDecodingError) throw new CoverageReportInvalid(err.message);
    throw err;
  }
}

const decodedStream = (input: Readable): Readable => Readable.from(decodedBytes(input), { objectMode: false });

/** The first bytes as text, only to recognise the format (the parser decodes strictly). */
function headText(head: Buffer, label: string): string {
  let sniffed: ReturnType<typeof sniffEncoding>;
  try {
    sniffed = sniffEncoding(head, label);
  } catch (err) {
    if (err instanceof TextDecodingError) throw new CoverageReportInvalid(err.message);
    throw err;
  }
  if (sniffed.encoding === 'UTF-8') return head.subarray(sniffed.bomLength).toString('utf8');
  const body = Buffer.from(head.subarray(sniffed.bomLength, head.length - ((head.length - sniffed.bomLength) % 2)));
  return (sniffed.encoding === 'UTF-16BE' ? body.swap16() : body).toString('utf16le');
}

export interface ParseReportOptions extends ParseOptions {
  /** @default 'auto' (sniffed from the first kilobyte) */
  readonly format?: CoverageFormat | 'auto';
  /** Names the report in error messages (an S3 URI or a file path). @default 'coverage report' */
  readonly label?: string;
}

/**
 * Reads a coverage report of any supported format. `source` is a function that opens the report (it may be
 * called twice, see `OpenReport`) or a stream that can be read once only. The bytes go through the one
 * decoding step (`lib/contracts/decode-text.ts`): UTF-8 with or without BOM, UTF-16 with BOM. Every failure is
 * `CoverageReportInvalid`, and every stream opened here is destroyed before this returns or throws.
 */
export async function parseReport(
  source: Readable | OpenReport,
  options: ParseReportOptions = {},
): Promise<CoverageReport> {
  const label = options.label ?? 'coverage report';
  const opened: Readable[] = [];
  const open = async (): Promise<Readable> => {
    const stream = await (typeof source === 'function' ? source() : source);
    opened.push(stream);
    return stream;
  };
  const reopen = async (): Promise<Readable> => {
    if (typeof source !== 'function') {
      throw new CoverageReportInvalid('it must be read twice, but it was given as a stream that can be read once');
    }
    return open();
  };
  let format: CoverageFormat | undefined;
  try {
    let peeked: Awaited<ReturnType<typeof peekStream>>;
    try {
      peeked = await peekStream(await open());
    } catch (err) {
      throw new CoverageReportInvalid(`${label} could not be read: ${(err as Error).message}`);
    }
    opened.push(peeked.stream);
    if (peeked.head.length === 0) throw new CoverageReportInvalid(`${label} is empty (0 bytes)`);
    const requested = options.format ?? 'auto';
    const text = headText(peeked.head, label);
    format = requested === 'auto' ? detectFormat(text) : requested;
    if (format === undefined) {
      throw new CoverageReportInvalid(
        `${label} is not a recognised coverage report (expected Cobertura, JaCoCo or Clover XML, LCOV or a Go coverprofile)`,
      );
    }
    return await PARSERS[format](decodedStream(peeked.stream), options, async () => decodedStream(await reopen()));
  } catch (err) {
    if (format === undefined) throw err;
    if (err instanceof CoverageReportInvalid) throw new CoverageReportInvalid(`${label}: ${err.message}`);
    throw new CoverageReportInvalid(`${label} could not be read as ${format}: ${(err as Error).message}`);
  } finally {
    for (const stream of opened) stream.destroy();
  }
}
