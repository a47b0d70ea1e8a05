import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { buildTimeline } from '../../lib/cli/run-timeline';
import { stageSummaries } from '../../lib/cli/stage-summaries';
import { statusDocument } from '../../lib/cli/status-document';
import { readableCause } from '../../lib/cli/task-cause';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';
import { asSdk, FIXTURE_NAMES, loadFixture } from './support/execution-fixtures';

const NOW = new Date('2025-06-04T00:00:00Z');

function docOf(name: string) {
  const { describe, events } = asSdk(loadFixture(name));
  return statusDocument(describe, events, NOW);
}

const stage = (doc: ReturnType<typeof docOf>, name: string) => {
  const found = doc.stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stage ${name} in ${doc.stages.map((s) => s.name).join(', ')}`);
  return found;
};

const statuses = (doc: ReturnType<typeof docOf>) => Object.fromEntries(doc.stages.map((s) => [s.name, s.status]));

describe('the stage timeline from GetExecutionHistory events (test/fixtures/executions)', () => {
  it('has a fixture for each kind of run the brief names', () => {
    expect(FIXTURE_NAMES).toEqual([
      'aborted',
      'apply-build-failed',
      'execution-timeout',
      'happy-full-run',
      'multi-page-task-timeout',
      'parallel-branch-failure',
      'run-settings-unavailable',
    ]);
  });

  it('a happy full run: every Task state succeeded, in order of entry, with durations and summaries', () => {
    const doc = docOf('happy-full-run');
    expect(doc.execution).toMatchObject({ status: 'SUCCEEDED', durationSeconds: 719.26, redriveCount: 0 });
    expect(doc.failure).toBeNull();
    expect(doc.stages.map((s) => s.name)).toEqual([
      'LoadRunSettings',
      'NotifyStarted',
      'TerraformPlan',
      'BuildImage',
      'RunTests',
      'PlanGuard',
      'CoverageGate',
      'TerraformApply',
      'HelmDeploy',
      'RecordCoverageBaseline',
      'NotifySucceeded',
    ]);
    expect(new Set(doc.stages.map((s) => s.status))).toEqual(new Set(['succeeded']));
    expect(stage(doc, 'RunTests')).toMatchObject({
      startedAt: '2025-06-03T09:00:01.120Z',
      stoppedAt: '2025-06-03T09:06:13.490Z',
      durationSeconds: 372.37,
      attempts: 1,
      error: null,
    });
    expect(doc.summaries.coverage).toEqual({
      passed: true,
      lines: { covered: 1234, valid: 1433, pct: (1234 / 1433) * 100 },
      branches: { covered: 402, valid: 559, pct: (402 / 559) * 100 },
      newCode: { covered: 61, valid: 70, pct: (61 / 70) * 100 },
      message: null,
    });
    expect(doc.summaries.plan).toEqual({
      passed: true,
      hasChanges: true,
      add: 1,
      change: 2,
      destroy: 1,
      replace: 1,
      summary: '1 to add, 2 to change, 1 to destroy',
      message: null,
    });
    expect(doc.summaries.scan).toBeNull();
    expect(doc.run).toMatchObject({ service: 'orders-api', environment: 'prod', trigger: 'push', author: 'Jane Doe' });
    expect(doc.execution.consoleUrl).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${doc.execution.arn}`,
    );
  });

  it('a failure in a Parallel branch: the gate verdict in its stage, the cancelled sibling aborted', () => {
    const doc = docOf('parallel-branch-failure');
    expect(doc.execution.status).toBe('FAILED');
    expect(statuses(doc)).toEqual({
      LoadRunSettings: 'succeeded',
      NotifyStarted: 'succeeded',
      TerraformPlan: 'succeeded',
      BuildImage: 'aborted',
      RunTests: 'succeeded',
      PlanGuard: 'succeeded',
      CoverageGate: 'failed',
      NotifyFailed: 'succeeded',
    });
    // The Lambda error envelope reads as its message; the stage keeps the error name.
    expect(stage(doc, 'CoverageGate').error).toBe('CoverageBelowThreshold');
    expect(stage(doc, 'CoverageGate').cause).toMatch(/^Coverage gate failed for orders-api\/prod at 2b3c4d5/);
    expect(stage(doc, 'BuildImage').stoppedAt).toBe('2025-06-03T10:06:16.120Z');
    expect(doc.failure).toEqual({
      stage: 'CoverageGate',
      error: 'CoverageBelowThreshold',
      cause: expect.stringContaining('- minLinePct: line coverage 71.43% (1020/1428 lines) < required 80.00%'),
    });
    expect(doc.execution.error).toBe('CoverageBelowThreshold');
    expect(doc.execution.cause).toMatch(/^CoverageGate failed: Coverage gate failed for orders-api\/prod/);
    expect(doc.summaries.coverage).toMatchObject({ passed: false, lines: null });
    expect(doc.summaries.coverage?.message).toMatch(/minLinePct/);
    expect(doc.summaries.plan).toMatchObject({ passed: true, add: 1 });
  });

  it('an execution timeout: the open stage timed out when the run did; no failure state ran', () => {
    const doc = docOf('execution-timeout');
    expect(doc.execution).toMatchObject({ status: 'TIMED_OUT', durationSeconds: 10800 });
    expect(stage(doc, 'TerraformApply')).toMatchObject({
      status: 'timed-out',
      stoppedAt: '2025-06-03T14:00:00.000Z',
      error: null,
    });
    expect(doc.stages.some((s) => s.name.startsWith('Notify') && s.name !== 'NotifyStarted')).toBe(false);
    expect(doc.failure).toEqual({
      stage: 'TerraformApply',
      error: 'States.Timeout',
      cause: 'the run took longer than the workflow allows (TimeoutSeconds)',
    });
  });

  it('a multi-page history: retried attempts counted, skipped stages, a task timeout', () => {
    const fixture = loadFixture('multi-page-task-timeout');
    expect(fixture.historyPages.map((p) => p.events.length)).toEqual([30, 30, 10]);
    expect(fixture.historyPages.map((p) => p.nextToken !== undefined)).toEqual([true, true, false]);
    const doc = docOf('multi-page-task-timeout');
    expect(statuses(doc)).toMatchObject({
      RunTests: 'succeeded',
      PlanGuard: 'skipped',
      HelmDeploy: 'timed-out',
    });
    // No SkipTerraformApply state any more: ChooseTerraformApply goes past an apply that has nothing to do.
    expect(statuses(doc)).not.toHaveProperty('TerraformApply');
    expect(stage(doc, 'RunTests').attempts).toBe(2);
    expect(stage(doc, 'RunTests').error).toBeNull();
    expect(stage(doc, 'PlanGuard')).toMatchObject({
      note: 'the plan changes nothing',
      startedAt: null,
      durationSeconds: null,
    });
    expect(stage(doc, 'HelmDeploy').error).toBe('States.Timeout');
    expect(stage(doc, 'HelmDeploy').durationSeconds).toBeCloseTo(1800, 0);
    expect(doc.failure).toEqual({
      stage: 'HelmDeploy',
      error: 'HelmDeployFailed',
      cause: 'States.Timeout: The task has timed out after 1800 seconds (TimeoutSeconds of state HelmDeploy).',
    });
    expect(doc.summaries.plan).toMatchObject({ passed: true, hasChanges: false, summary: 'no changes' });
  });

  it('the history in any page order gives the same timeline (events are ordered by id)', () => {
    const { describe, events } = asSdk(loadFixture('multi-page-task-timeout'));
    const shuffled = [...events.slice(60), ...events.slice(0, 30), ...events.slice(30, 60)];
    expect(statusDocument(describe, shuffled, NOW)).toEqual(statusDocument(describe, events, NOW));
  });

  it('an aborted run: the running build aborted, the stop reason kept', () => {
    const doc = docOf('aborted');
    expect(doc.execution.status).toBe('ABORTED');
    expect(statuses(doc)).toMatchObject({
      RunTests: 'succeeded',
      CoverageGate: 'succeeded',
      TerraformPlan: 'skipped',
      PlanGuard: 'skipped',
      BuildImage: 'aborted',
    });
    expect(stage(doc, 'TerraformPlan').note).toBe('no infrastructure change');
    expect(doc.failure).toEqual({
      stage: 'BuildImage',
      error: 'Stopped',
      cause: 'Stopped from the console: wrong base image tag',
    });
  });

  it('run settings unavailable: the first state failed, its SSM error in the cause', () => {
    const doc = docOf('run-settings-unavailable');
    expect(statuses(doc)).toEqual({ LoadRunSettings: 'failed', NotifyFailed: 'succeeded' });
    expect(stage(doc, 'LoadRunSettings').error).toBe('Ssm.ParameterNotFoundException');
    expect(doc.failure).toMatchObject({ stage: 'LoadRunSettings', error: 'RunSettingsUnavailable' });
    expect(doc.summaries).toEqual({ coverage: null, plan: null, scan: null });
  });

  it('a CodeBuild build that failed: its status and failed phase in words', () => {
    const doc = docOf('apply-build-failed');
    expect(stage(doc, 'TerraformApply')).toMatchObject({ status: 'failed', error: 'States.TaskFailed' });
    expect(stage(doc, 'TerraformApply').cause).toBe(
      'build TerraformApply-Project:00000031-1f2e-4d3c-8b7a-000000000031 FAILED in phase BUILD (COMMAND_EXECUTION_ERROR: Error while executing command: terraform apply -input=false "$PLAN_FILE". Reason: exit status 1)',
    );
    expect(doc.failure?.cause).toMatch(/^States\.TaskFailed: build TerraformApply-Project:\S+ FAILED in phase BUILD/);
    expect(doc.stages.find((s) => s.name === 'HelmDeploy')).toBeUndefined();
  });

  it('a running execution: open stages are running and measured to now', () => {
    const { describe, events } = asSdk(loadFixture('happy-full-run'));
    const partial = events.slice(0, 40);
    const running = { ...describe, status: 'RUNNING' as const, stopDate: undefined };
    const now = new Date('2025-06-03T09:02:00Z');
    const doc = statusDocument(running, partial, now);
    expect(doc.execution).toMatchObject({ status: 'RUNNING', stoppedAt: null, durationSeconds: 120 });
    expect(stage(doc, 'RunTests')).toMatchObject({ status: 'running', stoppedAt: null });
    expect(stage(doc, 'RunTests').durationSeconds).toBeCloseTo(118.88, 2);
    expect(doc.failure).toBeNull();
  });
});

describe('redriven executions', () => {
  it('a stage entered again after ExecutionRedriven stays one stage with the new outcome', () => {
    const { events } = asSdk(loadFixture('apply-build-failed'));
    const last = events.at(-1) as HistoryEvent;
    let id = last.id ?? 0;
    const at = (s: number) => new Date((last.timestamp as Date).getTime() + s * 1000);
    const more: HistoryEvent[] = [
      {
        id: ++id,
        previousEventId: 0,
        type: 'ExecutionRedriven',
        timestamp: at(60),
        executionRedrivenEventDetails: { redriveCount: 1 },
      },
      {
        id: ++id,
        previousEventId: id - 1,
        type: 'TaskStateEntered',
        timestamp: at(61),
        stateEnteredEventDetails: { name: 'TerraformApply', input: '{}' },
      },
      { id: ++id, previousEventId: id - 1, type: 'TaskScheduled', timestamp: at(61) },
      {
        id: ++id,
        previousEventId: id - 1,
        type: 'TaskSucceeded',
        timestamp: at(200),
        taskSucceededEventDetails: { output: '{}' },
      } as HistoryEvent,
      {
        id: ++id,
        previousEventId: id - 1,
        type: 'TaskStateExited',
        timestamp: at(200),
        stateExitedEventDetails: { name: 'TerraformApply' },
      },
      { id: ++id, previousEventId: id - 1, type: 'ExecutionSucceeded', timestamp: at(201) },
    ];
    const timeline = buildTimeline([...events, ...more]);
    expect(timeline.status).toBe('SUCCEEDED');
    expect(timeline.redriveCount).toBe(1);
    expect(timeline.failure).toBeNull();
    const apply = timeline.stages.filter((s) => s.name === 'TerraformApply');
    expect(apply).toHaveLength(1);
    expect(apply[0]).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
  });
});

describe('scan summaries (WaitForScan / PollScan, docs/scan-gate.md contract)', () => {
  const scanEvents = (outcome: HistoryEvent): HistoryEvent[] => [
    {
      id: 1,
      previousEventId: 0,
      type: 'TaskStateEntered',
      timestamp: new Date(0),
      stateEnteredEventDetails: { name: 'WaitForScan', input: '{}' },
    },
    { id: 2, previousEventId: 1, type: 'TaskScheduled', timestamp: new Date(1000) },
    { ...outcome, id: 3, previousEventId: 2, timestamp: new Date(60_000) },
  ];
  const counts = { CRITICAL: 0, HIGH: 2, MEDIUM: 3, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 };

  it('a passed scan: status and counts from the task output { done, summary }', () => {
    const summary = { passed: true, status: 'COMPLETE', counts, consoleUrl: 'https://example.test/scan' };
    const timeline = buildTimeline(
      scanEvents({
        type: 'TaskSucceeded',
        taskSucceededEventDetails: { output: JSON.stringify({ done: true, summary }) },
      } as HistoryEvent),
    );
    expect(stageSummaries(timeline.stages).scan).toEqual({
      passed: true,
      status: 'COMPLETE',
      counts,
      message: null,
      consoleUrl: 'https://example.test/scan',
    });
  });

  it('a blocked scan: the ScanGateFailure report in the cause', () => {
    const report = {
      error: 'ScanFindingsAboveThreshold',
      message: '2 HIGH findings over the limit of 0',
      status: 'ACTIVE',
      counts,
    };
    const timeline = buildTimeline(
      scanEvents({
        type: 'TaskFailed',
        taskFailedEventDetails: { error: 'ScanFindingsAboveThreshold', cause: JSON.stringify(report) },
      } as HistoryEvent),
    );
    expect(stageSummaries(timeline.stages).scan).toEqual({
      passed: false,
      status: 'ACTIVE',
      counts,
      message: '2 HIGH findings over the limit of 0',
      consoleUrl: null,
    });
  });
});

describe('readableCause', () => {
  it.each([
    ['a plain cause', 'Task timed out', 'Task timed out'],
    [
      'a Lambda error envelope',
      '{"errorType":"PlanUnreadable","errorMessage":"Plan JSON at s3://b/k is empty","trace":[]}',
      'Plan JSON at s3://b/k is empty',
    ],
    [
      'a prefixed build',
      'RunTests failed: States.TaskFailed: {"Build":{"Id":"p:1","BuildStatus":"STOPPED"}}',
      'RunTests failed: States.TaskFailed: build p:1 STOPPED',
    ],
    ['JSON of another shape', 'x: {"a":1}', 'x: {"a":1}'],
    ['text with a brace that is not JSON', 'expected { at 3', 'expected { at 3'],
  ])('%s', (_what, cause, expected) => {
    expect(readableCause(cause)).toBe(expected);
  });
});

describe('the timeline knows the workflow it reads', () => {
  const asl = JSON.parse(readDeployPipelineAsl()) as { States: Record<string, unknown> };
  const names = new Set<string>();
  const walk = (states: Record<string, { Type: string; Branches?: { States: Record<string, unknown> }[] }>) => {
    for (const [name, state] of Object.entries(states)) {
      names.add(`${state.Type}:${name}`);
      for (const branch of state.Branches ?? []) walk(branch.States as never);
    }
  };
  walk(asl.States as never);

  it('every Skip<Stage> Pass state of the ASL skips a Task state that exists', () => {
    const skips = [...names].filter((n) => n.startsWith('Pass:Skip')).map((n) => n.slice('Pass:Skip'.length));
    expect(skips.length).toBeGreaterThan(0);
    for (const stageName of skips) expect(names).toContain(`Task:${stageName}`);
  });

  it('the fixtures use only states the ASL has, each with its type', () => {
    const used = new Set<string>();
    for (const name of FIXTURE_NAMES) {
      for (const page of loadFixture(name).historyPages) {
        for (const e of page.events as { type: string; stateEnteredEventDetails?: { name: string } }[]) {
          if (e.stateEnteredEventDetails)
            used.add(`${e.type.replace('StateEntered', '')}:${e.stateEnteredEventDetails.name}`);
        }
      }
    }
    for (const n of used) expect(names).toContain(n);
  });
});
