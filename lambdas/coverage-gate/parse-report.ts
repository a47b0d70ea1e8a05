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

const PARSERS: Record<CoverageFormat, (input: Readable, options: ParseOptions) => Promise<CoverageReport>> = {
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

/** Reads a coverage report of any supported format from a stream. Every failure is `CoverageReportInvalid`. */
export async function parseReport(input: Readable, options: ParseReportOptions = {}): Promise<CoverageReport> {
  const label = options.label ?? 'coverage report';
  let peeked: Awaited<ReturnType<typeof peekStream>>;
  try {
    peeked = await peekStream(input);
  } catch (err) {
    throw new CoverageReportInvalid(`${label} could not be read: ${(err as Error).message}`);
  }
  if (peeked.head.length === 0) throw new CoverageReportInvalid(`${label} is empty (0 bytes)`);
  const requested = options.format ?? 'auto';
  const format = requested === 'auto' ? detectFormat(peeked.head) : requested;
  if (format === undefined) {
    throw new CoverageReportInvalid(
      `${label} is not a recognised coverage report (expected Cobertura, JaCoCo or Clover XML, LCOV or a Go coverprofile)`,
    );
  }
  try {
    return await PARSERS[format](peeked.stream, options);
  } catch (err) {
    if (err instanceof CoverageReportInvalid) throw new CoverageReportInvalid(`${label}: ${err.message}`);
    throw new CoverageReportInvalid(`${label} could not be read as ${format}: ${(err as Error).message}`);
  } finally {
    peeked.stream.destroy();
    input.destroy();
  }
}
