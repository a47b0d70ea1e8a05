import { CoverageReportInvalid } from './errors';

/**
 * A count from a report: a finite, non-negative integer. Anything else makes the report invalid, with the
 * field named, rather than turning into NaN somewhere down the line.
 */
export function parseCount(raw: string | undefined, what: string): number {
  if (raw === undefined) throw new CoverageReportInvalid(`${what} is missing`);
  const text = raw.trim();
  // Some tools write large execution counts in exponent form (1.2E+07); still a whole number.
  const value = /^[0-9]+$/.test(text) ? Number.parseInt(text, 10) : Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
    throw new CoverageReportInvalid(`${what} must be a non-negative integer, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

/** Like `parseCount` but `undefined` when the field is absent. */
export function optionalCount(raw: string | undefined, what: string): number | undefined {
  return raw === undefined ? undefined : parseCount(raw, what);
}

/** A covered/valid pair from a summary; covered above valid is as invalid as a negative count. */
export function summaryPair(covered: number, valid: number, what: string): { covered: number; valid: number } {
  if (covered > valid) throw new CoverageReportInvalid(`${what}: covered ${covered} exceeds total ${valid}`);
  return { covered, valid };
}
