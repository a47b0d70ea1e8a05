import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import {
  type AcquireLockInput,
  type AcquireLockOutput,
  type DeployPolicy,
  lockInputSchema,
  lockKeyOf,
  type ReleaseLockInput,
  type ReleaseLockOutput,
  type RenewLockInput,
  type RenewLockOutput,
} from '../../lib/contracts/deploy-lock';
import { InvalidLockRequest, LockBusy, LockNotHeld, LockSuperseded } from '../shared/deploy-lock/errors';
import type { LockTable } from '../shared/deploy-lock/lock-table';
import {
  type LockContext,
  lockRecord,
  planAcquire,
  planLeave,
  planRenew,
} from '../shared/deploy-lock/lock-transitions';
import { type RetryDeps, retryConflicts } from '../shared/deploy-lock/retry-conflicts';

export interface LockDeps extends RetryDeps {
  readonly store: LockTable;
  /** The environment's policy from the configuration; undefined for an unknown service or environment. */
  readonly policyOf: (service: string, environment: string) => DeployPolicy | undefined;
  /** Lease of a holder from its execution's start, in seconds (`LOCK_LEASE_SECONDS`). */
  readonly leaseSeconds: number;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export type LockOutput = AcquireLockOutput | ReleaseLockOutput | RenewLockOutput;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/**
 * The deploy lock's one Lambda (`lambda:invoke`, `Payload` = the input below), one lock per service
 * and environment. Wiring in docs/deploy-lock.md.
 *
 * Input (`action` picks the operation; all take `service`, `environment`, `executionArn` = `$$.Execution.Id`):
 * - `acquire` (+ `commit`, optional `startedAt` = `$$.Execution.StartTime`): gets the lock, or joins
 *   the line and throws `LockBusy`. Idempotent: the `AcquireLock` state's `Retry` on `LockBusy` calls
 *   it again until it returns. Returns {@link AcquireLockOutput} only when the lock is held:
 *   `{ acquired: true, position: 0, waitSeconds: 0, fencingToken, leaseExpiresAt, holder, policy, ... }`.
 * - `release`: gives the lock up or leaves the line. Idempotent. Returns {@link ReleaseLockOutput}.
 * - `renew` (+ optional `extendSeconds`): extends the holder's lease. Returns {@link RenewLockOutput}.
 *
 * @throws LockBusy (`acquire`) while another run holds the lock or is ahead in line; the message is the
 *   JSON `LockBusyCause` `{ holder: { executionArn, commit } | null, position, waitSeconds }`.
 * @throws LockSuperseded (`acquire`) when a newer push replaced this waiting run; the message is the
 *   JSON `SupersededCause` naming the replacing execution and commit.
 * @throws LockNotHeld (`release`, `renew`) when the execution neither holds nor waits for the lock and
 *   has no record of having left it: it never took part, or its lease expired and another run took over.
 * @throws LockQueueFull (`acquire`, QUEUED) when `MAX_WAITERS` runs already wait.
 * @throws LockContention when every compare-and-swap attempt of this call lost (retry the task).
 * @throws InvalidLockRequest for input that is not this shape or names an unknown service or environment.
 */
export async function handleLock(event: unknown, deps: LockDeps): Promise<LockOutput> {
  const parsed = lockInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidLockRequest(`invalid deploy lock request: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  const input = parsed.data;
  const policy = deps.policyOf(input.service, input.environment);
  if (policy === undefined) {
    throw new InvalidLockRequest(
      `no environment "${input.environment}" of service "${input.service}" is configured; the lock cannot be used`,
    );
  }
  const lockKey = lockKeyOf(input.service, input.environment);
  const context = (): LockContext => ({
    service: input.service,
    environment: input.environment,
    lockKey,
    mode: policy.lock.mode,
    now: deps.now(),
  });
  switch (input.action) {
    case 'acquire':
      return acquire(input, lockKey, policy, context, deps);
    case 'release':
      return release(input, lockKey, context, deps);
    case 'renew':
      return renew(input, lockKey, context, deps);
  }
}

async function acquire(
  input: AcquireLockInput,
  lockKey: string,
  policy: DeployPolicy,
  context: () => LockContext,
  deps: LockDeps,
): Promise<AcquireLockOutput> {
  // Only a waiter can be superseded: the record needs reading on the first attempt, and again only
  // after an attempt that found this execution in the line.
  let mayBeSuperseded = true;
  return retryConflicts<AcquireLockOutput>(
    `acquire ${lockKey}`,
    async () => {
      const ctx = context();
      const current = await deps.store.getLock(lockKey);
      const present =
        current?.holder?.executionArn === input.executionArn ||
        (current?.waiters ?? []).some((w) => w.executionArn === input.executionArn);
      if (present) {
        mayBeSuperseded = true;
      } else if (mayBeSuperseded) {
        mayBeSuperseded = false;
        const record = await deps.store.getRecord(input.executionArn, seconds(ctx.now));
        if (record?.outcome === 'superseded' && record.supersededBy !== undefined) {
          throw new LockSuperseded({
            lockKey,
            executionArn: input.executionArn,
            supersededBy: record.supersededBy,
            at: record.at,
          });
        }
      }
      const plan = planAcquire(
        current,
        { executionArn: input.executionArn, commit: input.commit, leaseExpiresAt: leaseEnd(input, ctx.now, deps) },
        ctx,
      );
      if (plan.write !== null && !(await deps.store.writeLock(plan.write))) return { done: false };
      const dropped = plan.write?.records.filter((r) => r.executionArn !== input.executionArn) ?? [];
      const logged = {
        lockKey,
        executionArn: input.executionArn,
        version: plan.write?.next.version,
        ...(dropped.length === 0
          ? {}
          : { others: dropped.map((r) => ({ executionArn: r.executionArn, outcome: r.outcome })) }),
      };
      if (plan.kind !== 'acquired') {
        // In line (the write above, if any, put it there): the state's Retry on LockBusy asks again.
        deps.logger.info('lock acquire', { ...logged, acquired: false, position: plan.position });
        throw new LockBusy({
          holder: plan.holder === null ? null : { executionArn: plan.holder.executionArn, commit: plan.holder.commit },
          position: plan.position,
          waitSeconds: plan.waitSeconds,
        });
      }
      const value: AcquireLockOutput = {
        lockKey,
        mode: policy.lock.mode,
        policy,
        acquired: true,
        position: 0,
        waitSeconds: 0,
        fencingToken: plan.holder.fencingToken,
        leaseExpiresAt: iso(plan.holder.leaseExpiresAt),
        holder: {
          executionArn: plan.holder.executionArn,
          commit: plan.holder.commit,
          acquiredAt: plan.holder.acquiredAt,
        },
      };
      deps.logger.info('lock acquire', { ...logged, acquired: true, position: 0 });
      return { done: true, value };
    },
    deps,
  );
}

/**
 * End of a new holder's lease: `LOCK_LEASE_SECONDS` after the execution started (so it lasts no
 * longer than the execution can), or after now when the start is unknown or already that far back.
 */
function leaseEnd(input: AcquireLockInput, now: Date, deps: LockDeps): number {
  const fromNow = seconds(now) + deps.leaseSeconds;
  if (input.startedAt === undefined) return fromNow;
  const fromStart = Math.floor(Date.parse(input.startedAt) / 1000) + deps.leaseSeconds;
  return fromStart > seconds(now) ? fromStart : fromNow;
}

async function release(
  input: ReleaseLockInput,
  lockKey: string,
  context: () => LockContext,
  deps: LockDeps,
): Promise<ReleaseLockOutput> {
  return retryConflicts<ReleaseLockOutput>(
    `release ${lockKey}`,
    async () => {
      const ctx = context();
      const current = await deps.store.getLock(lockKey);
      const write = planLeave(current, input.executionArn, ctx, (held) =>
        lockRecord(input.executionArn, lockKey, held ? 'released' : 'left-queue', ctx.now),
      );
      if (write !== null) {
        if (!(await deps.store.writeLock(write))) return { done: false };
        const outcome = write.held ? 'released' : 'left-queue';
        deps.logger.info('lock release', {
          lockKey,
          executionArn: input.executionArn,
          outcome,
          version: write.next.version,
        });
        return { done: true, value: { lockKey, outcome } };
      }
      const record = await deps.store.getRecord(input.executionArn, seconds(ctx.now));
      const holder = current?.holder ?? null;
      if (record === undefined || record.outcome === 'lease-expired') {
        const held = holder === null ? 'nobody holds it' : `${holder.executionArn} holds it since ${holder.acquiredAt}`;
        const why =
          record?.outcome === 'lease-expired'
            ? `its lease expired and ${record.takenOverBy?.executionArn ?? 'another run'} took the lock over at ${record.at}`
            : 'it never held or waited for it';
        deps.logger.warn('lock release refused', { lockKey, executionArn: input.executionArn, why });
        throw new LockNotHeld(`${input.executionArn} cannot release ${lockKey}: ${why}; ${held}`);
      }
      const outcome = record.outcome === 'superseded' ? 'superseded' : 'already-released';
      deps.logger.info('lock release', { lockKey, executionArn: input.executionArn, outcome, record: record.outcome });
      return { done: true, value: { lockKey, outcome } };
    },
    deps,
  );
}

async function renew(
  input: RenewLockInput,
  lockKey: string,
  context: () => LockContext,
  deps: LockDeps,
): Promise<RenewLockOutput> {
  return retryConflicts<RenewLockOutput>(
    `renew ${lockKey}`,
    async () => {
      const ctx = context();
      const current = await deps.store.getLock(lockKey);
      const until = seconds(ctx.now) + (input.extendSeconds ?? deps.leaseSeconds);
      const write = planRenew(current, input.executionArn, until, ctx);
      if (write === null) {
        const holder = current?.holder;
        throw new LockNotHeld(
          `${input.executionArn} cannot renew ${lockKey}: it does not hold it (${holder ? `${holder.executionArn} does` : 'nobody does'})`,
        );
      }
      if (!(await deps.store.writeLock(write))) return { done: false };
      const leaseExpiresAt = iso(write.next.holder?.leaseExpiresAt ?? until);
      deps.logger.info('lock renew', { lockKey, executionArn: input.executionArn, leaseExpiresAt });
      return { done: true, value: { lockKey, leaseExpiresAt } };
    },
    deps,
  );
}
