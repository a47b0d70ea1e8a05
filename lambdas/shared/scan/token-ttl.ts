/** Default life of a stored task token: longer than any scan wait, short enough to keep the table small. */
export const DEFAULT_TOKEN_TTL_SECONDS = 2 * 24 * 60 * 60;

/**
 * Reads `SCAN_TOKEN_TTL_SECONDS`: a whole number of seconds from 60 to 30 days; unset = 2 days.
 * @throws Error naming the variable when the value is not such a number.
 */
export function tokenTtlSeconds(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_TOKEN_TTL_SECONDS;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 60 || n > 30 * 24 * 60 * 60) {
    throw new Error(`SCAN_TOKEN_TTL_SECONDS must be a whole number of seconds from 60 to 2592000, got "${value}"`);
  }
  return n;
}
