import { DEFAULT_LOCK_LEASE_SECONDS } from '../../../lib/contracts/deploy-lock';

/**
 * Reads `LOCK_LEASE_SECONDS`: a whole number of seconds from 5 minutes to 366 days; unset = the
 * default (3 h 5 min). Set it to at least the state machine's `TimeoutSeconds`, so a lease only ends
 * once its holder has certainly ended (docs/deploy-lock.md).
 * @throws Error naming the variable when the value is not such a number.
 */
export function lockLeaseSeconds(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LOCK_LEASE_SECONDS;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 300 || n > 366 * 24 * 60 * 60) {
    throw new Error(`LOCK_LEASE_SECONDS must be a whole number of seconds from 300 to 31622400, got "${value}"`);
  }
  return n;
}
