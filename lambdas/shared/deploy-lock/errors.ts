import type { LockBusyCause, SupersededCause } from '../../../lib/contracts/deploy-lock';
import { ErrorName } from '../../../lib/contracts/error-names';

/**
 * Errors of the deploy lock. Each `name` is the literal the workflow's `Catch`/`Retry` match
 * (`ErrorName` in lib/contracts/error-names.ts).
 */

/**
 * A newer push replaced this waiting run (SUPERSEDED mode). The message is the JSON
 * {@link SupersededCause}, so the workflow reads the replacing commit with `States.StringToJson($.error.Cause)`.
 */
export class LockSuperseded extends Error {
  override readonly name = ErrorName.LockSuperseded;
  constructor(readonly superseded: SupersededCause) {
    super(JSON.stringify(superseded));
  }
}

/**
 * `acquire` could not take the lock yet: another run holds it or is ahead in line. The run is in
 * the line (idempotently); the `AcquireLock` state's `Retry` on `LockBusy` waits and asks again, so
 * waiting needs no Choice or Wait state. The message is the JSON {@link LockBusyCause}.
 */
export class LockBusy extends Error {
  override readonly name = ErrorName.LockBusy;
  constructor(readonly busy: LockBusyCause) {
    super(JSON.stringify(busy));
  }
}

/** `release` or `renew` by an execution that does not hold the lock; the message says who does. */
export class LockNotHeld extends Error {
  override readonly name = ErrorName.LockNotHeld;
}

/** QUEUED mode: the waiting line is full (`MAX_WAITERS`). */
export class LockQueueFull extends Error {
  override readonly name = ErrorName.LockQueueFull;
}

/** Every compare-and-swap attempt of one invocation lost to another writer; the task should retry. */
export class LockContention extends Error {
  override readonly name = ErrorName.LockContention;
}

/** The input is not the documented shape, or names an unknown service or environment. */
export class InvalidLockRequest extends Error {
  override readonly name = ErrorName.InvalidLockRequest;
}
