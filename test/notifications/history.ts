import type { HistoryEventLike } from '../../lambdas/notify/stage-timeline';

/**
 * Execution histories in the shape `GetExecutionHistory` returns (Step Functions API Reference,
 * HistoryEvent): every event has an `id`; `previousEventId` chains a state's events from its
 * `...StateEntered` event (Task: `TaskScheduled` -> `TaskStarted` -> `TaskSucceeded`/`TaskFailed`);
 * a caught failure leaves no `...StateExited` event (the next state's `...Entered` follows the
 * failure); a parallel branch stopped by its sibling's failure ends in `TaskStateAborted`; branches'
 * events interleave. Written for these tests from that documented shape (no AWS account here).
 */
export class HistoryBuilder {
  readonly events: Array<HistoryEventLike & Record<string, unknown>> = [];
  private clock: number;

  constructor(start = '2026-11-21T12:00:00.000Z') {
    this.clock = Date.parse(start);
    this.add('ExecutionStarted', undefined, 0);
  }

  /** Adds an event `afterMs` after the previous one; returns its id. */
  add(type: string, previous: number | undefined, afterMs: number, details: Record<string, unknown> = {}): number {
    this.clock += afterMs;
    const id = this.events.length + 1;
    this.events.push({
      id,
      ...(previous === undefined ? {} : { previousEventId: previous }),
      timestamp: new Date(this.clock),
      type,
      ...details,
    });
    return id;
  }

  entered(
    kind: 'Task' | 'Pass' | 'Choice' | 'Parallel' | 'Wait' | 'Succeed' | 'Fail',
    name: string,
    previous: number,
    afterMs = 0,
  ): number {
    return this.add(`${kind}StateEntered`, previous, afterMs, { stateEnteredEventDetails: { name } });
  }

  exited(kind: string, name: string, previous: number, afterMs = 0): number {
    return this.add(`${kind}StateExited`, previous, afterMs, { stateExitedEventDetails: { name } });
  }

  /** A Task state that runs `ms` and succeeds; returns the exit event's id. */
  task(name: string, previous: number, ms: number): number {
    const entered = this.entered('Task', name, previous);
    const scheduled = this.add('TaskScheduled', entered, 0);
    const started = this.add('TaskStarted', scheduled, 50);
    const succeeded = this.add('TaskSucceeded', started, ms - 50);
    return this.exited('Task', name, succeeded);
  }

  /** A Task state that runs `ms` and fails (caught by the caller's next state); returns the failure's id. */
  failedTask(name: string, previous: number, ms: number, error = 'States.TaskFailed'): number {
    const entered = this.entered('Task', name, previous);
    const scheduled = this.add('TaskScheduled', entered, 0);
    const started = this.add('TaskStarted', scheduled, 50);
    return this.add('TaskFailed', started, ms - 50, { taskFailedEventDetails: { error, cause: 'build FAILED' } });
  }

  /** A Pass state (a Skip*, a failure record): entered and exited at once. */
  pass(name: string, previous: number): number {
    return this.exited('Pass', name, this.entered('Pass', name, previous));
  }

  /** Splits the events into pages of `size`, as GetExecutionHistory pages them. */
  pages(size: number): Array<{ events: unknown[]; nextToken?: string }> {
    const out: Array<{ events: unknown[]; nextToken?: string }> = [];
    for (let i = 0; i < this.events.length; i += size) {
      out.push({
        events: this.events.slice(i, i + size),
        ...(i + size < this.events.length ? { nextToken: `page-${out.length + 1}` } : {}),
      });
    }
    return out;
  }
}

/**
 * A run that deploys (LoadRunSettings, NotifyStarted, Verify with three branches, TerraformApply,
 * HelmDeploy) and fails in HelmDeploy (or, with `deploys`, succeeds and reaches NotifySucceeded).
 */
export function helmDeployFailedHistory(deploys = false): HistoryBuilder {
  const h = new HistoryBuilder();
  const settings = h.task('LoadRunSettings', 1, 300);
  const notified = h.task('NotifyStarted', settings, 400);
  const verify = h.entered('Parallel', 'Verify', notified);
  const parallel = h.add('ParallelStateStarted', verify, 0);
  // Three branches, interleaved as Step Functions writes them.
  const chooseTests = h.exited('Choice', 'ChooseRunTests', h.entered('Choice', 'ChooseRunTests', parallel));
  const choosePlan = h.exited('Choice', 'ChooseTerraformPlan', h.entered('Choice', 'ChooseTerraformPlan', parallel));
  const chooseImage = h.exited('Choice', 'ChooseBuildImage', h.entered('Choice', 'ChooseBuildImage', parallel));
  const testsEntered = h.entered('Task', 'RunTests', h.pass('WithParentCommit', chooseTests));
  const planEntered = h.entered('Task', 'TerraformPlan', choosePlan);
  const imageEntered = h.entered('Task', 'BuildImage', chooseImage);
  const testsStarted = h.add('TaskStarted', h.add('TaskScheduled', testsEntered, 0), 40);
  const planStarted = h.add('TaskStarted', h.add('TaskScheduled', planEntered, 0), 40);
  const imageStarted = h.add('TaskStarted', h.add('TaskScheduled', imageEntered, 0), 40);
  const planDone = h.exited('Task', 'TerraformPlan', h.add('TaskSucceeded', planStarted, 58_000));
  h.task('PlanGuard', planDone, 1_200);
  const testsDone = h.exited('Task', 'RunTests', h.add('TaskSucceeded', testsStarted, 62_000));
  const chooseLines = h.exited('Choice', 'ChooseChangedLines', h.entered('Choice', 'ChooseChangedLines', testsDone));
  h.task('CoverageGate', h.pass('WithChangedLines', chooseLines), 2_100);
  h.exited('Task', 'BuildImage', h.add('TaskSucceeded', imageStarted, 95_000));
  const verified = h.exited('Parallel', 'Verify', h.add('ParallelStateSucceeded', parallel, 10));
  const apply = h.task(
    'TerraformApply',
    h.exited('Choice', 'ChooseTerraformApply', h.entered('Choice', 'ChooseTerraformApply', verified)),
    74_000,
  );
  const chooseDeploy = h.exited('Choice', 'ChooseHelmDeploy', h.entered('Choice', 'ChooseHelmDeploy', apply));
  if (deploys) {
    h.entered('Task', 'NotifySucceeded', h.task('HelmDeploy', chooseDeploy, 125_000));
  } else {
    h.entered('Task', 'NotifyFailed', h.pass('HelmDeployFailed', h.failedTask('HelmDeploy', chooseDeploy, 125_000)));
  }
  return h;
}
