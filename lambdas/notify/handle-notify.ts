import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { FINAL_EVENT_TYPES, type PipelineEvent, type StageTiming } from '../../lib/contracts/pipeline-event';
import { DEFAULT_PRICING, type Pricing } from '../../lib/contracts/pricing';
import { type PublishDeps, type PublishResult, publishEvent } from '../shared/notifications/publish-event';
import { buildPipelineEvent } from './build-pipeline-event';
import { parseNotifyRequest } from './notify-request';
import { readExecutionHistory, timelineEvents } from './read-execution-history';
import { endingStatesOf, runCostOf } from './run-cost';
import { timingsFromVisits, visitsFromHistory } from './stage-timeline';

export interface NotifyDeps extends PublishDeps {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly now: () => Date;
  /** Longest time spent reading the execution history; without it the event has no timeline. */
  readonly historyTimeoutMs: number;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** Prices of the run's cost (the configuration's `pricing`). @default DEFAULT_PRICING */
  readonly pricing?: Pricing;
}

/** What the `Notify*` state gets back (its `ResultPath` is null: nothing of it enters the run's state). */
export interface NotifyResult {
  readonly id: string;
  readonly type: PipelineEvent['type'];
  readonly messageId: string;
}

/**
 * Handles one `Notify*` state: parses the payload, reads the execution's history for the stage
 * timeline and, for an event that ends the run, its cost (every page, with execution data only then;
 * a history that cannot be read only costs the timeline and the cost, with a warning), builds the
 * event and publishes it once. Logs the event's id, type and size, never its text.
 *
 * @throws `InvalidNotifyRequest` for a payload that is not a notify request
 * @throws `PipelineEventNotPublished` when a publish failed (the state's Catch lets the run go on)
 */
export async function handleNotify(payload: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const request = parseNotifyRequest(payload);
  // Only an event that ends a run (or may: `failed` can become `rolled_back`, ...) carries the cost,
  // which needs the builds' documents: only then is the history read with execution data.
  const final = FINAL_EVENT_TYPES.includes(request.type);
  let stages: StageTiming[] = [];
  let cost: PipelineEvent['cost'];
  try {
    const history = await readExecutionHistory(deps.sfn, request.execution.id, {
      abortSignal: AbortSignal.timeout(deps.historyTimeoutMs),
      includeExecutionData: final,
    });
    stages = timingsFromVisits(visitsFromHistory(timelineEvents(history)));
    if (final) {
      const ending = endingStatesOf(request.type, request.endingStates);
      cost = runCostOf(history, deps.pricing ?? DEFAULT_PRICING, ending);
    }
  } catch (err) {
    deps.logger.warn('execution history not read: the event has no stage timeline', {
      execution: request.execution.name,
      reason: (err as Error).name,
    });
  }
  const event = buildPipelineEvent(request, {
    now: deps.now(),
    stages,
    ...(cost === undefined ? {} : { cost }),
  });
  const result: PublishResult = await publishEvent(event, deps);
  deps.logger.info('pipeline event published', {
    id: event.id,
    type: event.type,
    service: event.service,
    environment: event.environment,
    messageId: result.messageId,
    bytes: result.bytes,
    trimmed: result.trimmed,
    chatbot: result.chatbot,
    costUsd: event.cost?.totalUsd ?? null,
  });
  return { id: event.id, type: event.type, messageId: result.messageId };
}
