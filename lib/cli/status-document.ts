import type { DescribeExecutionOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { executionConsoleUrl } from '../contracts/pipeline-event';
import { type RunInfo, runInfoOf } from './run-input';
import { buildTimeline, type Failure, type StageStatus } from './run-timeline';
import { type StageSummaries, stageSummaries } from './stage-summaries';
import { readableCause } from './task-cause';
import { isoOrNull, secondsBetween } from './time-format';

/** One stage as `deployctl status --json` prints it. */
export interface StageJson {
  readonly name: string;
  readonly status: StageStatus;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  /** Seconds from start to stop, or to now while running; null when skipped. */
  readonly durationSeconds: number | null;
  readonly attempts: number;
  readonly error: string | null;
  /** The cause in words (a Lambda error's message, a build's status and failed phase). */
  readonly cause: string | null;
  /** Why the stage was skipped. */
  readonly note: string | null;
}

/**
 * `deployctl status --json` (and the last line of `watch --json`): this shape, these keys, in this
 * order. Times are ISO 8601 in UTC whatever `--utc` says; durations are seconds. Fields are added,
 * never renamed or removed (docs/deployctl.md).
 */
export interface StatusDocument {
  readonly execution: {
    readonly name: string;
    readonly arn: string;
    readonly stateMachineArn: string | null;
    /** Step Functions' status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE. */
    readonly status: string;
    readonly startedAt: string | null;
    readonly stoppedAt: string | null;
    readonly durationSeconds: number | null;
    readonly error: string | null;
    readonly cause: string | null;
    readonly redriveCount: number;
    /** REDRIVABLE, NOT_REDRIVABLE or REDRIVABLE_BY_MAP_RUN when Step Functions says; null otherwise. */
    readonly redriveStatus: string | null;
    readonly consoleUrl: string | null;
  };
  /** From the execution input; null when it is not a pipeline execution input. */
  readonly run: RunInfo | null;
  /** The failure record (stage, error name, cause) of a run that did not succeed. */
  readonly failure: Failure | null;
  readonly stages: readonly StageJson[];
  readonly summaries: StageSummaries;
}

/**
 * The status document of one execution from `DescribeExecution` and its whole history. `now`
 * measures stages and runs still going.
 */
export function statusDocument(
  describe: DescribeExecutionOutput,
  history: readonly HistoryEvent[],
  now: Date,
): StatusDocument {
  const timeline = buildTimeline(history);
  const arn = describe.executionArn ?? '';
  const startedAt = describe.startDate ?? null;
  const stoppedAt = describe.stopDate ?? null;
  const failure =
    timeline.failure === null ? null : { ...timeline.failure, cause: readableCause(timeline.failure.cause) };
  return {
    execution: {
      name: describe.name ?? arn.split(':').at(-1) ?? '',
      arn,
      stateMachineArn: describe.stateMachineArn ?? null,
      status: describe.status ?? timeline.status,
      startedAt: isoOrNull(startedAt),
      stoppedAt: isoOrNull(stoppedAt),
      durationSeconds: secondsBetween(startedAt, stoppedAt, now),
      error: describe.error ?? null,
      cause: readableCause(describe.cause ?? null),
      redriveCount: describe.redriveCount ?? timeline.redriveCount,
      redriveStatus: describe.redriveStatus ?? null,
      consoleUrl: executionConsoleUrl(arn),
    },
    run: runInfoOf(describe.input),
    failure,
    stages: timeline.stages.map((s) => ({
      name: s.name,
      status: s.status,
      startedAt: isoOrNull(s.startedAt),
      stoppedAt: isoOrNull(s.stoppedAt),
      durationSeconds: s.status === 'skipped' ? null : secondsBetween(s.startedAt, s.stoppedAt, now),
      attempts: s.attempts,
      error: s.error,
      cause: readableCause(s.cause),
      note: s.note,
    })),
    summaries: stageSummaries(timeline.stages),
  };
}
