import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handleLock, type LockDeps } from '../../lambdas/deploy-lock/handle-lock';
import type { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import type { AcquireLockOutput, LockInput, ReleaseLockOutput, RenewLockOutput } from '../../lib/contracts/deploy-lock';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import {
  attemptAcquire,
  commitOf,
  createLockTable,
  executionArn,
  holdersFromHistory,
  lockDeps,
  lockImages,
  lockStore,
  TABLE,
  TEST_CONFIG_INPUT,
  writeHistory,
} from './support';

const acquireInput = (name: string, service = 'orders', environment = 'dev'): LockInput => ({
  action: 'acquire',
  service,
  environment,
  executionArn: executionArn(name),
  commit: commitOf(name),
});
/** 50 writers racing on a 2-core machine took 8-26 s (quadratic in the writers); the default is 60 s. */
const RACE_TIMEOUT_MS = 120_000;

const releaseInput = (name: string, service = 'orders', environment = 'dev'): LockInput => ({
  action: 'release',
  service,
  environment,
  executionArn: executionArn(name),
});

describeWithTools(['moto_server'], 'deploy lock against moto_server', () => {
  let moto: MotoServer;
  let ddb: DynamoDBClient;
  let store: LockStore;
  let streamArn: string;

  beforeAll(async () => {
    moto = await startMoto({ serialized: true });
    ddb = new DynamoDBClient(moto.clientConfig);
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    streamArn = await createLockTable(ddb);
    store = lockStore(ddb);
  });

  const acquire = (deps: LockDeps, name: string, service?: string, environment?: string) =>
    attemptAcquire(acquireInput(name, service, environment), deps);
  /** An acquire that must get the lock. */
  const held = async (deps: LockDeps, name: string): Promise<AcquireLockOutput> => {
    const out = await acquire(deps, name);
    if (!out.acquired) throw new Error(`${name} did not get the lock: ${JSON.stringify(out)}`);
    return out;
  };
  const release = (deps: LockDeps, name: string, service?: string, environment?: string) =>
    handleLock(releaseInput(name, service, environment), deps) as Promise<ReleaseLockOutput>;

  test(
    '50 concurrent acquires of one lock: exactly one holder, in the table and in the answers',
    async () => {
      // QUEUED, so every loser stays in line (in SUPERSEDED the line keeps one) and all 50 are accounted for.
      const deps = lockDeps(store);
      const names = Array.from({ length: 50 }, (_, i) => `orders-qa-run-${i}`);
      const outputs = await Promise.all(names.map((name) => acquire(deps, name, 'orders', 'qa')));

      const winners = outputs.filter((o) => o.acquired);
      expect(winners).toHaveLength(1);
      const lock = await store.getLock('orders#qa');
      expect(lock?.holder?.executionArn).toBe(winners[0]?.holder?.executionArn);
      expect(lock?.waiters).toHaveLength(49);
      expect(new Set(lock?.waiters.map((w) => w.executionArn)).size).toBe(49);
      expect(
        outputs
          .filter((o) => !o.acquired)
          .map((o) => o.position)
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
      // The table's own write history: 50 writes, one holder, never replaced.
      const images = lockImages(await writeHistory(moto.endpoint, streamArn), 'orders#qa');
      expect(images).toHaveLength(50);
      expect(holdersFromHistory(images)).toEqual([lock?.holder?.executionArn]);
    },
    RACE_TIMEOUT_MS,
  );

  test(
    '50 concurrent acquires in SUPERSEDED mode: one holder, one waiter, 48 superseded with records',
    async () => {
      const deps = lockDeps(store);
      const names = Array.from({ length: 50 }, (_, i) => `orders-dev-run-${i}`);
      const outputs = await Promise.all(names.map((name) => acquire(deps, name)));
      expect(outputs.filter((o) => o.acquired)).toHaveLength(1);
      const lock = await store.getLock('orders#dev');
      expect(lock?.waiters).toHaveLength(1);
      const now = Math.floor(Date.now() / 1000);
      const records = await Promise.all(names.map((name) => store.getRecord(executionArn(name), now)));
      const superseded = records.filter((r) => r?.outcome === 'superseded');
      expect(superseded).toHaveLength(48);
      // Each was replaced by a later arrival, and a waiter that checks again learns it.
      const loser = names.find((name) => records[names.indexOf(name)]?.outcome === 'superseded') as string;
      await expect(acquire(deps, loser)).rejects.toMatchObject({ name: 'LockSuperseded' });
    },
    RACE_TIMEOUT_MS,
  );

  test('a release by a non-holder is refused with a clear error and changes nothing', async () => {
    const deps = lockDeps(store);
    await acquire(deps, 'holder');
    const before = await store.getLock('orders#dev');

    const refused = release(deps, 'stranger');
    await expect(refused).rejects.toMatchObject({ name: 'LockNotHeld' });
    await expect(refused).rejects.toThrow(
      `${executionArn('stranger')} cannot release orders#dev: it never held or waited for it; ${executionArn('holder')} holds it since`,
    );
    expect(await store.getLock('orders#dev')).toEqual(before);
  });

  test('release is idempotent, and a waiter that releases leaves the line', async () => {
    const deps = lockDeps(store);
    await acquire(deps, 'a', 'orders', 'qa');
    await acquire(deps, 'b', 'orders', 'qa');
    expect(await release(deps, 'b', 'orders', 'qa')).toEqual({ lockKey: 'orders#qa', outcome: 'left-queue' });
    expect(await release(deps, 'a', 'orders', 'qa')).toEqual({ lockKey: 'orders#qa', outcome: 'released' });
    expect(await release(deps, 'a', 'orders', 'qa')).toEqual({ lockKey: 'orders#qa', outcome: 'already-released' });
    expect(await release(deps, 'b', 'orders', 'qa')).toEqual({ lockKey: 'orders#qa', outcome: 'already-released' });
    const lock = await store.getLock('orders#qa');
    expect(lock?.holder).toBeNull();
    expect(lock?.waiters).toEqual([]);
  });

  test('an expired lease is taken over; the old holder learns it when it releases', async () => {
    const clock = { now: new Date('2026-11-20T10:00:00Z') };
    const deps = lockDeps(store, clock, 600);
    const first = await held(deps, 'slow');
    expect(first).toMatchObject({ acquired: true, leaseExpiresAt: '2026-11-20T10:10:00.000Z' });

    clock.now = new Date('2026-11-20T10:09:59Z');
    expect(await acquire(deps, 'next')).toMatchObject({ acquired: false, position: 1 });
    clock.now = new Date('2026-11-20T10:10:00Z');
    const takeover = await held(deps, 'next');
    expect(takeover).toMatchObject({ acquired: true, holder: { executionArn: executionArn('next') } });
    expect(takeover.fencingToken).toBeGreaterThan(first.fencingToken);

    await expect(release(deps, 'slow')).rejects.toThrow(
      `${executionArn('slow')} cannot release orders#dev: its lease expired and ${executionArn('next')} took the lock over at 2026-11-20T10:10:00.000Z`,
    );
    const images = lockImages(await writeHistory(moto.endpoint, streamArn), 'orders#dev');
    expect(holdersFromHistory(images)).toEqual([executionArn('slow'), executionArn('next')]);
  });

  test('the lease runs from the execution start, and renew extends it', async () => {
    const clock = { now: new Date('2026-11-20T10:30:00Z') };
    const deps = lockDeps(store, clock, 3600);
    const out = (await handleLock(
      { ...acquireInput('run'), startedAt: '2026-11-20T10:00:00.000Z' } as LockInput,
      deps,
    )) as AcquireLockOutput;
    expect(out.leaseExpiresAt).toBe('2026-11-20T11:00:00.000Z');

    clock.now = new Date('2026-11-20T10:50:00Z');
    const renewed = (await handleLock(
      {
        action: 'renew',
        service: 'orders',
        environment: 'dev',
        executionArn: executionArn('run'),
        extendSeconds: 1800,
      },
      deps,
    )) as RenewLockOutput;
    expect(renewed).toEqual({ lockKey: 'orders#dev', leaseExpiresAt: '2026-11-20T11:20:00.000Z' });
    await expect(
      handleLock({ action: 'renew', service: 'orders', environment: 'dev', executionArn: executionArn('other') }, deps),
    ).rejects.toMatchObject({ name: 'LockNotHeld' });
  });

  test('two services on one environment do not block each other', async () => {
    const deps = lockDeps(store);
    expect(await acquire(deps, 'orders-run', 'orders', 'dev')).toMatchObject({ acquired: true, lockKey: 'orders#dev' });
    expect(await acquire(deps, 'billing-run', 'billing', 'dev')).toMatchObject({
      acquired: true,
      lockKey: 'billing#dev',
    });
    // And the same service's other environment neither.
    expect(await acquire(deps, 'orders-qa-run', 'orders', 'qa')).toMatchObject({ acquired: true });
    // Busy: the LockBusy cause names the holder, the place in line and the first wait.
    expect(await acquire(deps, 'orders-run-2', 'orders', 'dev')).toEqual({
      acquired: false,
      holder: { executionArn: executionArn('orders-run'), commit: commitOf('orders-run') },
      position: 1,
      waitSeconds: 5,
    });
  });

  test('a waiter that stops checking is dropped, so it cannot block the line', async () => {
    const clock = { now: new Date('2026-11-20T10:00:00Z') };
    const deps = lockDeps(store, clock, 3600);
    await acquire(deps, 'holder', 'orders', 'qa');
    await acquire(deps, 'gone', 'orders', 'qa');
    clock.now = new Date('2026-11-20T10:01:00Z');
    await acquire(deps, 'alive', 'orders', 'qa');
    await release(deps, 'holder', 'orders', 'qa');

    clock.now = new Date('2026-11-20T10:10:00Z');
    expect(await acquire(deps, 'alive', 'orders', 'qa')).toMatchObject({ acquired: true });
    const record = await store.getRecord(executionArn('gone'), Math.floor(clock.now.getTime() / 1000));
    expect(record?.outcome).toBe('dropped-stale');
  });

  test('the deployed handler: bundled configuration, module-scope client reaching moto by AWS_ENDPOINT_URL', async () => {
    Object.assign(process.env, {
      DEPLOY_LOCK_TABLE: TABLE,
      EMBEDDED_PIPELINE_CONFIG: JSON.stringify(TEST_CONFIG_INPUT),
      LOCK_LEASE_SECONDS: '11100',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('../../lambdas/deploy-lock/index');
    const startedAt = new Date(Date.now() - 60_000);
    const out = (await handler({
      ...acquireInput('deployed', 'orders', 'qa'),
      startedAt: startedAt.toISOString(),
    })) as AcquireLockOutput;
    expect(out).toMatchObject({
      acquired: true,
      mode: 'QUEUED',
      position: 0,
      waitSeconds: 0,
      leaseExpiresAt: new Date(Math.floor(startedAt.getTime() / 1000) * 1000 + 11_100_000).toISOString(),
      policy: { lock: { mode: 'QUEUED' }, approval: { required: false }, promoteTo: [] },
    });
    expect(await handler(releaseInput('deployed', 'orders', 'qa'))).toEqual({
      lockKey: 'orders#qa',
      outcome: 'released',
    });
  });

  test('input errors name the field; an unknown environment is refused', async () => {
    const deps = lockDeps(store);
    await expect(handleLock({ action: 'acquire', service: 'orders' }, deps)).rejects.toMatchObject({
      name: 'InvalidLockRequest',
      message: expect.stringContaining('environment'),
    });
    await expect(acquire(deps, 'x', 'orders', 'staging')).rejects.toThrow(
      'no environment "staging" of service "orders" is configured',
    );
  });
});
