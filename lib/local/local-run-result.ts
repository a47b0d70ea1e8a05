import { z } from 'zod';
import { pipelineEventSchema } from '../contracts/pipeline-event';

/** How one Task state of a local run went. */
export const localStateSchema = z.strictObject({
  /** The state's name in the ASL (`RunTests`, `CoverageGate`, `NotifyStarted`, ...). */
  name: z.string().min(1),
  /**
   * `SUCCEEDED`; `FAILED` (its last attempt failed, whether or not a `Catch` then handled it);
   * `ABORTED` (still running when the run stopped it, e.g. a sibling branch of a Parallel state failed);
   * `RUNNING` only in progress events, never in a finished run.
   */
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
  /** The error name of a `FAILED` state (what `Catch` matched). */
  error: z.string().optional(),
  /** Milliseconds from the run's start to the state's first attempt. */
  startedMs: z.number().int().nonnegative(),
  /** Milliseconds from the first attempt's start to the last attempt's end. */
  durationMs: z.number().int().nonnegative(),
  /** Attempts made (1 + retries). */
  attempts: z.number().int().positive(),
  /** `real`: the stage's own tool or logic ran here; `simulated`: a stand-in did. */
  mode: z.enum(['real', 'simulated']),
  /** Why the stage ran that way (the tool and where it ran, or what was missing). */
  reason: z.string(),
});

/** An event a `Notify*` state built for the pipeline topic (captured, not published). */
export const localNotificationSchema = z.strictObject({
  /** The Task state that built it (`NotifyStarted`, `NotifySucceeded`, `NotifyFailed`). */
  state: z.string().min(1),
  /** The pipeline event, as the notify function builds it (lib/contracts/pipeline-event.ts). */
  event: pipelineEventSchema,
});

/**
 * What `deployctl local --json` prints and `runLocalPipeline` returns: the run's end, each Task
 * state entered, the state transitions Step Functions would bill and the notifications built.
 */
export const localRunResultSchema = z.strictObject({
  status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
  /** The execution's error (the final `Fail` state's error name and cause), or null when it succeeded. */
  error: z.strictObject({ error: z.string(), cause: z.string() }).nullable(),
  execution: z.strictObject({
    name: z.string().min(1),
    service: z.string().min(1),
    environment: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    scenario: z.string().nullable(),
  }),
  /** Task states in the order they were first entered (parallel branches interleaved by start time). */
  states: z.array(localStateSchema),
  /**
   * States entered plus retries: what Step Functions Standard bills ("a state transition each time a
   * step of your workflow is executed ... including retries", https://aws.amazon.com/step-functions/pricing/).
   */
  transitions: z.number().int().nonnegative(),
  notifications: z.array(localNotificationSchema),
});

export type LocalState = z.infer<typeof localStateSchema>;
export type LocalNotification = z.infer<typeof localNotificationSchema>;
export type LocalRunResult = z.infer<typeof localRunResultSchema>;
