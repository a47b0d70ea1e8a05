import { LockErrorName, type SupersededCause } from '../../../lib/contracts/deploy-lock';

/**
 * Errors of the deploy lock. Each `name` is the literal the workflow's `Catch`/`Retry` match
 * (`LockErrorName` in lib/contracts/deploy-lock.ts, to be listed in lib/contracts/error-names.ts).
 */

/**
 * A newer push replaced this waiting run (SUPERSEDED mode). The message is the JSON
 * {@link SupersededCause}, so the workflow reads the replacing commit with `States.StringToJson($.error.Cause)`.
 */
export class LockSuperseded extends Error {
  override readonly name = LockErrorName.LockSuperseded;
  constructor(readonly superseded: SupersededCause) {
    super(JSON.stringify(superseded));
  }
}

/** `release` or `renew` by an execution that does not hold the lock; the message says who does. */
export class LockNotHeld extends Error {
  override readonly name = LockErrorName.LockNotHeld;
}

/** QUEUED mode: the waiting line is full (`MAX_WAITERS`). */
export class LockQueueFull extends Error {
  override readonly name = LockErrorName.LockQueueFull;
}

/** Every compare-and-swap attempt of one invocation lost to another writer; the task should retry. */
export class LockContention extends Error {
  override readonly name = LockErrorName.LockContention;
}

/** The input is not the documented shape, or names an unknown service or environment. */
export class InvalidLockRequest extends Error {
  override readonly name = LockErrorName.InvalidLockRequest;
}
