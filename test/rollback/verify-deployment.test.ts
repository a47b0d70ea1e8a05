import { Logger } from '@aws-lambda-powertools/logger';
import type { DescribeAlarmsCommand, DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerVersion } from '../../app/src/routes/version';
import {
  AlarmDuringBake,
  InvalidVerifyRequest,
  VerificationFailed,
  VersionMismatch,
} from '../../lambdas/verify-deployment/errors';
import { handleVerify, type VerifyDeps } from '../../lambdas/verify-deployment/handle-verify';
import { readAlarmStates } from '../../lambdas/verify-deployment/read-alarms';
import { readVersion, type VersionReading } from '../../lambdas/verify-deployment/read-version';
import type { DeployConfigInput } from '../../lib/contracts/deploy-settings';
import { type VerifyRequest, verifyResultSchema } from '../../lib/contracts/rollback';
import {
  COMMIT,
  configWith,
  OLD_COMMIT,
  runBake,
  type ScriptedServer,
  startScriptedServer,
  versionAnswer,
} from './support';

const logger = new Logger({ serviceName: 'verify-test', logLevel: 'SILENT' });

type Alarm = { name: string; state: string; reason?: string; composite?: boolean };

/**
 * A CloudWatch stand-in for DescribeAlarms: answers from `alarms` (states may change between calls)
 * in pages of `pageSize`, and records every request.
 */
function fakeCloudWatch(alarms: () => Alarm[], pageSize = 100) {
  const requests: DescribeAlarmsCommand['input'][] = [];
  const send = async (command: DescribeAlarmsCommand): Promise<DescribeAlarmsCommandOutput> => {
    const input = command.input;
    requests.push(input);
    const asked = alarms().filter((a) => input.AlarmNames?.includes(a.name));
    const start = Number(input.NextToken ?? '0');
    const page = asked.slice(start, start + pageSize);
    const next = start + pageSize < asked.length ? String(start + pageSize) : undefined;
    const shape = (a: Alarm) => ({ AlarmName: a.name, StateValue: a.state as 'OK', StateReason: a.reason ?? '' });
    return {
      MetricAlarms: page.filter((a) => !a.composite).map(shape),
      CompositeAlarms: page.filter((a) => a.composite).map(shape),
      ...(next === undefined ? {} : { NextToken: next }),
      $metadata: {},
    };
  };
  return { requests, client: { send } as unknown as VerifyDeps['cloudwatch'] };
}

/** `readVersion` answering from a script, one reading per call (the last repeats). */
function scriptedVersion(...readings: VersionReading[]) {
  const urls: string[] = [];
  return {
    urls,
    read: async (url: string): Promise<VersionReading> => {
      urls.push(url);
      return (readings.length > 1 ? readings.shift() : readings[0]) as VersionReading;
    },
  };
}
const answered = (commit: string): VersionReading => ({ kind: 'answered', commit });
const unreachable: VersionReading = {
  kind: 'unreachable',
  detail: 'http://orders.example.com/version answered HTTP 503',
};

const VERSION_URL = 'https://orders.example.com/version';

function depsFor(
  deploy: DeployConfigInput | undefined,
  {
    alarms = () => [],
    version = scriptedVersion(answered(COMMIT)),
  }: { alarms?: () => Alarm[]; version?: ReturnType<typeof scriptedVersion> } = {},
  environment = 'dev',
): VerifyDeps {
  return {
    config: configWith({ [environment]: deploy }),
    cloudwatch: fakeCloudWatch(alarms).client,
    readVersion: version.read,
    logger,
  };
}
const request = (over: Partial<VerifyRequest> = {}): Omit<VerifyRequest, 'bake'> => ({
  service: 'orders',
  environment: 'dev',
  commit: COMMIT,
  ...over,
});

describe('the bake loop: one check per invocation, never sleeping', () => {
  test('dev bakes 1 minute by default: 3 checks 30 s apart, done on the last', async () => {
    const deps = depsFor({ versionUrl: VERSION_URL });
    const results = await runBake((r) => handleVerify(r, deps), request());
    expect(results.map((r) => [r.checksDone, r.checksLeft, r.nextWaitSeconds, r.done])).toEqual([
      [1, 2, 30, false],
      [2, 1, 30, false],
      [3, 0, 0, true],
    ]);
    for (const result of results) expect(verifyResultSchema.parse(result)).toEqual(result);
    expect(results.at(-1)).toMatchObject({
      healthy: true,
      versionConfirmed: true,
      alarmsInAlarm: [],
      version: { expected: COMMIT, actual: COMMIT, status: 'matched', source: 'version-url' },
    });
  });

  test('prod bakes 5 minutes by default (11 checks); bakeMinutes 0 is one check', async () => {
    const prod = depsFor(undefined, {}, 'prod');
    expect(await runBake((r) => handleVerify(r, prod), request({ environment: 'prod' }))).toHaveLength(11);
    const quick = depsFor({ bakeMinutes: 0 });
    const results = await runBake((r) => handleVerify(r, quick), request());
    expect(results.map((r) => [r.checksDone, r.done, r.nextWaitSeconds])).toEqual([[1, true, 0]]);
  });

  test('the first check of a bake may come without progress ($.bake absent)', async () => {
    const result = await handleVerify(request(), depsFor({ bakeMinutes: 0 }));
    expect(result).toMatchObject({ checksDone: 1, done: true });
  });
});

describe('alarms: none of the watched alarms may be in ALARM', () => {
  test('an alarm going into ALARM on the second check fails it with AlarmDuringBake, naming the alarm and its reason', async () => {
    let calls = 0;
    const alarms = () => {
      calls += 1;
      return [
        {
          name: 'orders-dev-5xx',
          state: calls >= 2 ? 'ALARM' : 'OK',
          reason: 'Threshold Crossed: 1 datapoint [12.0] > 5.0',
        },
        { name: 'orders-dev-latency', state: 'INSUFFICIENT_DATA' },
      ];
    };
    const deps = depsFor({ alarms: ['orders-dev-5xx', 'orders-dev-latency'] }, { alarms });
    const checks: number[] = [];
    const bake = runBake(async (r) => {
      const result = await handleVerify(r, deps);
      checks.push(result.checksDone);
      return result;
    }, request());
    await expect(bake).rejects.toThrow(AlarmDuringBake);
    await expect(
      runBake((r) => handleVerify(r, depsFor({ alarms: ['orders-dev-5xx'] }, { alarms })), request()),
    ).rejects.toThrow(
      'Alarm(s) in ALARM during the bake of orders in dev (bake check 1 of 3): orders-dev-5xx (Threshold Crossed: 1 datapoint [12.0] > 5.0)',
    );
    expect(checks).toEqual([1]);
  });

  test('alarms in OK and INSUFFICIENT_DATA pass and are reported with their state', async () => {
    const alarms = () => [
      { name: 'a', state: 'OK' },
      { name: 'b', state: 'INSUFFICIENT_DATA', composite: true },
    ];
    const result = await handleVerify(request(), depsFor({ bakeMinutes: 0, alarms: ['b', 'a'] }, { alarms }));
    expect(result.alarms).toEqual([
      { name: 'b', state: 'INSUFFICIENT_DATA' },
      { name: 'a', state: 'OK' },
    ]);
    expect(result.version.status).toBe('not-checked');
  });

  test('a watched alarm that does not exist fails the check with VerificationFailed, naming it', async () => {
    const deps = depsFor(
      { alarms: ['orders-dev-5xx', 'orders-dev-typo'] },
      { alarms: () => [{ name: 'orders-dev-5xx', state: 'OK' }] },
    );
    await expect(handleVerify(request(), deps)).rejects.toThrow(VerificationFailed);
    await expect(handleVerify(request(), deps)).rejects.toThrow('no CloudWatch alarm named "orders-dev-typo"');
  });

  test('readAlarmStates follows NextToken through every page and asks for metric and composite alarms', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `alarm-${i}`);
    const fake = fakeCloudWatch(
      () => names.map((name, i) => ({ name, state: i === 6 ? 'ALARM' : 'OK', composite: i % 2 === 0 })),
      3,
    );
    const reading = await readAlarmStates(fake.client, names);
    expect(fake.requests.map((r) => r.NextToken)).toEqual([undefined, '3', '6']);
    expect(fake.requests[0]).toEqual({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
    expect(reading.alarms.map((a) => a.name)).toEqual(names);
    expect(reading.alarms.at(-1)?.state).toBe('ALARM');
    expect(reading.missing).toEqual([]);
  });

  test('no alarms configured: CloudWatch is not called', async () => {
    const fake = fakeCloudWatch(() => []);
    expect(await readAlarmStates(fake.client, [])).toEqual({ alarms: [], missing: [] });
    expect(fake.requests).toEqual([]);
  });
});

describe('version: /version must report the deployed commit', () => {
  test('the old commit while pods drain is pending, not a failure; the bake passes once the commit is reported', async () => {
    const version = scriptedVersion(answered(OLD_COMMIT), unreachable, answered(COMMIT));
    const results = await runBake((r) => handleVerify(r, depsFor({ versionUrl: VERSION_URL }, { version })), request());
    expect(results.map((r) => [r.healthy, r.version.status, r.versionConfirmed])).toEqual([
      [false, 'pending', false],
      [false, 'pending', false],
      [true, 'matched', true],
    ]);
    expect(results[0]?.version.detail).toBe(`reported ${OLD_COMMIT}, waiting for ${COMMIT}`);
    expect(results[1]?.version.detail).toBe('http://orders.example.com/version answered HTTP 503');
    expect(version.urls).toEqual([VERSION_URL, VERSION_URL, VERSION_URL]);
  });

  test('another commit on the last check is VersionMismatch', async () => {
    const version = scriptedVersion(answered(OLD_COMMIT));
    const bake = runBake((r) => handleVerify(r, depsFor({ versionUrl: VERSION_URL }, { version })), request());
    await expect(bake).rejects.toThrow(VersionMismatch);
    await expect(
      runBake(
        (r) =>
          handleVerify(r, depsFor({ versionUrl: VERSION_URL }, { version: scriptedVersion(answered(OLD_COMMIT)) })),
        request(),
      ),
    ).rejects.toThrow(
      `${VERSION_URL} reported commit ${OLD_COMMIT} for orders in dev (bake check 3 of 3), expected ${COMMIT}.`,
    );
  });

  test('another commit after the expected one was reported fails at once: something replaced the deploy', async () => {
    const version = scriptedVersion(answered(COMMIT), answered(OLD_COMMIT));
    const seen: number[] = [];
    await expect(
      runBake(async (r) => {
        const result = await handleVerify(r, depsFor({ versionUrl: VERSION_URL }, { version }));
        seen.push(result.checksDone);
        return result;
      }, request()),
    ).rejects.toThrow('(it had reported the expected commit before: something replaced this deploy)');
    expect(seen).toEqual([1]);
  });

  test('no answer by the last check is VerificationFailed', async () => {
    const bake = runBake(
      (r) => handleVerify(r, depsFor({ versionUrl: VERSION_URL }, { version: scriptedVersion(unreachable) })),
      request(),
    );
    await expect(bake).rejects.toThrow(VerificationFailed);
  });

  test('without versionUrl the deploy build’s reading is checked; without either the version is not checked', async () => {
    const version = scriptedVersion(answered(OLD_COMMIT));
    const deps = depsFor({ bakeMinutes: 0 }, { version });
    expect(await handleVerify({ ...request({ deployedCommit: [COMMIT] }) }, deps)).toMatchObject({
      version: { status: 'matched', source: 'deploy-build', actual: COMMIT },
      versionConfirmed: true,
    });
    expect(await handleVerify({ ...request({ deployedCommit: [] }) }, deps)).toMatchObject({
      version: { status: 'not-checked', source: 'none' },
      versionConfirmed: false,
    });
    await expect(handleVerify({ ...request({ deployedCommit: OLD_COMMIT }) }, deps)).rejects.toThrow(VersionMismatch);
    expect(version.urls).toEqual([]);
  });
});

describe('bad input', () => {
  test.each([
    [
      { service: 'orders', environment: 'dev', commit: 'abc' },
      'commit: must be a 40-character lowercase hex commit id',
    ],
    [{ service: 'orders', environment: 'dev' }, 'commit: required'],
    [
      { service: 'orders', environment: 'dev', commit: COMMIT, bake: { checksDone: -1, versionConfirmed: false } },
      'bake.checksDone',
    ],
    [{ service: 'orders', environment: 'qa', commit: COMMIT }, 'service "orders" has no environment "qa"'],
  ])('%j: InvalidVerifyRequest naming the field', async (event, message) => {
    await expect(handleVerify(event, depsFor({}))).rejects.toThrow(InvalidVerifyRequest);
    await expect(handleVerify(event, depsFor({}))).rejects.toThrow(message);
  });
});

describe('readVersion against a real /version', () => {
  let app: FastifyInstance;
  let appUrl: string;
  let server: ScriptedServer;

  beforeAll(async () => {
    app = Fastify();
    registerVersion(app, { commitSha: COMMIT, buildTime: '2026-11-29T19:00:00Z' });
    appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    server = await startScriptedServer();
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  test('the app’s own route: its commitSha is read', async () => {
    expect(await readVersion(`${appUrl}/version`, 2_000)).toEqual({ kind: 'answered', commit: COMMIT });
  });

  test('a status other than 2xx, a body that is not JSON or has no commitSha, a hang, a closed port: unreachable, saying which', async () => {
    const url = `${server.url}/version`;
    server.script((_q, res) => res.writeHead(503).end('down'));
    expect(await readVersion(url, 2_000)).toEqual({ kind: 'unreachable', detail: `${url} answered HTTP 503` });
    server.script((_q, res) => res.writeHead(200).end('<html>'));
    expect(await readVersion(url, 2_000)).toEqual({ kind: 'unreachable', detail: `${url} did not answer JSON` });
    server.script((_q, res) => res.writeHead(200).end('{"version":"1.0"}'));
    expect(await readVersion(url, 2_000)).toEqual({
      kind: 'unreachable',
      detail: `${url} answered JSON without a string "commitSha"`,
    });
    server.script(() => {
      // never answers
    });
    expect(await readVersion(url, 300)).toEqual({ kind: 'unreachable', detail: `${url}: no answer within 300 ms` });
    server.script(versionAnswer(OLD_COMMIT));
    expect(await readVersion(url, 2_000)).toEqual({ kind: 'answered', commit: OLD_COMMIT });
    const closed = await startScriptedServer();
    await closed.close();
    const refused = await readVersion(`${closed.url}/version`, 2_000);
    expect(refused.kind).toBe('unreachable');
  });
});
