import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { type LockReleasedByWatchdogMessage, lockKeyOf, WATCHDOG_STATUSES } from '../../lib/contracts/deploy-lock';
import type { LockTable } from '../shared/deploy-lock/lock-table';
import { lockRecord, planLeave } from '../shared/deploy-lock/lock-transitions';
import { type RetryDeps, retryConflicts } from '../shared/deploy-lock/retry-conflicts';
import { InvalidStatusChangeEvent, lockTargetSchema, statusChangeEventSchema } from '../shared/status-change-event';

export interface WatchdogDeps extends RetryDeps {
  readonly store: LockTable;
  /** The deploy pipeline's state machine; events of any other are ignored. */
  readonly stateMachineArn: string;
  /** The execution's input (`DescribeExecution`), for events that left it out. */
  readonly describeInput: (executionArn: string) => Promise<string | undefined>;
  /** Publishes the one notification (SNS). */
  readonly publish: (message: LockReleasedByWatchdogMessage) => Promise<void>;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export type WatchdogResult =
  | {
      readonly outcome: 'released';
      readonly lockKey: string;
      /** true: it held the lock; false: it was waiting. */
      readonly held: boolean;
      /** false when another invocation for the same execution already sent the notification. */
      readonly notified: boolean;
    }
  | {
      readonly outcome: 'ignored';
      readonly reason:
        | 'other-state-machine'
        | 'status-not-watched'
        | 'no-lock-target'
        | 'holds-no-lock'
        | 'already-released';
      readonly lockKey?: string;
    };

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * Target of the EventBridge rule on the pipeline's "Step Functions Execution Status Change" events
 * with status ABORTED, TIMED_OUT or FAILED: a `Catch` does not run when an execution is aborted or
 * times out, so this is what keeps such a run from blocking its environment.
 *
 * Order: check the event is the pipeline's and a watched status; read the service and environment
 * from the execution's input (the event's, or `DescribeExecution` when the event left it out); take
 * the execution out of the lock (release when it holds it, leave the line when it waits), with a
 * `released-by-watchdog` record in the same transaction; then claim and publish ONE notification
 * ({@link LockReleasedByWatchdogMessage}).
 *
 * Idempotent: when the workflow already released the lock (its `ReleaseLock` ran before the run
 * failed), or an earlier event did, nothing changes and nothing is published. A publish that fails
 * gives its claim back and throws, so the event's retry publishes.
 *
 * @throws InvalidStatusChangeEvent when the event is not a Step Functions status change.
 */
export async function handleWatchdog(event: unknown, deps: WatchdogDeps): Promise<WatchdogResult> {
  const parsed = statusChangeEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidStatusChangeEvent(
      `not a Step Functions Execution Status Change event: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
    );
  }
  const { executionArn, stateMachineArn, name, status } = parsed.data.detail;
  const ignore = (reason: Extract<WatchdogResult, { outcome: 'ignored' }>['reason'], lockKey?: string) => {
    deps.logger.info('watchdog ignored event', { executionArn, status, reason, lockKey });
    return { outcome: 'ignored' as const, reason, ...(lockKey === undefined ? {} : { lockKey }) };
  };
  if (stateMachineArn !== deps.stateMachineArn) return ignore('other-state-machine');
  if (!(WATCHDOG_STATUSES as readonly string[]).includes(status)) return ignore('status-not-watched');

  const input = parsed.data.detail.input ?? (await deps.describeInput(executionArn));
  const target = parseTarget(input);
  if (target === undefined) {
    deps.logger.warn('watchdog cannot tell the lock from the execution input', { executionArn, status });
    return ignore('no-lock-target');
  }
  const lockKey = lockKeyOf(target.service, target.environment);

  const left = await retryConflicts<{ held: boolean } | 'absent'>(
    `watchdog release ${lockKey}`,
    async () => {
      const now = deps.now();
      const current = await deps.store.getLock(lockKey);
      const write = planLeave(
        current,
        executionArn,
        { service: target.service, environment: target.environment, lockKey, mode: current?.mode ?? 'SUPERSEDED', now },
        (held) => lockRecord(executionArn, lockKey, 'released-by-watchdog', now, { watchdog: { status, held } }),
      );
      if (write === null) return { done: true, value: 'absent' };
      if (!(await deps.store.writeLock(write))) return { done: false };
      deps.logger.info('watchdog released lock', {
        lockKey,
        executionArn,
        status,
        held: write.held,
        version: write.next.version,
      });
      return { done: true, value: { held: write.held } };
    },
    deps,
  );

  let held: boolean;
  if (left === 'absent') {
    // Not in the lock now: never was, released itself, or an earlier event released it but could not notify.
    const record = await deps.store.getRecord(executionArn, seconds(deps.now()));
    if (record === undefined) return ignore('holds-no-lock', lockKey);
    if (record.outcome !== 'released-by-watchdog' || record.notifiedAt !== undefined) {
      return ignore('already-released', lockKey);
    }
    held = record.watchdog?.held ?? true;
  } else {
    held = left.held;
  }

  const claimedAt = deps.now().toISOString();
  if (!(await deps.store.claimNotification(executionArn, claimedAt))) {
    return { outcome: 'released', lockKey, held, notified: false };
  }
  try {
    await deps.publish({
      type: 'lock_released_by_watchdog',
      service: target.service,
      environment: target.environment,
      execution: name,
      executionArn,
      status,
      held,
    });
  } catch (err) {
    await deps.store.unclaimNotification(executionArn, claimedAt);
    throw err;
  }
  return { outcome: 'released', lockKey, held, notified: true };
}

function parseTarget(input: string | null | undefined): { service: string; environment: string } | undefined {
  if (input === undefined || input === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    return undefined;
  }
  const parsed = lockTargetSchema.safeParse(value);
  return parsed.success ? { service: parsed.data.service, environment: parsed.data.environment } : undefined;
}
