import { SFNClient } from '@aws-sdk/client-sfn';
import { readExecutionHistory, timelineEvents } from '../../lambdas/notify/read-execution-history';
import { timingsFromVisits, visitsFromHistory } from '../../lambdas/notify/stage-timeline';
import { HistoryBuilder, helmDeployFailedHistory } from './history';

const timeline = (h: HistoryBuilder) => timingsFromVisits(visitsFromHistory(h.events));

describe('stage timeline from an execution history', () => {
  test('a run failing in HelmDeploy: every stage in order, its duration, the failure marked', () => {
    const stages = timeline(helmDeployFailedHistory());
    // From each stage's entry to its exit (or failure) in the history: the three branches enter at
    // 0.7 s; the plan ends at 58.82 s, the tests at 122.02 s, the image at 218.42 s (the builder's
    // clock runs through the interleaved events).
    expect(stages.map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['RunTests', 'succeeded', 121_320],
      ['TerraformPlan', 'succeeded', 58_120],
      ['BuildImage', 'succeeded', 218_420],
      ['PlanGuard', 'succeeded', 1_200],
      ['CoverageGate', 'succeeded', 2_100],
      ['TerraformApply', 'succeeded', 74_000],
      ['HelmDeploy', 'failed', 125_000],
    ]);
    expect(stages[0]?.startedAt).toBe('2026-11-21T12:00:00.700Z');
  });

  test('events are read in id order whatever order the pages came in', () => {
    const h = helmDeployFailedHistory();
    const shuffled = [...h.events].reverse();
    expect(timingsFromVisits(visitsFromHistory(shuffled))).toEqual(timeline(h));
  });

  test('a branch stopped by its sibling is cancelled; a skipped stage is skipped', () => {
    const h = new HistoryBuilder();
    const verify = h.add('ParallelStateStarted', h.entered('Parallel', 'Verify', 1), 0);
    const tests = h.add('TaskStarted', h.add('TaskScheduled', h.entered('Task', 'RunTests', verify), 0), 10);
    h.pass('SkipTerraformPlan', verify);
    const image = h.add('TaskStarted', h.add('TaskScheduled', h.entered('Task', 'BuildImage', verify), 0), 10);
    h.add('TaskFailed', image, 30_000);
    h.add('TaskStateAborted', tests, 5);
    // RunTests: entered at 0, aborted at 30.025 s; BuildImage: entered at 0.01 s, failed at 30.02 s.
    expect(timeline(h).map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['RunTests', 'cancelled', 30_025],
      ['TerraformPlan', 'skipped', null],
      ['BuildImage', 'failed', 30_010],
    ]);
  });

  test('a failure that a Retry recovers is not a failure; a stage still going is running', () => {
    const h = new HistoryBuilder();
    const entered = h.entered('Task', 'HelmDeploy', 1);
    const first = h.add('TaskStarted', h.add('TaskScheduled', entered, 0), 10);
    const failed = h.add('TaskFailed', first, 1_000, {
      taskFailedEventDetails: { error: 'CodeBuild.AccountLimitExceededException' },
    });
    const second = h.add('TaskStarted', h.add('TaskScheduled', failed, 10_000), 10);
    const exited = h.exited('Task', 'HelmDeploy', h.add('TaskSucceeded', second, 60_000));
    h.add('TaskStarted', h.add('TaskScheduled', h.entered('Task', 'VerifyDeployment', exited), 0), 10);
    expect(timeline(h).map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['HelmDeploy', 'succeeded', 71_020],
      ['VerifyDeployment', 'running', null],
    ]);
  });

  test('a redriven stage shows its last visit: from the first entry to the successful exit', () => {
    const h = new HistoryBuilder();
    const failed = h.failedTask('TerraformApply', 1, 20_000);
    h.add('ExecutionFailed', failed, 0);
    const redriven = h.add('ExecutionRedriven', undefined, 3_600_000);
    h.task('TerraformApply', redriven, 30_000);
    expect(timeline(h)).toEqual([
      { name: 'TerraformApply', status: 'succeeded', startedAt: '2026-11-21T12:00:00.000Z', durationMs: 3_650_000 },
    ]);
  });

  test('states that are not stages (choices, records, Notify*) stay out', () => {
    const names = timeline(helmDeployFailedHistory()).map((s) => s.name);
    for (const helper of [
      'LoadRunSettings',
      'NotifyStarted',
      'Verify',
      'ChooseHelmDeploy',
      'HelmDeployFailed',
      'NotifyFailed',
    ]) {
      expect(names).not.toContain(helper);
    }
  });
});

describe('readExecutionHistory', () => {
  test('reads every page, without event data, at the largest page size', async () => {
    const h = helmDeployFailedHistory();
    const pages = h.pages(20);
    expect(pages.length).toBeGreaterThan(2);
    const requests: Array<Record<string, unknown>> = [];
    const client = new SFNClient({ region: 'us-east-1' });
    client.send = (async (command: { input: Record<string, unknown> }) => {
      requests.push({ ...command.input });
      const index = command.input.nextToken === undefined ? 0 : Number(String(command.input.nextToken).slice(5));
      return pages[index];
    }) as never;
    const events = await readExecutionHistory(client, 'arn:aws:states:us-east-1:123456789012:execution:m:e');
    expect(events).toHaveLength(h.events.length);
    expect(requests).toHaveLength(pages.length);
    expect(requests[0]).toMatchObject({ includeExecutionData: false, maxResults: 1000 });
    expect(requests.slice(1).map((r) => r.nextToken)).toEqual(pages.slice(0, -1).map((p) => p.nextToken));
    expect(timingsFromVisits(visitsFromHistory(timelineEvents(events)))).toEqual(timeline(h));
  });
});
