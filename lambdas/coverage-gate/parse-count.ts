import { CoverageReportInvalid } from './errors';

// Up to 15 digits a plain digit loop is exact; longer or other spellings take the general path.
const MAX_FAST_DIGITS = 15;

/**
 * The common spelling of a count (up to 15 plain digits) without a regex or a trimmed copy; -1 for
 * anything else, which then takes the general path.
 */
function plainDigits(raw: string): number {
  const length = raw.length;
  if (length === 0 || length > MAX_FAST_DIGITS) return -1;
  let value = 0;
  for (let i = 0; i < length; i += 1) {
    const digit = raw.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A count from a report: a finite, non-negative integer. Anything else makes the report invalid, with the
 * field named, rather than turning into NaN somewhere down the line.
 */
export function parseCount(raw: string | undefined, what: string): number {
  if (raw === undefined) throw new CoverageReportInvalid(`${what} is missing`);
  const plain = plainDigits(raw);
  if (plain >= 0) return plain;
  const text = raw.trim();
  // Some tools write large execution counts in exponent form (1.2E+07); still a whole number.
  const value = /^[0-9]+$/.test(text) ? Number.parseInt(text, 10) : Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
    throw new CoverageReportInvalid(`${what} must be a non-negative integer, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

/**
 * The plain-digit count in `buf[start, end)`, or -1 when the bytes are anything else (empty, a sign, a
 * space, an exponent, more than 15 digits); the caller then decodes the text and uses `parseCount`.
 */
export function digitsAt(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > MAX_FAST_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = (buf[i] as number) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `parseCount` with the field's description built only when the value is not plain digits, so the hot path
 * of a parser builds no message string per line.
 */
export function countOf(raw: string | undefined, what: () => string): number {
  const plain = raw === undefined ? -1 : plainDigits(raw);
  return plain >= 0 ? plain : parseCount(raw, what());
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
