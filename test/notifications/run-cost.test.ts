import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { handleNotify, type NotifyDeps } from '../../lambdas/notify/handle-notify';
import type { NotifyRequest } from '../../lambdas/notify/notify-request';
import { ENDING_STATES, runCostOf } from '../../lambdas/notify/run-cost';
import { renderSlackMessage } from '../../lambdas/shared/notifications/render-slack';
import { pipelineEventSchema } from '../../lib/contracts/pipeline-event';
import { DEFAULT_PRICING, pricingSchema } from '../../lib/contracts/pricing';
import { EVENT_TIME, EXECUTION_START } from './requests';

/**
 * The cost of a run in its final notification, from recorded-shape histories (test/fixtures/cost,
 * GetExecutionHistory with execution data): the builds' compute and times come from their `Build`
 * documents in `TaskSucceeded` output and `TaskFailed` cause.
 */
const fixture = (name: string): HistoryEvent[] =>
  (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'cost', name), 'utf8')).events as HistoryEvent[]).map(
    (e) => ({ ...e, timestamp: new Date(e.timestamp as unknown as string) }),
  );
/** The succeeded run as NotifySucceeded reads it: up to its own task's start. */
const succeededSoFar = () => fixture('history-full-run.json').filter((e) => (e.id ?? 0) <= 51);
const rolledBackSoFar = () => fixture('history-rolled-back.json');

/** A Notify payload as the workflow sends it (state.$: $, the execution's context fields). */
const request = (type: NotifyRequest['type']): NotifyRequest => ({
  type,
  state: {
    service: 'sample-service',
    environment: 'dev',
    trigger: 'push',
    source: { provider: 'github', repository: 'o/r', branch: 'main', commit: 'a'.repeat(40), author: 'ana' },
  },
  execution: {
    id: 'arn:aws:states:us-east-1:123456789012:execution:DeployPipeline:sample-service-dev-aaaaaaa-abcdef012345',
    name: 'sample-service-dev-aaaaaaa-abcdef012345',
    startTime: EXECUTION_START,
  },
});
const payloads = { started: request('started'), succeeded: request('succeeded'), failed: request('failed') };

function deps(events: HistoryEvent[], pricing = DEFAULT_PRICING) {
  const requests: Array<Record<string, unknown>> = [];
  const sfn = new SFNClient({ region: 'us-east-1' });
  // Two pages, as GetExecutionHistory may return them.
  const half = Math.ceil(events.length / 2);
  sfn.send = (async (command: { input: Record<string, unknown> }) => {
    requests.push({ ...command.input });
    return command.input.nextToken === undefined
      ? { events: events.slice(0, half), nextToken: 'page-1' }
      : { events: events.slice(half) };
  }) as never;
  const sns = new SNSClient({ region: 'us-east-1' });
  const published: Array<Record<string, unknown>> = [];
  sns.send = (async (command: { input: Record<string, unknown> }) => {
    published.push(command.input);
    return { MessageId: 'm-1' };
  }) as never;
  const d: NotifyDeps = {
    sfn,
    sns,
    topicArn: 'topic',
    chatbotRoutes: [],
    now: () => EVENT_TIME,
    historyTimeoutMs: 5_000,
    logger: { info: jest.fn(), warn: jest.fn() },
    pricing,
  };
  const event = () => pipelineEventSchema.parse(JSON.parse(String(published[0]?.Message)));
  return { d, requests, event };
}

describe('run cost in the final notification', () => {
  test('a succeeded run: transitions so far plus the ending states, each build by compute type, the functions', async () => {
    const { d, requests, event } = deps(succeededSoFar());
    await handleNotify(payloads.succeeded, d);
    expect(requests.map((r) => r.includeExecutionData)).toEqual([true, true]);
    const cost = event().cost;
    expect(cost?.endingStates).toBe(1);
    expect(cost?.lines.map((l) => [l.kind, l.item])).toEqual([
      // 11 states entered up to NotifySucceeded itself, RunSucceeded still to come.
      ['transitions', '12 state transitions (11 so far + 1 ending)'],
      ['codebuild', 'RunTests: 3 min on ec2-small'],
      ['codebuild', 'TerraformPlan: 1 min on lambda-2gb'],
      ['codebuild', 'BuildImage: 3 min on ec2-small'],
      ['codebuild', 'TerraformApply: 2 min on ec2-small'],
      ['codebuild', 'HelmDeploy: 1.5 min on lambda-2gb'],
      // AcquireLock, NotifyStarted, ReleaseLock timed; the scan callback a request only; NotifySucceeded still running.
      ['lambda', '4 invocations, 0.45 GB-s'],
    ]);
    const sum = cost?.lines.reduce((s, l) => s + l.usd, 0) ?? 0;
    expect(cost?.totalUsd).toBeCloseTo(sum, 6);
    expect(cost?.totalUsd).toBeGreaterThan(0.04);
    expect(cost?.display).toBe('$0.05');
  });

  test('a rolled-back run prices the failed build from the TaskFailed cause and the rollback build', async () => {
    const { d, event } = deps(rolledBackSoFar());
    await handleNotify(payloads.failed, d);
    const cost = event().cost;
    expect(cost?.lines.filter((l) => l.kind === 'codebuild').map((l) => l.item)).toEqual([
      'RunTests: 3 min on ec2-small',
      'TerraformPlan: 1 min on lambda-2gb',
      'BuildImage: 3 min on ec2-small',
      'TerraformApply: 2 min on ec2-small',
      // 900.4 s billed per started second: 901 s.
      'HelmDeploy: 15.02 min on lambda-2gb',
      // 52.3 s -> 53 s.
      'RollbackRelease: 0.88 min on lambda-2gb',
    ]);
    expect(cost?.lines[0]?.item).toBe('15 state transitions (13 so far + 2 ending)');
  });

  test('the configuration’s prices are used; a payload may say how many states end the run', async () => {
    const pricing = pricingSchema.parse({ codeBuildMinute: { 'ec2-small': 1 } });
    const { d, event } = deps(succeededSoFar(), pricing);
    await handleNotify({ ...payloads.succeeded, endingStates: 3 }, d);
    const cost = event().cost;
    expect(cost?.lines.find((l) => l.item.startsWith('RunTests'))?.usd).toBe(3);
    expect(cost?.lines[0]?.item).toBe('14 state transitions (11 so far + 3 ending)');
    expect(cost?.display).toBe(`$${cost?.totalUsd.toFixed(2)}`);
  });

  test('a started event reads the history without data and carries no cost', async () => {
    const { d, requests, event } = deps(succeededSoFar().filter((e) => (e.id ?? 0) <= 9));
    await handleNotify(payloads.started, d);
    expect(requests.every((r) => r.includeExecutionData === false)).toBe(true);
    expect(event().cost).toBeUndefined();
  });

  test('a history that cannot be read leaves the cost out, the event still goes', async () => {
    const { d, event } = deps([]);
    d.sfn.send = (async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    }) as never;
    await handleNotify(payloads.succeeded, d);
    expect(event().cost).toBeUndefined();
    expect(event().type).toBe('succeeded');
  });

  test('Slack shows "Cost of this run" and says the ending states are counted', () => {
    const base = pipelineEventSchema.parse({
      schemaVersion: 1,
      id: 'x/succeeded',
      type: 'succeeded',
      occurredAt: EVENT_TIME.toISOString(),
      service: 's',
      environment: 'dev',
      trigger: 'push',
      source: {
        provider: 'github',
        repository: 'o/r',
        branch: 'main',
        commit: 'a'.repeat(40),
        shortCommit: 'aaaaaaa',
        commitUrl: null,
        author: 'ana',
        message: 'm',
      },
      execution: { name: 'x', arn: 'a', consoleUrl: null, startedAt: null, durationMs: null },
      stages: [],
      cost: runCostOf(succeededSoFar(), DEFAULT_PRICING, 2),
      trimmed: [],
    });
    const text = JSON.stringify(renderSlackMessage(base).attachments[0].blocks);
    expect(text).toContain(
      'Cost of this run: $0.05 (list prices; the state transitions so far plus the 2 ending states',
    );
  });
});

describe('ending states of the state machine', () => {
  const asl = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'state-machines', 'deploy-pipeline.asl.json'), 'utf8'),
  ) as { States: Record<string, { Type: string; Next?: string; End?: boolean }> };

  /** States entered after `name` until the run ends, following `Next` (the final path has no Choice). */
  const after = (name: string): number => {
    let count = 0;
    let at = asl.States[name];
    while (at?.Next !== undefined && count < 20) {
      count += 1;
      at = asl.States[at.Next];
    }
    return count;
  };

  test('ENDING_STATES is what follows each final Notify state (update it when the workflow changes)', () => {
    const byType: Record<string, string> = {
      succeeded: 'NotifySucceeded',
      superseded: 'NotifySuperseded',
      failed: 'NotifyFailed',
    };
    expect(Object.keys(ENDING_STATES).sort()).toEqual(Object.keys(byType).sort());
    for (const [type, state] of Object.entries(byType)) {
      expect(asl.States[state]).toBeDefined();
      expect([type, after(state)]).toEqual([type, ENDING_STATES[type as keyof typeof ENDING_STATES]]);
    }
  });
});
