import { ERROR_STAGE, type ErrorName } from '../../lib/contracts/error-names';
import { FINAL_EVENT_TYPES } from '../../lib/contracts/pipeline-event';
import { type AslDefinition, type AslState, allStates, taskStates } from '../../lib/local/asl-states';
import type { LocalRunResult } from '../../lib/local/local-run-result';
import { type FaultInjection, LocalRunInvalid } from '../../lib/local/run-local-pipeline';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import { SCENARIO_NAMES } from '../../lib/local/scenarios';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

/**
 * Fault injection into every Task state of the ASL, one at a time. The list of states and what each
 * run must do are read from the definition, so a state added later is covered without editing this
 * file.
 */
const definition = JSON.parse(readDeployPipelineAsl()) as AslDefinition;
const located = allStates(definition);
const byName = new Map(located.map((s) => [s.name, s]));
const TASKS = taskStates(definition).map((t) => t.name);
const FAULT = 'States.TaskFailed';

const run = (scenario: string, fail: FaultInjection[] = []) =>
  runLocalScenario({ scenario, fail, drivers: simulatedDrivers() });

/** `ErrorEquals` matches `error` as Step Functions does (`States.ALL` matches every error but `States.Runtime`). */
const matches = (errorEquals: readonly string[], error: string) =>
  errorEquals.includes(error) || (errorEquals.includes('States.ALL') && error !== 'States.Runtime');

/** Attempts a state makes when every attempt fails with `error`: 1 + the first matching retrier's MaxAttempts. */
function attemptsFor(state: AslState, error: string): number {
  const retrier = (state.Retry ?? []).find((r) => matches(r.ErrorEquals, error)) as
    | { MaxAttempts?: number }
    | undefined;
  return retrier === undefined ? 1 : 1 + (retrier.MaxAttempts ?? 3);
}

/**
 * Optional in the ASL's own terms: a Catch that takes `error` back to the state's own `Next`, so the
 * run carries on as if the state had succeeded (NotifyStarted, RecordCoverageBaseline, NotifySucceeded,
 * NotifyFailed: a notification that cannot be published never changes the run).
 */
function isOptional(state: AslState, error: string): boolean {
  const catcher = (state.Catch ?? []).find((c) => matches(c.ErrorEquals, error));
  return catcher !== undefined && catcher.Next === state.Next;
}

/** The states object that holds `name` (the top level or a branch) and the Parallel state around it. */
function scopeOf(name: string): { states: Readonly<Record<string, AslState>>; parallel?: string } {
  const parallel = byName.get(name)?.parallel;
  if (parallel === undefined) return { states: definition.States };
  const branch = (byName.get(parallel)?.state.Branches ?? []).find((b) => name in b.States);
  return { states: branch?.States ?? {}, parallel };
}

/** States that are a part of another stage, as the failure records name them. */
const STAGE_OF_STATE: Readonly<Record<string, string>> = {
  PollScan: 'WaitForScan',
  BuildDeferredImage: 'BuildImage',
  RollbackRelease: 'Rollback',
  RollbackOnRequest: 'Rollback',
};

/** Where every run that asked for the deploy lock ends: `ReleaseLock` and the states after it. */
const EXIT_PATH = 'ReleaseLock';

/**
 * Task states a run reaches after `name` on the success path only (`Next`, `Choices`, `Default`;
 * not `Catch`), leaving a parallel branch through its Parallel state's `Next`; not the exit path
 * every run after `AcquireLock` shares (from {@link EXIT_PATH}), nor `name` itself (the lock's
 * Wait loop comes back to `AcquireLock`).
 */
function successorsOf(name: string): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visitAfter = (from: string): void => {
    const { states, parallel } = scopeOf(from);
    const state = states[from];
    for (const next of [...(state?.Choices ?? []).map((c) => c.Next), state?.Default, state?.Next]) visit(next);
    if (state?.End === true && parallel !== undefined) visitAfter(parallel);
  };
  const visit = (stateName: string | undefined): void => {
    if (stateName === undefined || stateName === EXIT_PATH || stateName === name || seen.has(stateName)) return;
    seen.add(stateName);
    const state = byName.get(stateName)?.state;
    if (state?.Type === 'Task') found.add(stateName);
    for (const branch of state?.Branches ?? []) visit(branch.StartAt);
    visitAfter(stateName);
  };
  visitAfter(name);
  return found;
}

/** The event type a `Notify*` state asks the notify function for (`Payload.type`), if it is one. */
const notifyType = (name: string) =>
  (byName.get(name)?.state.Parameters?.Payload as { type?: string } | undefined)?.type;

/** Notify states whose event is a run's final word (a type that ends a run). */
const FINAL_NOTIFIERS = new Set(
  TASKS.filter((name) => FINAL_EVENT_TYPES.includes(notifyType(name) as (typeof FINAL_EVENT_TYPES)[number])),
);
const STARTED_NOTIFIERS = new Set(TASKS.filter((name) => notifyType(name) === 'started'));

const finals = (result: LocalRunResult) => result.notifications.filter((n) => FINAL_EVENT_TYPES.includes(n.event.type));

describe('fault injection into every Task state of the ASL (simulated stage drivers)', () => {
  /** The first registered scenario whose unfaulted run enters each state, and that run's result. */
  const baseline = new Map<string, { scenario: string; result: LocalRunResult }>();

  beforeAll(async () => {
    for (const scenario of SCENARIO_NAMES) {
      const { result } = await run(scenario);
      for (const state of result.states) {
        if (!baseline.has(state.name)) baseline.set(state.name, { scenario, result });
      }
    }
  });

  test('the list covers every Task state, parallel branches included, and some scenario reaches each', () => {
    expect(TASKS.length).toBeGreaterThanOrEqual(12);
    expect(TASKS).toEqual(
      expect.arrayContaining(['RunTests', 'CoverageGate', 'PlanGuard', 'HelmDeploy', 'NotifyFailed']),
    );
    // The notifiers are found by the event type their payload asks for.
    expect([...STARTED_NOTIFIERS]).toEqual(['NotifyStarted']);
    expect([...FINAL_NOTIFIERS].sort()).toEqual(['NotifyFailed', 'NotifySucceeded', 'NotifySuperseded']);
    expect(TASKS.filter((t) => !baseline.has(t))).toEqual([]);
  });

  test.each(TASKS)('%s failing with States.TaskFailed', async (stateName) => {
    const base = baseline.get(stateName);
    if (base === undefined) throw new Error(`no scenario reaches ${stateName}`);
    const state = byName.get(stateName)?.state as AslState;
    const { result } = await run(base.scenario, [{ state: stateName }]);

    // The state failed with the injected error on every attempt its Retry allows.
    const record = result.states.find((s) => s.name === stateName);
    expect(record).toMatchObject({ status: 'FAILED', error: FAULT, attempts: attemptsFor(state, FAULT) });
    expect(record?.reason).toBe(`fault injected: fails with ${FAULT}`);

    if (isOptional(state, FAULT)) {
      // The ASL catches it and carries on: the run ends as it would have.
      expect({ status: result.status, error: result.error?.error }).toEqual({
        status: base.result.status,
        error: base.result.error?.error,
      });
    } else {
      // Never past a failed required stage: the run fails and nothing after the state runs.
      expect(result.status).toBe('FAILED');
      const ran = new Set(result.states.map((s) => s.name));
      // A state in a loop (PollScan) is its own successor: only other states count.
      expect([...successorsOf(stateName)].filter((s) => s !== stateName && ran.has(s))).toEqual([]);
      const failed = finals(result).find((n) => n.event.type === 'failed');
      if (failed) {
        // The failure notification names the stage that failed, with an error that stage owns; the
        // polling fallback (PollScan) is part of the WaitForScan stage, the image built after
        // TerraformApply part of BuildImage, the rollback builds part of Rollback.
        const stage = STAGE_OF_STATE[stateName] ?? stateName;
        expect(failed.event.failure?.stage).toBe(stage);
        expect(ERROR_STAGE[failed.event.failure?.error as ErrorName]).toBe(stage);
        expect(result.error?.error).toBe(failed.event.failure?.error);
      }
    }

    // Exactly one final notification, unless the fault hit the publishing of that very notification.
    expect(finals(result)).toHaveLength(FINAL_NOTIFIERS.has(stateName) ? 0 : 1);
    // The start is announced once, unless the fault came before it (or hit it).
    const beforeStart = !isOptional(state, FAULT) && [...successorsOf(stateName)].some((s) => STARTED_NOTIFIERS.has(s));
    const started = result.notifications.filter((n) => n.event.type === 'started');
    // (A superseded run announces no start: it never got the lock.)
    const startedBefore = base.result.notifications.filter((n) => n.event.type === 'started').length;
    expect(started).toHaveLength(STARTED_NOTIFIERS.has(stateName) || beforeStart ? 0 : startedBefore);
    expect(result.states.every((s) => s.status !== 'RUNNING')).toBe(true);
  });

  test('releases the deploy lock whenever it took one: every faulted run that entered AcquireLock passes ReleaseLock', async () => {
    const reached = TASKS.filter((t) => baseline.has(t) && t !== 'LoadRunSettings');
    expect(reached.length).toBeGreaterThanOrEqual(12);
    for (const stateName of reached) {
      const base = baseline.get(stateName) as { scenario: string };
      const { result } = await run(base.scenario, [{ state: stateName }]);
      const names = result.states.map((s) => s.name);
      expect([stateName, names.includes('AcquireLock')]).toEqual([stateName, true]);
      // The fault into ReleaseLock itself is caught: the run still ends through the exit path.
      expect([stateName, names.includes('ReleaseLock')]).toEqual([stateName, true]);
      const release = result.states.find((s) => s.name === 'ReleaseLock');
      // A run whose AcquireLock failed never joined: its release is LockNotHeld, caught.
      const expected =
        stateName === 'ReleaseLock'
          ? 'FAILED States.TaskFailed'
          : stateName === 'AcquireLock'
            ? 'FAILED LockNotHeld'
            : 'SUCCEEDED';
      expect([stateName, `${release?.status}${release?.error ? ` ${release.error}` : ''}`]).toEqual([
        stateName,
        expected,
      ]);
    }
    // A run that never read its settings never asked for the lock, so it has nothing to release.
    const { result } = await run('happy', [{ state: 'LoadRunSettings' }]);
    expect(result.states.map((s) => s.name)).not.toContain('AcquireLock');
    expect(result.states.map((s) => s.name)).not.toContain('ReleaseLock');
  });

  test('NotifySucceeded is optional as the ASL declares: its Catch ends the run succeeded all the same', async () => {
    const state = byName.get('NotifySucceeded')?.state as AslState;
    expect(state.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RunSucceeded' })]);
    expect(state.Next).toBe('RunSucceeded');
    expect(byName.get('RunSucceeded')?.state.Type).toBe('Succeed');

    const { result } = await run('happy', [{ state: 'NotifySucceeded' }]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.error).toBeNull();
    expect(result.notifications.map((n) => n.event.type)).toEqual(['started']);
  });

  test('a specific error name takes the path the ASL declares for it', async () => {
    const { result } = await run('happy', [{ state: 'CoverageGate', error: 'CoverageBelowThreshold' }]);
    expect(result.error?.error).toBe('CoverageBelowThreshold');
    expect(result.notifications.at(-1)?.event.failure).toMatchObject({
      stage: 'CoverageGate',
      error: 'CoverageBelowThreshold',
      cause: 'fault injected into CoverageGate',
    });
  });

  test("a retried error is retried as often as the state's Retry says, then caught", async () => {
    const { result } = await run('happy', [{ state: 'RunTests', error: 'CodeBuild.AccountLimitExceededException' }]);
    expect(result.states.find((s) => s.name === 'RunTests')).toMatchObject({ status: 'FAILED', attempts: 4 });
    expect(result.error?.error).toBe('RunTestsFailed');
    // Each retry is a billed state transition.
    const clean = await run('tests-fail');
    expect(result.transitions).toBeGreaterThan(clean.result.transitions);
  });

  test('two faults at once: the run fails once, naming the first stage to fail', async () => {
    const { result } = await run('happy', [{ state: 'TerraformApply' }, { state: 'NotifyFailed' }]);
    expect(result.error?.error).toBe('TerraformApplyFailed');
    expect(finals(result)).toHaveLength(0);
    expect(result.states.find((s) => s.name === 'HelmDeploy')).toBeUndefined();
  });

  test('a fault into a state that is not a Task state is refused before the run', async () => {
    await expect(run('happy', [{ state: 'Verify' }])).rejects.toThrow(LocalRunInvalid);
    await expect(run('happy', [{ state: 'Nope' }])).rejects.toThrow(
      /cannot inject a fault into "Nope": not a Task state of the pipeline \(Task states: LoadRunSettings, /,
    );
  });
});
