import * as z from 'zod';
import { PIPELINE_EVENT_TYPES } from '../../lib/contracts/pipeline-event';

/**
 * What a `Notify*` state hands the function (`lambda:invoke` Payload): the moment (`type`), the whole
 * workflow state (`$`) and the execution's context object fields. The state is read leniently: a run
 * whose input is broken still gets its notification, with `unknown` where a field is missing.
 *
 * @example { "type": "failed", "state.$": "$", "execution": { "id.$": "$$.Execution.Id",
 *   "name.$": "$$.Execution.Name", "startTime.$": "$$.Execution.StartTime" } }
 */
export const notifyRequestSchema = z.object({
  type: z.enum(PIPELINE_EVENT_TYPES),
  state: z.record(z.string(), z.unknown()),
  execution: z.object({
    /** The execution ARN (`$$.Execution.Id`). */
    id: z.string().min(1),
    name: z.string().min(1),
    /** ISO 8601 (`$$.Execution.StartTime`). */
    startTime: z.string().min(1),
  }),
  /** For `superseded`: the newer run (the lock's record). */
  supersededBy: z.object({ commit: z.string(), executionName: z.string().nullable().optional() }).optional(),
  /** For `lock_released_by_watchdog`: how the execution ended. */
  executionStatus: z.string().optional(),
  /**
   * For the events that end a run: how many states the run still enters after this `Notify*` state
   * (priced as transitions in the event's cost). @default by type, `ENDING_STATES` in run-cost.ts
   */
  endingStates: z.number().int().min(0).max(10).optional(),
});
export type NotifyRequest = z.infer<typeof notifyRequestSchema>;

/** The payload is not a notify request; names what is wrong. */
export class InvalidNotifyRequest extends Error {
  override readonly name = 'InvalidNotifyRequest';
}

/**
 * Parses the payload of a `Notify*` state.
 * @throws {@link InvalidNotifyRequest} naming the first problems (the state definition passes a wrong payload)
 */
export function parseNotifyRequest(payload: unknown): NotifyRequest {
  const result = notifyRequestSchema.safeParse(payload);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
  throw new InvalidNotifyRequest(`not a notify request: ${problems}`);
}
