import { buildPipelineEvent, MAX_CAUSE_CHARS, MAX_MESSAGE_CHARS } from '../../lambdas/notify/build-pipeline-event';
import { InvalidNotifyRequest, parseNotifyRequest } from '../../lambdas/notify/notify-request';
import { timingsFromVisits, visitsFromHistory } from '../../lambdas/notify/stage-timeline';
import { PIPELINE_EVENT_TYPES, pipelineEventSchema } from '../../lib/contracts/pipeline-event';
import { helmDeployFailedHistory } from './history';
import { EVENT_TIME, requestsByType, type WorkflowPayloads, workflowPayloads } from './requests';

let payloads: WorkflowPayloads;
beforeAll(async () => {
  payloads = await workflowPayloads();
});

const ctx = { now: EVENT_TIME, stages: [] };

describe('buildPipelineEvent from what the workflow sends', () => {
  test('started: who, what, where, and the console link of the execution', () => {
    const event = buildPipelineEvent(payloads.started, ctx);
    expect(pipelineEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      schemaVersion: 1,
      id: 'sample-service-dev-0123456-abcdef012345/started',
      type: 'started',
      occurredAt: '2026-11-21T12:06:12.000Z',
      service: 'sample-service',
      environment: 'dev',
      trigger: 'push',
      source: {
        provider: 'github',
        repository: 'example-org/sample-service',
        branch: 'main',
        commit: '0123456789abcdef0123456789abcdef01234567',
        shortCommit: '0123456',
        commitUrl: 'https://github.com/example-org/sample-service/commit/0123456789abcdef0123456789abcdef01234567',
        author: 'ana',
        message: 'Add the items endpoint\n\nIt lists items by page.',
      },
      execution: {
        name: 'sample-service-dev-0123456-abcdef012345',
        arn: 'arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:sample-service-dev-0123456-abcdef012345',
        consoleUrl:
          'https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:sample-service-dev-0123456-abcdef012345',
        startedAt: '2026-11-21T12:00:00.000Z',
        durationMs: 372_000,
      },
      trimmed: [],
    });
    expect(event.failure).toBeUndefined();
  });

  test('succeeded: the coverage, plan and image of the run', () => {
    const event = buildPipelineEvent(payloads.succeeded, ctx);
    // The real coverage gate judged the simulated RunTests report (90% of lines) and diff (five changed lines, all hit).
    expect(event.coverage).toEqual({ passed: true, linePct: 90, branchPct: null, newCodePct: 100, failedRules: [] });
    expect(event.plan).toEqual({
      add: 1,
      change: 0,
      destroy: 0,
      replace: 0,
      protectedChanges: 0,
      summary: '1 to add, 0 to change, 0 to destroy',
    });
    expect(event.image).toEqual({
      uri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service@sha256:${'ab'.repeat(32)}`,
      digest: `sha256:${'ab'.repeat(32)}`,
    });
  });

  test('failed: the failure record of the state, and the stages from the history', () => {
    const stages = timingsFromVisits(visitsFromHistory(helmDeployFailedHistory().events));
    const event = buildPipelineEvent(payloads.failed, { now: EVENT_TIME, stages });
    expect(event.failure).toEqual({
      stage: 'HelmDeploy',
      error: 'HelmDeployFailed',
      // The rollback decision (a failed deploy: restore) says where the release is, then the build's failure.
      cause: expect.stringMatching(
        /^Release sample-service \(namespace sample-service, cluster deploy-dev\) is back on its last good revision\. States\.TaskFailed: \{"Build":\{"BuildStatus":"FAILED"/,
      ),
    });
    expect(event.stages.at(-1)).toMatchObject({ name: 'HelmDeploy', status: 'failed' });
  });

  test('every event type builds a valid event; failure names make the outcome specific', () => {
    const byType = requestsByType(payloads);
    expect(Object.keys(byType).sort()).toEqual([...PIPELINE_EVENT_TYPES].sort());
    for (const [type, request] of Object.entries(byType)) {
      const event = buildPipelineEvent(request, ctx);
      expect([type, pipelineEventSchema.safeParse(event).success]).toEqual([type, true]);
      expect([type, event.type]).toEqual([type, type]);
    }
    const superseded = buildPipelineEvent(byType.superseded as never, ctx);
    expect(superseded.supersededBy).toEqual({
      commit: 'fedcba9876543210fedcba9876543210fedcba98',
      shortCommit: 'fedcba9',
      executionName: 'sample-service-dev-fedcba9-0a1b2c3d4e5f',
    });
    expect(buildPipelineEvent(byType.approval_required as never, ctx).approval).toEqual({
      approveCommand: 'deployctl approve sample-service-dev-0123456-abcdef012345',
      rejectCommand: 'deployctl reject sample-service-dev-0123456-abcdef012345 --reason "..."',
    });
    expect(buildPipelineEvent(byType.lock_released_by_watchdog as never, ctx).watchdog).toEqual({
      executionStatus: 'ABORTED',
    });
  });

  test('a started or succeeded event never carries a stale failure record', () => {
    const state = { ...payloads.succeeded.state, error: { failure: { stage: 'X', error: 'Y', cause: 'Z' } } };
    expect(buildPipelineEvent({ ...payloads.succeeded, state }, ctx).failure).toBeUndefined();
  });

  test('long texts are shortened: the cause, the commit message, names', () => {
    const cause = `${'日本語のエラー '.repeat(2_000)}end`;
    const state = {
      ...payloads.failed.state,
      source: { ...(payloads.failed.state.source as object), message: '🚀'.repeat(5_000), author: 'a'.repeat(1_000) },
      error: { failure: { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause } },
    };
    const event = buildPipelineEvent({ ...payloads.failed, state }, ctx);
    expect(event.failure?.cause.length).toBeLessThanOrEqual(MAX_CAUSE_CHARS);
    expect(event.failure?.cause.endsWith('…')).toBe(true);
    expect(event.source.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    // Cut between emoji, never inside a surrogate pair.
    expect(event.source.message).toMatch(/^(🚀)+…$/u);
    expect(event.source.author.length).toBeLessThanOrEqual(200);
  });

  test('a broken state still gives an event, with unknown where it has nothing', () => {
    const event = buildPipelineEvent(
      {
        type: 'failed',
        state: { service: 42, source: 'not an object', error: { failure: { stage: 'X' } }, verify: { tests: 'x' } },
        execution: { id: 'not-an-arn', name: 'broken', startTime: 'not a time' },
      },
      ctx,
    );
    expect(pipelineEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      service: 'unknown',
      environment: 'unknown',
      source: { provider: 'unknown', commit: '', commitUrl: null },
      execution: { consoleUrl: null, startedAt: null, durationMs: null },
    });
    expect(event.failure).toBeUndefined();
    expect(event.coverage).toBeUndefined();
  });

  test('a payload that is not a notify request is refused with what is wrong', () => {
    expect(() => parseNotifyRequest({ type: 'exploded', state: {}, execution: {} })).toThrow(InvalidNotifyRequest);
    expect(() => parseNotifyRequest({ type: 'exploded', state: {}, execution: {} })).toThrow(/type: .*execution\.id/);
  });
});
