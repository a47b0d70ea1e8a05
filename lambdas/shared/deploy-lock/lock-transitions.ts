import {
  LOCK_RECORD_TTL_SECONDS,
  LOCK_WAIT_MAX_SECONDS,
  LOCK_WAIT_MIN_SECONDS,
  type LockHolder,
  type LockItem,
  type LockOutcome,
  type LockRecord,
  type LockWaiter,
  MAX_WAITERS,
  WAITER_HEARTBEAT_SECONDS,
  WAITER_STALE_SECONDS,
} from '../../../lib/contracts/deploy-lock';
import type { LockMode } from '../../../lib/contracts/pipeline-config';
import { LockQueueFull } from './errors';

/**
 * The lock's rules as pure functions: given the item as read (or none) and a request, the item to
 * write (conditional on the version read) and the records to write with it. No I/O, no clock: the
 * caller passes `now`. See docs/deploy-lock.md for the rules in words.
 */

/** The whole change one request makes: the next item and the records written in the same transaction. */
export interface LockWrite {
  readonly next: LockItem;
  readonly records: readonly LockRecord[];
}

export interface LockContext {
  readonly service: string;
  readonly environment: string;
  readonly lockKey: string;
  readonly mode: LockMode;
  readonly now: Date;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const DAY = 24 * 60 * 60;

export function lockPk(lockKey: string): string {
  return `lock#${lockKey}`;
}

export function recordPk(executionArn: string): string {
  return `exec#${executionArn}`;
}

/** A record of how an execution's use of the lock ended. */
export function lockRecord(
  executionArn: string,
  lockKey: string,
  outcome: LockOutcome,
  now: Date,
  extra: Partial<Pick<LockRecord, 'supersededBy' | 'takenOverBy' | 'watchdog'>> = {},
): LockRecord {
  return {
    pk: recordPk(executionArn),
    kind: 'record',
    executionArn,
    lockKey,
    outcome,
    at: now.toISOString(),
    ...extra,
    expiresAt: seconds(now) + LOCK_RECORD_TTL_SECONDS,
  };
}

function emptyLock(ctx: LockContext): LockItem {
  return {
    pk: lockPk(ctx.lockKey),
    kind: 'lock',
    lockKey: ctx.lockKey,
    service: ctx.service,
    environment: ctx.environment,
    mode: ctx.mode,
    holder: null,
    waiters: [],
    version: 0,
    updatedAt: ctx.now.toISOString(),
    expiresAt: 0,
  };
}

/** The item after a change: next version, and a TTL a day past the last lease or waiter that could matter. */
function stamp(base: LockItem, change: Pick<LockItem, 'holder' | 'waiters'>, ctx: LockContext): LockItem {
  const now = seconds(ctx.now);
  const horizon = Math.max(
    now,
    change.holder?.leaseExpiresAt ?? 0,
    ...change.waiters.map((w) => w.lastSeenAt + WAITER_STALE_SECONDS),
  );
  return {
    ...base,
    mode: ctx.mode,
    holder: change.holder,
    waiters: change.waiters,
    version: base.version + 1,
    updatedAt: ctx.now.toISOString(),
    expiresAt: horizon + DAY,
  };
}

/** Whether a waiter has not checked its place for {@link WAITER_STALE_SECONDS}. */
export function isStale(waiter: LockWaiter, now: Date): boolean {
  return waiter.lastSeenAt + WAITER_STALE_SECONDS <= seconds(now);
}

/** Whether the holder's lease has run out (anyone may take the lock over). */
export function isExpired(holder: LockHolder, now: Date): boolean {
  return holder.leaseExpiresAt <= seconds(now);
}

/**
 * Seconds to wait before the next check: 5 s at first, then a quarter of the time waited so far, at
 * most 60 s. A run waiting behind a long apply checks about once a minute; one that just arrived
 * checks again soon.
 */
export function waitSecondsFor(waiter: LockWaiter, now: Date): number {
  const waited = Math.max(0, (now.getTime() - Date.parse(waiter.enqueuedAt)) / 1000);
  return Math.min(LOCK_WAIT_MAX_SECONDS, Math.max(LOCK_WAIT_MIN_SECONDS, Math.ceil(waited / 4)));
}

export interface AcquireRequest {
  readonly executionArn: string;
  readonly commit: string;
  /** When the holder's lease ends if it gets the lock now (epoch seconds). */
  readonly leaseExpiresAt: number;
}

export type AcquirePlan =
  | {
      readonly kind: 'acquired';
      readonly holder: LockHolder;
      /** Null when nothing changes (it already held the lock). */
      readonly write: LockWrite | null;
    }
  | {
      readonly kind: 'waiting';
      readonly holder: LockHolder | null;
      /** 1 = next in line. */
      readonly position: number;
      readonly waitSeconds: number;
      readonly write: LockWrite | null;
    };

/**
 * One `acquire` call: a new arrival joins the line (SUPERSEDED: replacing whoever waits; QUEUED: at the
 * end), a waiter refreshes its place, and whoever is first in line gets the lock when it is free or
 * its holder's lease has expired. Waiters that stopped checking are dropped on the way.
 *
 * The caller has made sure `executionArn` was not superseded (its record), so an execution that is
 * neither holder nor waiter here is a new arrival.
 *
 * @throws LockQueueFull when a QUEUED line already holds `MAX_WAITERS` runs.
 */
export function planAcquire(current: LockItem | undefined, request: AcquireRequest, ctx: LockContext): AcquirePlan {
  const base = current ?? emptyLock(ctx);
  const me = request.executionArn;
  if (base.holder?.executionArn === me) return { kind: 'acquired', holder: base.holder, write: null };

  const now = seconds(ctx.now);
  const records: LockRecord[] = [];
  let changed = false;

  // Drop waiters that stopped checking (never the caller: it is checking now).
  const waiters: LockWaiter[] = [];
  for (const waiter of base.waiters) {
    if (waiter.executionArn !== me && isStale(waiter, ctx.now)) {
      records.push(lockRecord(waiter.executionArn, ctx.lockKey, 'dropped-stale', ctx.now));
      changed = true;
    } else {
      waiters.push(waiter);
    }
  }

  let index = waiters.findIndex((w) => w.executionArn === me);
  if (index === -1) {
    // A new arrival.
    const arrival: LockWaiter = {
      executionArn: me,
      commit: request.commit,
      enqueuedAt: ctx.now.toISOString(),
      lastSeenAt: now,
    };
    if (ctx.mode === 'SUPERSEDED') {
      for (const replaced of waiters) {
        records.push(
          lockRecord(replaced.executionArn, ctx.lockKey, 'superseded', ctx.now, {
            supersededBy: { executionArn: me, commit: request.commit },
          }),
        );
      }
      waiters.splice(0, waiters.length, arrival);
    } else {
      if (waiters.length >= MAX_WAITERS) {
        throw new LockQueueFull(
          `${ctx.lockKey} already has ${waiters.length} runs waiting (at most ${MAX_WAITERS}); ${me} cannot join`,
        );
      }
      waiters.push(arrival);
    }
    index = waiters.length - 1;
    changed = true;
  } else {
    const mine = waiters[index] as LockWaiter;
    if (mine.lastSeenAt + WAITER_HEARTBEAT_SECONDS <= now) {
      waiters[index] = { ...mine, lastSeenAt: now };
      changed = true;
    }
  }

  const holder = base.holder;
  const free = holder === null || isExpired(holder, ctx.now);
  if (index === 0 && free) {
    const mine = waiters[0] as LockWaiter;
    const granted: LockHolder = {
      executionArn: me,
      commit: mine.commit,
      acquiredAt: ctx.now.toISOString(),
      leaseExpiresAt: request.leaseExpiresAt,
      fencingToken: base.version + 1,
    };
    if (holder !== null) {
      records.push(
        lockRecord(holder.executionArn, ctx.lockKey, 'lease-expired', ctx.now, {
          takenOverBy: { executionArn: me, commit: mine.commit },
        }),
      );
    }
    const next = stamp(base, { holder: granted, waiters: waiters.slice(1) }, ctx);
    return { kind: 'acquired', holder: granted, write: { next, records } };
  }

  const mine = waiters[index] as LockWaiter;
  return {
    kind: 'waiting',
    holder,
    position: index + 1,
    waitSeconds: waitSecondsFor(mine, ctx.now),
    write: changed ? { next: stamp(base, { holder, waiters }, ctx), records } : null,
  };
}

/** How an execution stands in a lock as read: holding, waiting (1-based place) or absent. */
export type Standing =
  | { readonly kind: 'holder'; readonly holder: LockHolder }
  | { readonly kind: 'waiter'; readonly position: number }
  | { readonly kind: 'absent' };

export function standingOf(current: LockItem | undefined, executionArn: string): Standing {
  if (current?.holder?.executionArn === executionArn) return { kind: 'holder', holder: current.holder };
  const index = current?.waiters.findIndex((w) => w.executionArn === executionArn) ?? -1;
  return index === -1 ? { kind: 'absent' } : { kind: 'waiter', position: index + 1 };
}

/**
 * Takes an execution out of the lock: gives the lock up when it holds it, leaves the line when it
 * waits. The record says how (`released`/`left-queue`, or what the caller passes, e.g. the watchdog's).
 * @returns null when the execution is neither holder nor waiter.
 */
export function planLeave(
  current: LockItem | undefined,
  executionArn: string,
  ctx: LockContext,
  recordFor: (held: boolean) => LockRecord,
): (LockWrite & { readonly held: boolean }) | null {
  const standing = standingOf(current, executionArn);
  if (current === undefined || standing.kind === 'absent') return null;
  const held = standing.kind === 'holder';
  const change = held
    ? { holder: null, waiters: current.waiters }
    : { holder: current.holder, waiters: current.waiters.filter((w) => w.executionArn !== executionArn) };
  return { next: stamp(current, change, ctx), records: [recordFor(held)], held };
}

/**
 * Extends the holder's lease to at least `leaseExpiresAt` (never shortens it).
 * @returns null when the execution does not hold the lock.
 */
export function planRenew(
  current: LockItem | undefined,
  executionArn: string,
  leaseExpiresAt: number,
  ctx: LockContext,
): LockWrite | null {
  const holder = current?.holder;
  if (current === undefined || holder === null || holder === undefined || holder.executionArn !== executionArn) {
    return null;
  }
  const renewed = { ...holder, leaseExpiresAt: Math.max(holder.leaseExpiresAt, leaseExpiresAt) };
  return { next: stamp(current, { holder: renewed, waiters: current.waiters }, ctx), records: [] };
}
