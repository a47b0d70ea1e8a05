import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { ERROR_STAGE, type ErrorName } from '../contracts/error-names';

/** A stage's state in the timeline. */
export type StageStatus = 'running' | 'succeeded' | 'failed' | 'timed-out' | 'aborted' | 'skipped';

/** One stage of a run: a Task state of the workflow, or a stage its `Skip<Stage>` state skipped. */
export interface Stage {
  /** The user-facing state name (`RunTests`, `CoverageGate`, `HelmDeploy`, ...). */
  readonly name: string;
  status: StageStatus;
  startedAt: Date | null;
  stoppedAt: Date | null;
  /** Times the task was scheduled (1 + retries). 0 for a skipped stage. */
  attempts: number;
  /** Error of the last failed attempt when the stage did not succeed (e.g. `States.TaskFailed`). */
  error: string | null;
  /** Its raw cause (JSON for Lambda and CodeBuild failures). */
  cause: string | null;
  /** Why a stage was skipped. */
  note: string | null;
  /** The task's result as Step Functions recorded it (`TaskSucceeded` output), parsed; for summaries. */
  output: unknown;
  /** Event id of the first entry, for ordering. */
  readonly firstEventId: number;
}

/** What the workflow recorded at `$.error.failure` (`FailureRecord` in lib/contracts/error-names.ts). */
export interface Failure {
  readonly stage: string | null;
  readonly error: string | null;
  readonly cause: string | null;
}

/** Status of an execution as Step Functions names it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface Timeline {
  readonly stages: Stage[];
  /** The failure record of a run that did not succeed (null while running cleanly or after success). */
  readonly failure: Failure | null;
  /** Execution status according to the history's last execution event. */
  readonly status: ExecutionStatus;
  /** When the last execution event (succeeded, failed, timed out, aborted) happened. */
  readonly endedAt: Date | null;
  readonly redriveCount: number;
  readonly eventCount: number;
}

/**
 * Stages a `Skip<Stage>` Pass state skips, and why. `SkipRunTests` also skips the coverage gate
 * (it runs on the tests' report) and `SkipTerraformPlan` the plan guard: see the Verify branches in
 * state-machines/deploy-pipeline.asl.json.
 */
const SKIPS: Readonly<Record<string, { readonly stages: readonly string[]; readonly note: string }>> = {
  SkipRunTests: { stages: ['RunTests', 'CoverageGate'], note: 'no application change' },
  SkipTerraformPlan: { stages: ['TerraformPlan', 'PlanGuard'], note: 'no infrastructure change' },
  SkipPlanGuard: { stages: ['PlanGuard'], note: 'the plan changes nothing' },
  SkipBuildImage: { stages: ['BuildImage'], note: 'no application change' },
  SkipTerraformApply: { stages: ['TerraformApply'], note: 'the plan changes nothing' },
  SkipHelmDeploy: { stages: ['HelmDeploy'], note: 'no application change' },
};

const EXECUTION_END: Readonly<Record<string, ExecutionStatus>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** Task events that end an attempt without success, with the stage status each gives. */
const TASK_FAILURES: Readonly<Record<string, { status: StageStatus; details: keyof HistoryEvent }>> = {
  TaskFailed: { status: 'failed', details: 'taskFailedEventDetails' },
  TaskStartFailed: { status: 'failed', details: 'taskStartFailedEventDetails' },
  TaskSubmitFailed: { status: 'failed', details: 'taskSubmitFailedEventDetails' },
  TaskTimedOut: { status: 'timed-out', details: 'taskTimedOutEventDetails' },
};

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The failure record in a state's input (`$.error.failure`), if it carries one. */
function failureIn(input: string | undefined): Failure | undefined {
  if (input === undefined || !input.includes('"failure"')) return undefined;
  const value = parseJson(input) as { error?: { failure?: Record<string, unknown> } } | undefined;
  const record = value?.error?.failure;
  if (record === undefined || typeof record.error !== 'string') return undefined;
  return {
    stage: typeof record.stage === 'string' ? record.stage : null,
    error: record.error,
    cause: typeof record.cause === 'string' ? record.cause : null,
  };
}

const num = (value: number | undefined) => value ?? 0;

/**
 * Turns an execution's history (every page, any order) into its stage timeline: one entry per
 * Task state in order of first entry, with status, start, stop, attempts, error and cause; stages
 * skipped by `Skip<Stage>` states; the failure record the workflow wrote at `$.error.failure`.
 *
 * Each event belongs to the state whose `*StateEntered` event its `previousEventId` chain reaches
 * first, which is how events of parallel branches, interleaved in the history, are told apart.
 * A state entered more than once (a redrive, a polling loop) stays one stage: first start, last
 * outcome. A stage still open when the execution ended takes the execution's ending (timed out,
 * aborted; a branch cancelled by a failed sibling reads `aborted`).
 */
export function buildTimeline(history: readonly HistoryEvent[]): Timeline {
  const events = [...history].sort((a, b) => num(a.id) - num(b.id));
  const byId = new Map(events.map((e) => [num(e.id), e]));
  const owner = new Map<number, number>();
  const ownerOf = (event: HistoryEvent): number | undefined => {
    const chain: number[] = [];
    let current: HistoryEvent | undefined = event;
    let found: number | undefined;
    while (current !== undefined) {
      const id = num(current.id);
      const known = owner.get(id);
      if (known !== undefined) {
        found = known;
        break;
      }
      if (current.type?.endsWith('StateEntered')) {
        found = id;
        break;
      }
      chain.push(id);
      const previous = num(current.previousEventId);
      current = previous === 0 || previous >= id ? undefined : byId.get(previous);
    }
    if (found !== undefined) for (const id of chain) owner.set(id, found);
    return found;
  };

  const stages = new Map<string, Stage>();
  const stageOfEntry = new Map<number, Stage>();
  let status: ExecutionStatus = 'RUNNING';
  let endedAt: Date | null = null;
  let endError: Failure | null = null;
  let lastFailure: Failure | undefined;
  let redriveCount = 0;

  for (const event of events) {
    const type = event.type ?? '';
    const at = event.timestamp ?? null;
    if (type.endsWith('StateEntered')) {
      const name = event.stateEnteredEventDetails?.name ?? '';
      lastFailure = failureIn(event.stateEnteredEventDetails?.input) ?? lastFailure;
      if (type === 'TaskStateEntered') {
        let stage = stages.get(name);
        if (stage === undefined) {
          stage = {
            name,
            status: 'running',
            startedAt: at,
            stoppedAt: null,
            attempts: 0,
            error: null,
            cause: null,
            note: null,
            output: undefined,
            firstEventId: num(event.id),
          };
          stages.set(name, stage);
        } else {
          // Entered again (redrive, loop): the latest entry decides the outcome.
          Object.assign(stage, { status: 'running', stoppedAt: null, note: null });
          stage.startedAt ??= at;
        }
        stageOfEntry.set(num(event.id), stage);
      } else if (type === 'PassStateEntered' && SKIPS[name] !== undefined) {
        const skip = SKIPS[name];
        for (const skipped of skip.stages) {
          if (stages.has(skipped)) continue;
          stages.set(skipped, {
            name: skipped,
            status: 'skipped',
            startedAt: null,
            stoppedAt: null,
            attempts: 0,
            error: null,
            cause: null,
            note: skip.note,
            output: undefined,
            firstEventId: num(event.id),
          });
        }
      }
      continue;
    }
    if (type in EXECUTION_END) {
      status = EXECUTION_END[type] as ExecutionStatus;
      endedAt = at;
      const details =
        event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
      endError =
        details === undefined ? null : { stage: null, error: details.error ?? null, cause: details.cause ?? null };
      continue;
    }
    if (type === 'ExecutionRedriven') {
      status = 'RUNNING';
      endedAt = null;
      endError = null;
      redriveCount = event.executionRedrivenEventDetails?.redriveCount ?? redriveCount + 1;
      continue;
    }
    const entry = ownerOf(event);
    const stage = entry === undefined ? undefined : stageOfEntry.get(entry);
    if (stage === undefined) continue;
    const failure = TASK_FAILURES[type];
    if (type === 'TaskScheduled') {
      stage.attempts += 1;
    } else if (type === 'TaskSucceeded') {
      Object.assign(stage, { status: 'succeeded', error: null, cause: null, stoppedAt: at });
      stage.output = parseJson(event.taskSucceededEventDetails?.output);
    } else if (failure !== undefined) {
      const details = event[failure.details] as { error?: string; cause?: string } | undefined;
      Object.assign(stage, {
        status: failure.status,
        error: details?.error ?? (failure.status === 'timed-out' ? 'States.Timeout' : null),
        cause: details?.cause ?? null,
        stoppedAt: at,
      });
    } else if (type === 'TaskStateAborted') {
      Object.assign(stage, { status: 'aborted', stoppedAt: at });
    } else if (type === 'TaskStateExited') {
      stage.stoppedAt = at;
      if (stage.status === 'running') stage.status = 'succeeded';
    }
  }

  // Stages left open when the execution ended share its ending.
  if (status !== 'RUNNING') {
    const ending: StageStatus = status === 'TIMED_OUT' ? 'timed-out' : 'aborted';
    for (const stage of stages.values()) {
      if (stage.status !== 'running') continue;
      stage.status = ending;
      stage.stoppedAt = endedAt;
    }
  }

  let failure: Failure | null = null;
  if (status !== 'SUCCEEDED') {
    failure = lastFailure ?? null;
    if (failure === null && status === 'TIMED_OUT') {
      // Step Functions stops a run at the definition's TimeoutSeconds; the stage it was in is the one that timed out.
      failure = {
        stage: [...stages.values()].find((s) => s.status === 'timed-out')?.name ?? null,
        error: endError?.error ?? 'States.Timeout',
        cause: endError?.cause ?? 'the run took longer than the workflow allows (TimeoutSeconds)',
      };
    } else if (failure === null && endError !== null && (endError.error !== null || endError.cause !== null)) {
      const stage =
        endError.error !== null && endError.error in ERROR_STAGE
          ? ERROR_STAGE[endError.error as ErrorName]
          : ([...stages.values()].find((s) => s.status === 'failed' || s.status === 'aborted')?.name ?? null);
      failure = { ...endError, stage };
    }
  }

  return {
    stages: [...stages.values()].sort((a, b) => a.firstEventId - b.firstEventId),
    failure,
    status,
    endedAt,
    redriveCount,
    eventCount: events.length,
  };
}
