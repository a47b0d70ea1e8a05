import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';
import { handleLock } from '../../lambdas/deploy-lock/handle-lock';
import type { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import type { ExecutionInput } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { LOCK_WORKFLOW } from './lock-workflow';
import {
  commitOf,
  createLockTable,
  executionArn,
  holdersFromHistory,
  lockDeps,
  lockImages,
  lockStore,
  writeHistory,
} from './support';

const PUSHES = 20;
/** Real waits (the LockBusy retrier) are 5-60 s; the simulation checks again after this many milliseconds. */
const WAIT_MS = 150;

const lambdaResult = (payload: unknown) => ({ ExecutedVersion: '$LATEST', StatusCode: 200, Payload: payload });

function pushInput(environment: string, commit: string, i: number): ExecutionInput {
  return {
    service: 'orders',
    environment,
    trigger: 'push',
    source: {
      provider: 'github',
      repository: 'acme/orders',
      ref: 'refs/heads/develop',
      branch: 'develop',
      commit,
      before: null,
      message: `push ${i}`,
      author: 'octocat',
      url: `https://github.com/acme/orders/commit/${commit}`,
      deliveryId: `delivery-${i}`,
    },
    changes: { app: true, infra: true, paths: null },
  };
}

interface Run {
  readonly i: number;
  readonly name: string;
  readonly arn: string;
  readonly commit: string;
  /** Resolves once the run's first AcquireLock call has answered (it has arrived). */
  readonly arrived: Promise<void>;
  readonly result: Promise<Record<string, any>>;
}

describeWithTools(['moto_server'], 'burst of pushes through the lock states (aws-local-stepfunctions + moto)', () => {
  let moto: MotoServer;
  let ddb: DynamoDBClient;
  let store: LockStore;
  let streamArn: string;
  const machine = new StateMachine(LOCK_WORKFLOW as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  });

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

  /** Deploy stand-ins: each records its run and waits until the test lets the run finish. */
  function harness() {
    const deps = lockDeps(store);
    // A fresh clock for every call: waits and heartbeats run on real time.
    const live = { ...deps, now: () => new Date() };
    const deployed: string[] = [];
    const notifications: Record<string, any>[] = [];
    const gates = new Map<string, () => void>();
    let holdFirst = true;

    function start(environment: string, i: number): Run {
      const commit = commitOf(`${environment}-${i}`);
      const name = `orders-${environment}-${commit.slice(0, 7)}-run${i}`;
      const arn = executionArn(name);
      let arrive!: () => void;
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const input = pushInput(environment, commit, i);
      const execution = machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: {
            AcquireLock: async (params: any) => {
              try {
                return lambdaResult(await handleLock(params.Payload, live)) as never;
              } finally {
                arrive();
              }
            },
            ReleaseLock: async (params: any) => lambdaResult(await handleLock(params.Payload, live)) as never,
            Deploy: async () => {
              deployed.push(name);
              if (holdFirst) {
                holdFirst = false;
                await new Promise<void>((resolve) => gates.set(name, resolve));
              }
              return lambdaResult({ deployed: commit }) as never;
            },
            NotifySuperseded: async (params: any) => {
              notifications.push(params.Message);
              return { MessageId: `m-${notifications.length}` } as never;
            },
          },
          // AcquireLock's first retrier is LockBusy's (the wait), the second the transient errors'.
          retryIntervalOverrides: { AcquireLock: [WAIT_MS, 20], ReleaseLock: 20 },
        },
        context: { Execution: { Id: arn, Name: name, StartTime: new Date().toISOString(), Input: input } } as never,
      });
      return { i, name, arn, commit, arrived, result: execution.result as Promise<Record<string, any>> };
    }

    /** Starts the pushes one after another (each arrives before the next starts), the first holding the lock. */
    async function pushes(environment: string): Promise<Run[]> {
      const runs: Run[] = [];
      for (let i = 1; i <= PUSHES; i++) {
        const run = start(environment, i);
        runs.push(run);
        await run.arrived;
        if (i === 1) while (!gates.has(run.name)) await new Promise((r) => setTimeout(r, 10));
      }
      return runs;
    }

    const finishFirst = () => {
      const [first] = [...gates.values()];
      first?.();
    };
    return { start, pushes, finishFirst, deployed, notifications, gates };
  }

  test('SUPERSEDED: the holder finishes, the last push deploys, every other push ends Superseded with a record', async () => {
    const h = harness();
    const runs = await h.pushes('dev');
    h.finishFirst();
    const outputs = await Promise.all(runs.map((r) => r.result));

    const first = runs[0] as Run;
    const last = runs[PUSHES - 1] as Run;
    expect(h.deployed).toEqual([first.name, last.name]);
    runs.forEach((run, k) => {
      const output = outputs[k] as Record<string, any>;
      if (run === first || run === last) {
        expect(output.deploy).toEqual({ result: { deployed: run.commit } });
        expect(output.lockRelease).toEqual({ outcome: 'released' });
        expect(output.superseded).toBeUndefined();
      } else {
        // Replaced by the next push, told so, and its ReleaseLock a clean no-op.
        const next = runs[k + 1] as Run;
        expect(output.superseded.by.supersededBy).toEqual({ executionArn: next.arn, commit: next.commit });
        expect(output.lockRelease).toEqual({ outcome: 'superseded' });
        expect(output.deploy).toBeUndefined();
      }
    });
    expect(h.notifications).toHaveLength(PUSHES - 2);
    expect(new Set(h.notifications.map((n) => n.execution))).toEqual(new Set(runs.slice(1, -1).map((r) => r.name)));

    // Records in the table for every superseded push, naming the push that replaced it.
    const now = Math.floor(Date.now() / 1000);
    for (const [k, run] of runs.slice(1, -1).entries()) {
      const record = await store.getRecord(run.arn, now);
      expect(record).toMatchObject({ outcome: 'superseded', supersededBy: { commit: runs[k + 2]?.commit } });
    }
    // Never two holders: from the table's write history, not from timing.
    const images = lockImages(await writeHistory(moto.endpoint, streamArn), 'orders#dev');
    expect(holdersFromHistory(images)).toEqual([first.arn, last.arn]);
    expect(images.at(-1)).toMatchObject({ holder: null, waiters: [] });
    expect(images.every((image) => image.waiters.length <= 1)).toBe(true);
  });

  test('QUEUED: all 20 pushes deploy, in arrival order, one at a time', async () => {
    const h = harness();
    const runs = await h.pushes('qa');
    h.finishFirst();
    const outputs = await Promise.all(runs.map((r) => r.result));

    expect(h.deployed).toEqual(runs.map((r) => r.name));
    for (const output of outputs) {
      expect(output.lockRelease).toEqual({ outcome: 'released' });
      expect(output.superseded).toBeUndefined();
    }
    expect(h.notifications).toEqual([]);
    const images = lockImages(await writeHistory(moto.endpoint, streamArn), 'orders#qa');
    expect(holdersFromHistory(images)).toEqual(runs.map((r) => r.arn));
    expect(Math.max(...images.map((image) => image.waiters.length))).toBe(PUSHES - 1);
    expect(images.at(-1)).toMatchObject({ holder: null, waiters: [] });
  });

  test('SUPERSEDED, all 20 pushes at once: two deploy, the rest are superseded by later arrivals', async () => {
    const h = harness();
    const runs = Array.from({ length: PUSHES }, (_, k) => h.start('dev', k + 1));
    await Promise.all(runs.map((r) => r.arrived));
    while (h.gates.size === 0) await new Promise((r) => setTimeout(r, 10));
    // Everyone has arrived; give the waiters one more check, then let the holder finish.
    await new Promise((r) => setTimeout(r, 2 * WAIT_MS));
    h.finishFirst();
    const outputs = await Promise.all(runs.map((r) => r.result));

    expect(h.deployed).toHaveLength(2);
    const supersededRuns = outputs.filter((o) => o.superseded !== undefined);
    expect(supersededRuns).toHaveLength(PUSHES - 2);
    const images = lockImages(await writeHistory(moto.endpoint, streamArn), 'orders#dev');
    const holders = holdersFromHistory(images);
    expect(holders.map((arn) => runs.find((r) => r.arn === arn)?.name)).toEqual(h.deployed);
    // Following "superseded by" from any replaced push ends at the push that deployed last.
    const by = new Map(
      outputs
        .filter((o) => o.superseded !== undefined)
        .map((o) => [runOf(o, runs).arn, o.superseded.by.supersededBy.executionArn as string]),
    );
    for (const start of by.keys()) {
      let at = start;
      const seen = new Set<string>();
      while (by.has(at) && !seen.has(at)) {
        seen.add(at);
        at = by.get(at) as string;
      }
      expect(at).toBe(holders[1]);
    }
  });
});

/** The run an output belongs to (outputs keep the input's commit). */
function runOf(output: Record<string, any>, runs: readonly Run[]): Run {
  const run = runs.find((r) => r.commit === output.source.commit);
  if (run === undefined) throw new Error('output of an unknown run');
  return run;
}
