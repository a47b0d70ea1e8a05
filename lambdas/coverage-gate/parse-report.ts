import type { Readable } from 'node:stream';
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

export interface ParseReportOptions extends ParseOptions {
  /** @default 'auto' (sniffed from the first kilobyte) */
  readonly format?: CoverageFormat | 'auto';
  /** Names the report in error messages (an S3 URI or a file path). @default 'coverage report' */
  readonly label?: string;
}

/**
 * Reads a coverage report of any supported format. `source` is a function that opens the report (it may be
 * called twice, see `OpenReport`) or a stream that can be read once only. Every failure is
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
    format = requested === 'auto' ? detectFormat(peeked.head) : requested;
    if (format === undefined) {
      throw new CoverageReportInvalid(
        `${label} is not a recognised coverage report (expected Cobertura, JaCoCo or Clover XML, LCOV or a Go coverprofile)`,
      );
    }
    return await PARSERS[format](peeked.stream, options, reopen);
  } catch (err) {
    if (format === undefined) throw err;
    if (err instanceof CoverageReportInvalid) throw new CoverageReportInvalid(`${label}: ${err.message}`);
    throw new CoverageReportInvalid(`${label} could not be read as ${format}: ${(err as Error).message}`);
  } finally {
    for (const stream of opened) stream.destroy();
  }
}
