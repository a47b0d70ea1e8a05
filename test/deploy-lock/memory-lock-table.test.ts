import { handleLock, type LockDeps } from '../../lambdas/deploy-lock/handle-lock';
import { MemoryLockTable } from '../../lambdas/shared/deploy-lock/memory-lock-table';
import { handleWatchdog } from '../../lambdas/watchdog/handle-watchdog';
import type { LockReleasedByWatchdogMessage } from '../../lib/contracts/deploy-lock';
import { attemptAcquire, commitOf, executionArn, policyOf, quiet, STATE_MACHINE_ARN } from './support';

/** The in-memory table (local runs) under the same handlers and the same sequence as the moto suites. */
describe('the lock on the in-memory table', () => {
  const table = new MemoryLockTable();
  const deps: LockDeps = { store: table, policyOf, leaseSeconds: 3600, now: () => new Date(), logger: quiet };
  const acquire = (name: string) =>
    attemptAcquire(
      {
        action: 'acquire',
        service: 'orders',
        environment: 'dev',
        executionArn: executionArn(name),
        commit: commitOf(name),
      },
      deps,
    );
  const release = (name: string) =>
    handleLock({ action: 'release', service: 'orders', environment: 'dev', executionArn: executionArn(name) }, deps);

  test('hold, supersede, release, hand over, watchdog: the same outcomes as against DynamoDB', async () => {
    const concurrent = await Promise.all(['a', 'b', 'c'].map(acquire));
    expect(concurrent.filter((o) => o.acquired)).toHaveLength(1);
    const holder = ['a', 'b', 'c'][concurrent.findIndex((o) => o.acquired)] as string;
    const lock = await table.getLock('orders#dev');
    const waiter = (lock?.waiters[0]?.executionArn ?? '').split(':').pop() as string;
    const superseded = ['a', 'b', 'c'].find((n) => n !== holder && n !== waiter) as string;

    await expect(acquire(superseded)).rejects.toMatchObject({ name: 'LockSuperseded' });
    expect(await release(superseded)).toEqual({ lockKey: 'orders#dev', outcome: 'superseded' });
    await expect(release('stranger')).rejects.toMatchObject({ name: 'LockNotHeld' });
    expect(await release(holder)).toEqual({ lockKey: 'orders#dev', outcome: 'released' });
    expect(await acquire(waiter)).toMatchObject({ acquired: true });

    const published: LockReleasedByWatchdogMessage[] = [];
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: executionArn(waiter),
        stateMachineArn: STATE_MACHINE_ARN,
        name: waiter,
        status: 'ABORTED',
        input: JSON.stringify({ service: 'orders', environment: 'dev' }),
      },
    };
    const watchdogDeps = {
      store: table,
      stateMachineArn: STATE_MACHINE_ARN,
      describeInput: async () => undefined,
      publish: async (m: LockReleasedByWatchdogMessage) => {
        published.push(m);
      },
      now: () => new Date(),
      logger: quiet,
    };
    expect(await handleWatchdog(event, watchdogDeps)).toMatchObject({ outcome: 'released', held: true });
    expect(await handleWatchdog(event, watchdogDeps)).toMatchObject({ outcome: 'ignored' });
    expect(published).toHaveLength(1);
    expect(table.history.map((item) => item.version)).toEqual(table.history.map((_, i) => i + 1));
    expect(table.history.at(-1)).toMatchObject({ holder: null, waiters: [] });
  });
});
