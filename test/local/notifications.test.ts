import { buildPipelineEvent } from '../../lambdas/notify/build-pipeline-event';
import { parseNotifyRequest } from '../../lambdas/notify/notify-request';
import type { StateVisit } from '../../lambdas/notify/stage-timeline';
import { MemoryLockTable } from '../../lambdas/shared/deploy-lock/memory-lock-table';
import { loadConfig } from '../../lib/config/load-config';
import { type PipelineEvent, pipelineEventSchema } from '../../lib/contracts/pipeline-event';
import { DirectoryArtifactStore } from '../../lib/local/artifact-stores';
import { LOCAL_LAMBDAS, type LocalLambdaContext } from '../../lib/local/lambda-tasks';
import { localSubstitutions } from '../../lib/local/local-substitutions';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

const run = (scenario: string, changes: 'all' | 'app' | 'infra' = 'all') =>
  runLocalScenario({ scenario, changes, drivers: simulatedDrivers() });

const timeline = (event: PipelineEvent | undefined) =>
  Object.fromEntries((event?.stages ?? []).map((s) => [s.name, s.status]));

describe('local runner: the Notify states build the real pipeline event', () => {
  test('the notify function gets its ARN; the topic is no placeholder any more', () => {
    const substitutions = localSubstitutions(readDeployPipelineAsl(), 'pipeline-artifacts');
    expect(substitutions.NotifyFunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:notify');
    expect(substitutions).not.toHaveProperty('TopicArn');
  });

  test('the local notify function returns what handleNotify returns and captures the event it built', async () => {
    const payload = {
      type: 'failed',
      state: {
        service: 'sample-service',
        environment: 'dev',
        trigger: 'push',
        source: { provider: 'github', branch: 'main', commit: '0123456789abcdef0123456789abcdef01234567' },
        error: { failure: { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'exit status 1' } },
      },
      execution: {
        id: 'arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:sample-service-dev-0123456-abcdef012345',
        name: 'sample-service-dev-0123456-abcdef012345',
        startTime: '2026-11-21T12:00:00.000Z',
      },
    };
    const t = (time: string) => Date.parse(`2026-11-21T${time}Z`);
    const visits: StateVisit[] = [
      { name: 'RunTests', enteredAt: t('12:00:01'), endedAt: t('12:02:01'), outcome: 'exited' },
      { name: 'SkipTerraformPlan', enteredAt: t('12:00:01.500'), endedAt: t('12:00:01.500'), outcome: 'exited' },
      { name: 'HelmDeploy', enteredAt: t('12:02:10'), endedAt: t('12:03:10'), outcome: 'failed' },
    ];
    const now = new Date('2026-11-21T12:06:12.000Z');
    const captured: PipelineEvent[] = [];
    const ctx: LocalLambdaContext = {
      wishes: {},
      config: loadConfig(),
      artifacts: new DirectoryArtifactStore('/tmp/deployctl-notify-test'),
      lock: { table: new MemoryLockTable(), policyOf: () => undefined, leaseSeconds: 300 },
      log: () => {},
      now: () => now,
      visits: async () => visits,
      capture: (event) => {
        captured.push(event);
        return 'message-1';
      },
    };

    const result = await LOCAL_LAMBDAS.NotifyFailed?.invoke(payload, ctx);

    // The very event the function builds from this payload and timeline.
    const expected = buildPipelineEvent(parseNotifyRequest(payload), {
      now,
      stages: [
        { name: 'RunTests', status: 'succeeded', startedAt: '2026-11-21T12:00:01.000Z', durationMs: 120_000 },
        { name: 'TerraformPlan', status: 'skipped', startedAt: null, durationMs: null },
        { name: 'HelmDeploy', status: 'failed', startedAt: '2026-11-21T12:02:10.000Z', durationMs: 60_000 },
      ],
    });
    expect(captured).toEqual([expected]);
    expect(pipelineEventSchema.parse(captured[0])).toEqual(expected);
    expect(result).toEqual({ id: expected.id, type: 'failed', messageId: 'message-1' });
  });

  test('a payload that is not a notify request fails the state as the function does', async () => {
    const ctx = { capture: jest.fn() } as unknown as LocalLambdaContext;
    await expect(LOCAL_LAMBDAS.NotifyStarted?.invoke({ type: 'started' }, ctx)).rejects.toMatchObject({
      name: 'InvalidNotifyRequest',
      message: expect.stringMatching(/^not a notify request: state: /),
    });
    expect(ctx.capture).not.toHaveBeenCalled();
  });

  test('each event carries the stage timeline of the run so far, from its own state visits', async () => {
    const { result } = await run('deploy-fails', 'app');
    const [started, failed] = result.notifications;

    expect(result.notifications.map((n) => [n.state, n.event.type])).toEqual([
      ['NotifyStarted', 'started'],
      ['NotifyFailed', 'failed'],
    ]);
    for (const n of result.notifications) expect(pipelineEventSchema.parse(n.event)).toEqual(n.event);
    // Nothing has run before the start but the settings, which the timeline does not show, and the lock.
    expect(started?.event.stages.map((s) => [s.name, s.status])).toEqual([['AcquireLock', 'succeeded']]);
    expect(timeline(failed?.event)).toEqual({
      AcquireLock: 'succeeded',
      ReleaseLock: 'succeeded',
      RunTests: 'succeeded',
      CoverageGate: 'succeeded',
      TerraformPlan: 'skipped',
      BuildImage: 'succeeded',
      WaitForScan: 'succeeded',
      HelmDeploy: 'failed',
      // The failed deploy entered Rollback, which had Helm's own rollback confirmed.
      Rollback: 'succeeded',
    });
    expect(failed?.event.failure).toMatchObject({ stage: 'HelmDeploy', error: 'HelmDeployFailed' });
    expect(failed?.event.execution).toMatchObject({ name: result.execution.name, durationMs: expect.any(Number) });
  });

  test('the success event shows every stage that ran, and the mode says it was built, not published', async () => {
    const { result } = await run('happy');
    const succeeded = result.notifications.find((n) => n.event.type === 'succeeded')?.event;
    expect(timeline(succeeded)).toEqual({
      AcquireLock: 'succeeded',
      ReleaseLock: 'succeeded',
      RunTests: 'succeeded',
      CoverageGate: 'succeeded',
      TerraformPlan: 'succeeded',
      PlanGuard: 'succeeded',
      BuildImage: 'succeeded',
      WaitForScan: 'succeeded',
      TerraformApply: 'succeeded',
      HelmDeploy: 'succeeded',
      VerifyDeployment: 'succeeded',
    });
    for (const name of ['NotifyStarted', 'NotifySucceeded']) {
      expect(result.states.find((s) => s.name === name)).toMatchObject({
        status: 'SUCCEEDED',
        mode: 'real',
        reason: 'real event built by lambdas/notify/build-pipeline-event.ts, not published (no SNS topic locally)',
      });
    }
  });
});
