import { MemoryLockTable } from '../../lambdas/shared/deploy-lock/memory-lock-table';
import { lockKeyOf } from '../../lib/contracts/deploy-lock';
import {
  CODEBUILD_STAGES,
  deployLockHandler,
  EXECUTION_NAME,
  EXECUTION_START,
  executionArnOf,
  pushInput,
  runScenario,
} from './harness';

const LOCK_KEY = lockKeyOf('sample-service', 'dev');
const OWN_ARN = executionArnOf(EXECUTION_NAME);
const NOW_SECONDS = Date.parse('2026-11-21T12:01:00.000Z') / 1000;

/** Another run of the same service and environment asks for the lock (the real handler). */
async function acquireAs(table: MemoryLockTable, name: string, commit: string) {
  const result = await deployLockHandler(table)({
    Payload: {
      action: 'acquire',
      service: 'sample-service',
      environment: 'dev',
      executionArn: executionArnOf(name),
      commit,
      startedAt: EXECUTION_START,
    },
  });
  return (result as { Payload: { acquired: boolean } }).Payload;
}

async function releaseAs(table: MemoryLockTable, name: string) {
  return deployLockHandler(table)({
    Payload: { action: 'release', service: 'sample-service', environment: 'dev', executionArn: executionArnOf(name) },
  });
}

describe('deploy lock in the pipeline: real ASL, real lock handler on an in-memory table', () => {
  test('a run takes the lock before NotifyStarted and gives it back before NotifySucceeded', async () => {
    const run = await runScenario({ input: pushInput() });

    expect(run.status).toBe('SUCCEEDED');
    const at = (s: string) => run.entered.indexOf(s);
    expect(at('LoadRunSettings')).toBeLessThan(at('AcquireLock'));
    expect(at('AcquireLock')).toBeLessThan(at('NotifyStarted'));
    expect(at('HelmDeploy')).toBeLessThan(at('ReleaseLock'));
    expect(at('ReleaseLock')).toBeLessThan(at('NotifySucceeded'));
    expect(run.calls.AcquireLock).toHaveLength(1);
    expect(run.calls.ReleaseLock).toHaveLength(1);
    expect(run.entered).not.toContain('WaitForLock');
    const lock = await run.lockTable.getLock(LOCK_KEY);
    expect(lock?.holder).toBeNull();
    expect((await run.lockTable.getRecord(OWN_ARN, NOW_SECONDS))?.outcome).toBe('released');
    // The lock's policy reaches the states after it.
    expect((run.output as { lock: { policy: unknown } }).lock.policy).toMatchObject({ lock: { mode: 'SUPERSEDED' } });
  });

  test.each(CODEBUILD_STAGES.flatMap((stage) => [[stage, 'fail'] as const, [stage, 'timeout'] as const]))(
    'releases the deploy lock when %s %ss, before the failure notification',
    async (stage, outcome) => {
      const run = await runScenario({ input: pushInput(), stages: { [stage]: outcome } });

      expect(run.status).toBe('FAILED');
      expect(run.calls.ReleaseLock).toHaveLength(1);
      expect(run.entered.indexOf('ReleaseLock')).toBeLessThan(run.entered.indexOf('NotifyFailed'));
      expect((await run.lockTable.getLock(LOCK_KEY))?.holder).toBeNull();
      expect(run.notifications.map((n) => n.type)).toEqual(['started', 'failed']);
    },
  );

  test('a run whose settings cannot be read never asks for the lock and skips ReleaseLock', async () => {
    const run = await runScenario({ input: pushInput(), settings: null });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('RunSettingsUnavailable');
    expect(run.entered).not.toContain('AcquireLock');
    expect(run.entered).not.toContain('ReleaseLock');
    expect(run.lockTable.history).toEqual([]);
  });

  test('an unknown service is refused by the lock: InvalidLockRequest, released, failed once', async () => {
    const run = await runScenario({ input: pushInput({ service: 'unknown-service' }) });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('InvalidLockRequest');
    expect(run.entered).toEqual(expect.arrayContaining(['AcquireLockRefused', 'ReleaseLock', 'NotifyFailed']));
    expect(run.entered).not.toContain('NotifyStarted');
    // The release is refused the same way; the exit path goes on with it recorded.
    expect(run.notifications.map((n) => n.type)).toEqual(['failed']);
    expect(run.notifications[0]?.failure).toMatchObject({ stage: 'AcquireLock', error: 'InvalidLockRequest' });
  });

  test('a lock function that keeps failing ends the run AcquireLockFailed, still through ReleaseLock', async () => {
    const crash = async () => {
      throw Object.assign(new Error('Task timed out after 30.00 seconds'), { name: 'Lambda.Unknown' });
    };
    const run = await runScenario({ input: pushInput() }, { AcquireLock: crash, ReleaseLock: crash });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('AcquireLockFailed');
    expect(run.entered).toEqual(expect.arrayContaining(['ReleaseLock', 'ChooseExit', 'NotifyFailed']));
  });

  test('ReleaseLock that gets LockNotHeld (lease taken over) keeps the run’s outcome', async () => {
    const table = new MemoryLockTable();
    const notHeld = async () => {
      throw Object.assign(new Error('the lock is held by another execution'), { name: 'LockNotHeld' });
    };
    const run = await runScenario({ input: pushInput(), lockTable: table }, { ReleaseLock: notHeld });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.notifications.map((n) => n.type)).toEqual(['started', 'succeeded']);
    expect((run.output as { lockRelease: unknown }).lockRelease).toMatchObject({ Error: 'LockNotHeld' });
  });

  test('a run waits in AcquireLock’s LockBusy retry while another holds the lock, then deploys', async () => {
    const table = new MemoryLockTable();
    expect((await acquireAs(table, 'holder', 'a'.repeat(40))).acquired).toBe(true);
    const lock = deployLockHandler(table);
    let checks = 0;
    const answers: Array<{ error: string; cause: unknown } | 'acquired'> = [];
    const acquire = async (params: unknown) => {
      checks += 1;
      if (checks === 3) await releaseAs(table, 'holder');
      try {
        const result = await lock(params);
        answers.push('acquired');
        return result;
      } catch (err) {
        answers.push({ error: (err as Error).name, cause: JSON.parse((err as Error).message) });
        throw err;
      }
    };
    const run = await runScenario({ input: pushInput(), lockTable: table }, { AcquireLock: acquire });

    expect(run.status).toBe('SUCCEEDED');
    expect(checks).toBe(3);
    // No Wait/Choice loop: the task throws LockBusy (who holds it, our place) and its Retry waits.
    const busy = {
      error: 'LockBusy',
      cause: expect.objectContaining({
        holder: expect.objectContaining({ executionArn: executionArnOf('holder') }),
        position: 1,
      }),
    };
    expect(answers).toEqual([busy, busy, 'acquired']);
    expect(run.calls.AcquireLock).toHaveLength(3);
    expect(run.entered.filter((s) => s === 'AcquireLock')).toHaveLength(1);
    for (const gone of ['WaitForLock', 'ChooseLockAcquired']) expect(run.entered).not.toContain(gone);
    expect(run.entered.indexOf('NotifyStarted')).toBeGreaterThan(run.entered.lastIndexOf('AcquireLock'));
    expect((await table.getLock(LOCK_KEY))?.holder).toBeNull();
  });

  test('a waiting run replaced by a newer push ends Succeeded with one superseded notification', async () => {
    const table = new MemoryLockTable();
    const newer = 'c'.repeat(40);
    expect((await acquireAs(table, 'holder', 'a'.repeat(40))).acquired).toBe(true);
    const lock = deployLockHandler(table);
    let checks = 0;
    const acquire = async (params: unknown) => {
      checks += 1;
      if (checks === 2) expect((await acquireAs(table, 'newer-push', newer)).acquired).toBe(false);
      return lock(params);
    };
    const run = await runScenario({ input: pushInput(), lockTable: table }, { AcquireLock: acquire });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.entered).toEqual(expect.arrayContaining(['ReadSuperseded', 'ReleaseLock', 'NotifySuperseded']));
    expect(run.entered.at(-1)).toBe('RunSuperseded');
    for (const stage of ['NotifyStarted', 'Verify', 'NotifyFailed', 'NotifySucceeded'])
      expect(run.entered).not.toContain(stage);
    expect(run.notifications).toHaveLength(1);
    expect(run.notifications[0]).toMatchObject({
      type: 'superseded',
      supersededBy: { commit: newer, shortCommit: 'ccccccc', executionName: 'newer-push' },
    });
    // The holder keeps the lock; the newer run waits behind it; this run left with a record.
    const item = await table.getLock(LOCK_KEY);
    expect(item?.holder?.executionArn).toBe(executionArnOf('holder'));
    expect(item?.waiters.map((w) => w.executionArn)).toEqual([executionArnOf('newer-push')]);
    expect((await table.getRecord(OWN_ARN, NOW_SECONDS))?.outcome).toBe('superseded');
  });
});
