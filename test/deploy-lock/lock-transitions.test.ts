import {
  type AcquirePlan,
  type LockContext,
  planAcquire,
  planLeave,
  waitSecondsFor,
} from '../../lambdas/shared/deploy-lock/lock-transitions';
import { type LockItem, MAX_WAITERS } from '../../lib/contracts/deploy-lock';
import type { LockMode } from '../../lib/contracts/pipeline-config';

const T0 = new Date('2026-11-20T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ctx = (mode: LockMode, now = T0): LockContext => ({
  service: 'orders',
  environment: 'dev',
  lockKey: 'orders#dev',
  mode,
  now,
});
const request = (name: string) => ({ executionArn: name, commit: `${name}-commit`, leaseExpiresAt: 2_000_000_000 });

/** Applies a plan's write (as the conditional write would) and returns the item after it. */
function apply(current: LockItem | undefined, plan: AcquirePlan): LockItem | undefined {
  return plan.write?.next ?? current;
}

describe('lock rules (pure)', () => {
  test('the first arrival gets the lock; asking again changes nothing', () => {
    const first = planAcquire(undefined, request('a'), ctx('SUPERSEDED'));
    expect(first).toMatchObject({ kind: 'acquired', holder: { executionArn: 'a', fencingToken: 1 } });
    const item = apply(undefined, first);
    expect(planAcquire(item, request('a'), ctx('SUPERSEDED'))).toEqual({
      kind: 'acquired',
      holder: item?.holder,
      write: null,
    });
  });

  test('SUPERSEDED: a newer arrival replaces the waiter, with a record naming it', () => {
    let item = apply(undefined, planAcquire(undefined, request('a'), ctx('SUPERSEDED')));
    item = apply(item, planAcquire(item, request('b'), ctx('SUPERSEDED')));
    const plan = planAcquire(item, request('c'), ctx('SUPERSEDED'));
    expect(plan).toMatchObject({ kind: 'waiting', position: 1 });
    expect(plan.write?.next.waiters.map((w) => w.executionArn)).toEqual(['c']);
    expect(plan.write?.records).toEqual([
      expect.objectContaining({
        executionArn: 'b',
        outcome: 'superseded',
        supersededBy: { executionArn: 'c', commit: 'c-commit' },
      }),
    ]);
  });

  test('QUEUED: arrivals line up; a full line refuses the next', () => {
    let item = apply(undefined, planAcquire(undefined, request('holder'), ctx('QUEUED')));
    for (let i = 0; i < MAX_WAITERS; i++) item = apply(item, planAcquire(item, request(`w${i}`), ctx('QUEUED')));
    expect(item?.waiters).toHaveLength(MAX_WAITERS);
    expect(() => planAcquire(item, request('one-too-many'), ctx('QUEUED'))).toThrow(
      `orders#dev already has ${MAX_WAITERS} runs waiting (at most ${MAX_WAITERS}); one-too-many cannot join`,
    );
    // Only the first in line may take the freed lock.
    const released = planLeave(item, 'holder', ctx('QUEUED'), () => ({}) as never)?.next;
    expect(planAcquire(released, request('w1'), ctx('QUEUED'))).toMatchObject({ kind: 'waiting', position: 2 });
    expect(planAcquire(released, request('w0'), ctx('QUEUED'))).toMatchObject({ kind: 'acquired' });
  });

  test('a waiter checks again after 5 s at first, a quarter of its wait later, at most every 60 s', () => {
    const waiter = { executionArn: 'w', commit: 'c', enqueuedAt: T0.toISOString(), lastSeenAt: 0 };
    expect([0, 10, 40, 100, 239, 240, 3600].map((s) => waitSecondsFor(waiter, at(s)))).toEqual([
      5, 5, 10, 25, 60, 60, 60,
    ]);
  });

  test('a waiter refreshes its entry at most once a minute (no write for every check)', () => {
    let item = apply(undefined, planAcquire(undefined, request('holder'), ctx('QUEUED')));
    item = apply(item, planAcquire(item, request('w'), ctx('QUEUED')));
    expect(planAcquire(item, request('w'), ctx('QUEUED', at(59))).write).toBeNull();
    expect(planAcquire(item, request('w'), ctx('QUEUED', at(60))).write?.next.waiters[0]?.lastSeenAt).toBe(
      Math.floor(at(60).getTime() / 1000),
    );
  });
});
