import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AlarmHistoryItem,
  DescribeAlarmHistoryCommand,
  type DescribeAlarmHistoryCommandInput,
  type DescribeAlarmsCommandInput,
} from '@aws-sdk/client-cloudwatch';
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
import { readVersion } from '../../lambdas/verify-deployment/read-version';
import type { RunDeploySettings } from '../../lib/contracts/deploy-settings';
import { BAKE_WINDOW_MARGIN_SECONDS, type VerifyRequest, verifyResultSchema } from '../../lib/contracts/rollback';
import { COMMIT, OLD_COMMIT, type ScriptedServer, startScriptedServer, versionAnswer } from './support';

type Alarm = { name: string; state: string; reason?: string; composite?: boolean };

/** The documented DescribeAlarmHistory answer (fixtures/describe-alarm-history.json): fired 19:02, cleared 19:03. */
const RECORDED_HISTORY = (
  JSON.parse(readFileSync(join(__dirname, 'fixtures', 'describe-alarm-history.json'), 'utf8')) as {
    AlarmHistoryItems: Array<AlarmHistoryItem & { Timestamp: string }>;
  }
).AlarmHistoryItems;

/**
 * A recorded CloudWatch stand-in: DescribeAlarms answers from `alarms` in pages of `pageSize`;
 * DescribeAlarmHistory answers the recorded items of the asked alarm between StartDate and EndDate,
 * in pages of `historyPage`. Every request is recorded.
 */
function recordedCloudWatch(
  alarms: () => Alarm[],
  { history = [] as typeof RECORDED_HISTORY, pageSize = 100, historyPage = 100 } = {},
) {
  const requests: DescribeAlarmsCommandInput[] = [];
  const historyRequests: DescribeAlarmHistoryCommandInput[] = [];
  const send = async (command: { input: unknown }) => {
    if (command instanceof DescribeAlarmHistoryCommand) {
      const input = command.input;
      historyRequests.push(input);
      const from = (input.StartDate as Date).getTime();
      const to = (input.EndDate as Date).getTime();
      const items = history.filter(
        (h) =>
          h.AlarmName === input.AlarmName &&
          Date.parse(h.Timestamp) >= from &&
          Date.parse(h.Timestamp) <= to &&
          (input.HistoryItemType === undefined || h.HistoryItemType === input.HistoryItemType),
      );
      const start = Number(input.NextToken ?? '0');
      const next = start + historyPage < items.length ? String(start + historyPage) : undefined;
      return {
        AlarmHistoryItems: items
          .slice(start, start + historyPage)
          .map((h) => ({ ...h, Timestamp: new Date(h.Timestamp) })),
        ...(next === undefined ? {} : { NextToken: next }),
        $metadata: {},
      };
    }
    const input = command.input as DescribeAlarmsCommandInput;
    requests.push(input);
    const asked = alarms().filter((a) => input.AlarmNames?.includes(a.name));
    const start = Number(input.NextToken ?? '0');
    const page = asked.slice(start, start + pageSize);
    const next = start + pageSize < asked.length ? String(start + pageSize) : undefined;
    const shape = (a: Alarm) => ({ AlarmName: a.name, StateValue: a.state, StateReason: a.reason ?? '' });
    return {
      MetricAlarms: page.filter((a) => !a.composite).map(shape),
      CompositeAlarms: page.filter((a) => a.composite).map(shape),
      ...(next === undefined ? {} : { NextToken: next }),
      $metadata: {},
    };
  };
  return { requests, historyRequests, client: { send } as unknown as VerifyDeps['cloudwatch'] };
}

const SINCE = '2026-11-29T19:00:00.000Z';
const NOW = new Date('2026-11-29T19:05:00.000Z');
const ALARMS = ['orders-dev-5xx', 'orders-dev-latency'];
const ok = (name: string): Alarm => ({ name, state: 'OK', reason: 'Threshold Crossed: no datapoints above 5.0' });

function deps(cloudwatch: ReturnType<typeof recordedCloudWatch>, versions: Record<string, string | 'down'> = {}) {
  const urls: string[] = [];
  const value: VerifyDeps = {
    cloudwatch: cloudwatch.client,
    readVersion: async (url) => {
      urls.push(url);
      const answer = versions[url];
      return answer === undefined || answer === 'down'
        ? { kind: 'unreachable', detail: `${url} answered HTTP 503` }
        : { kind: 'answered', commit: answer };
    },
    now: () => NOW,
    logger: { info: () => undefined },
  };
  return { urls, value };
}

const deploy = (over: Partial<RunDeploySettings> = {}): RunDeploySettings => ({
  timeoutMinutes: 10,
  bakeSeconds: 300,
  alarms: ALARMS,
  ...over,
});
const request = (over: Partial<VerifyRequest> = {}): VerifyRequest => ({
  service: 'orders',
  environment: 'dev',
  commit: COMMIT,
  deployedCommit: [COMMIT],
  since: SINCE,
  deploy: deploy(),
  ...over,
});

describe('VerifyDeployment: one check over the window since the deploy started', () => {
  test('happy path: alarms exist and stayed out of ALARM, the deploy build read the commit', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok), {
      history: RECORDED_HISTORY.map((h) => ({ ...h, AlarmName: 'another-alarm' })),
    });
    const result = await handleVerify(request(), deps(cw).value);
    expect(verifyResultSchema.parse(result)).toEqual(result);
    expect(result).toEqual({
      verified: true,
      since: SINCE,
      checkedAt: NOW.toISOString(),
      alarms: ALARMS.map((name) => ({ name, state: 'OK' })),
      version: { expected: COMMIT, actual: COMMIT, source: 'deploy-build' },
    });
    // The history of each watched alarm, state changes only, over exactly the window.
    expect(cw.historyRequests).toEqual(
      ALARMS.map((name) => ({
        AlarmName: name,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        HistoryItemType: 'StateUpdate',
        StartDate: new Date(SINCE),
        EndDate: NOW,
        MaxRecords: 100,
      })),
    );
  });

  test('an alarm that fired and cleared inside the window fails with AlarmDuringBake, naming when and why', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok), { history: RECORDED_HISTORY });
    const error = await handleVerify(request(), deps(cw).value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlarmDuringBake);
    expect((error as Error).name).toBe('AlarmDuringBake');
    expect((error as Error).message).toBe(
      `Alarm(s) during the bake of orders in dev (window ${SINCE} to ${NOW.toISOString()}): orders-dev-5xx entered ALARM at 2026-11-29T19:02:05.805Z (testing purposes)`,
    );
  });

  test('without since (as the workflow calls it) the window is the bake plus the margin, back from now', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok), {
      history: RECORDED_HISTORY.map((h) => ({ ...h, AlarmName: 'another-alarm' })),
    });
    const { since: _, ...withoutSince } = request({ deploy: deploy({ bakeSeconds: 240 }) });
    const result = await handleVerify(withoutSince, deps(cw).value);
    const start = new Date(NOW.getTime() - (240 + BAKE_WINDOW_MARGIN_SECONDS) * 1000);
    expect(result.since).toBe(start.toISOString());
    expect(cw.historyRequests.map((r) => r.StartDate)).toEqual(ALARMS.map(() => start));
  });

  test('the same alarm history before the window does not count', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok), { history: RECORDED_HISTORY });
    const result = await handleVerify(request({ since: '2026-11-29T19:04:00Z' }), deps(cw).value);
    expect(result.verified).toBe(true);
  });

  test('an alarm in ALARM now fails with AlarmDuringBake and CloudWatch’s reason, also without history', async () => {
    const reason = 'Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (5.0).';
    const cw = recordedCloudWatch(() => [
      ok('orders-dev-5xx'),
      { name: 'orders-dev-latency', state: 'ALARM', reason, composite: true },
    ]);
    await expect(handleVerify(request(), deps(cw).value)).rejects.toThrow(
      new AlarmDuringBake(
        `Alarm(s) during the bake of orders in dev (window ${SINCE} to ${NOW.toISOString()}): orders-dev-latency is in ALARM (${reason})`,
      ),
    );
  });

  test('INSUFFICIENT_DATA passes and is reported', async () => {
    const cw = recordedCloudWatch(() => [
      ok('orders-dev-5xx'),
      { name: 'orders-dev-latency', state: 'INSUFFICIENT_DATA' },
    ]);
    const result = await handleVerify(request(), deps(cw).value);
    expect(result.alarms).toEqual([
      { name: 'orders-dev-5xx', state: 'OK' },
      { name: 'orders-dev-latency', state: 'INSUFFICIENT_DATA' },
    ]);
  });

  test('a watched alarm that does not exist is VerificationFailed, naming it; no history is read', async () => {
    const cw = recordedCloudWatch(() => [ok('orders-dev-5xx')]);
    const error = await handleVerify(request(), deps(cw).value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationFailed);
    expect((error as Error).message).toContain('no CloudWatch alarm named "orders-dev-latency"');
    expect(cw.historyRequests).toEqual([]);
  });

  test('history pages are followed to the last one', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok), {
      history: [RECORDED_HISTORY[0], RECORDED_HISTORY[0], RECORDED_HISTORY[1]] as typeof RECORDED_HISTORY,
      historyPage: 1,
    });
    await expect(handleVerify(request(), deps(cw).value)).rejects.toThrow(AlarmDuringBake);
    expect(cw.historyRequests.filter((r) => r.AlarmName === 'orders-dev-5xx').map((r) => r.NextToken)).toEqual([
      undefined,
      '1',
      '2',
    ]);
  });

  test('no alarms configured: CloudWatch is not called', async () => {
    const cw = recordedCloudWatch(() => []);
    await handleVerify(request({ deploy: deploy({ alarms: [] }) }), deps(cw).value);
    expect([cw.requests, cw.historyRequests]).toEqual([[], []]);
  });
});

describe('VerifyDeployment: the version', () => {
  const url = 'https://orders.example.com/version';

  test('versionUrl is read and must report the commit (it wins over the deploy build)', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok));
    const d = deps(cw, { [url]: COMMIT });
    const result = await handleVerify(request({ deploy: deploy({ versionUrl: url }), deployedCommit: [] }), d.value);
    expect(result.version).toEqual({ expected: COMMIT, actual: COMMIT, source: 'version-url' });
    expect(d.urls).toEqual([url]);
  });

  test('versionUrl reporting another commit: VersionMismatch with both commits', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok));
    await expect(
      handleVerify(request({ deploy: deploy({ versionUrl: url }) }), deps(cw, { [url]: OLD_COMMIT }).value),
    ).rejects.toThrow(
      new VersionMismatch(
        `${url} reported commit ${OLD_COMMIT} for orders in dev (window ${SINCE} to ${NOW.toISOString()}), expected ${COMMIT}.`,
      ),
    );
  });

  test('versionUrl not answering: VerificationFailed', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok));
    await expect(
      handleVerify(request({ deploy: deploy({ versionUrl: url }) }), deps(cw, { [url]: 'down' }).value),
    ).rejects.toThrow(VerificationFailed);
  });

  test('the deploy build reading another commit: VersionMismatch; reading nothing: not checked', async () => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok));
    await expect(handleVerify(request({ deployedCommit: [OLD_COMMIT] }), deps(cw).value)).rejects.toThrow(
      VersionMismatch,
    );
    const result = await handleVerify(request({ deployedCommit: [] }), deps(cw).value);
    expect(result.version).toEqual({ expected: COMMIT, source: 'none' });
  });

  test('against a real HTTP /version (the app’s own route) through readVersion', async () => {
    const app = Fastify();
    registerVersion(app, { commitSha: COMMIT, buildTime: '2026-11-29T19:00:00Z' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const cw = recordedCloudWatch(() => ALARMS.map(ok));
      const live: VerifyDeps = { ...deps(cw).value, readVersion: (u) => readVersion(u, 2_000) };
      const result = await handleVerify(request({ deploy: deploy({ versionUrl: `${base}/version` }) }), live);
      expect(result.version).toEqual({ expected: COMMIT, actual: COMMIT, source: 'version-url' });
    } finally {
      await app.close();
    }
  });
});

describe('hostile or malformed input', () => {
  test.each([
    [{ ...request(), commit: 'abc' }, 'commit: must be a 40-character lowercase hex commit id'],
    [{ ...request(), since: 'yesterday' }, 'since'],
    [{ ...request(), deployedCommit: ['a', 'b'] }, 'deployedCommit'],
    [{ ...request(), deployedCommit: ['x'.repeat(5000)] }, 'deployedCommit'],
    [{ ...request(), deploy: { ...deploy(), alarms: ['x'.repeat(300)] } }, 'deploy.alarms'],
    [{ ...request(), deploy: { ...deploy(), versionUrl: 'file:///etc/passwd' } }, 'deploy.versionUrl'],
    [{ ...request(), extra: true }, 'extra'],
    [null, 'VerifyDeployment input'],
  ])('%#: InvalidVerifyRequest naming the field', async (event, message) => {
    const cw = recordedCloudWatch(() => ALARMS.map(ok));
    const error = await handleVerify(event, deps(cw).value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidVerifyRequest);
    expect((error as Error).message).toContain(message);
    expect([cw.requests, cw.historyRequests]).toEqual([[], []]);
  });

  test('a huge reason from CloudWatch is clipped in the message', async () => {
    const cw = recordedCloudWatch(() => [
      ok('orders-dev-5xx'),
      { name: 'orders-dev-latency', state: 'ALARM', reason: 'r'.repeat(10_000) },
    ]);
    const error = (await handleVerify(request(), deps(cw).value).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('AlarmDuringBake');
    expect(error.message.length).toBeLessThan(600);
  });
});

describe('readAlarmStates', () => {
  const fakeCloudWatch = (alarms: () => Alarm[], pageSize: number) => recordedCloudWatch(alarms, { pageSize });
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
