import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { PipelineEvent, StageTiming } from '../../lib/contracts/pipeline-event';
import { type PublishDeps, type PublishResult, publishEvent } from '../shared/notifications/publish-event';
import { buildPipelineEvent } from './build-pipeline-event';
import { parseNotifyRequest } from './notify-request';
import { readExecutionHistory } from './read-execution-history';
import { timingsFromVisits, visitsFromHistory } from './stage-timeline';

export interface NotifyDeps extends PublishDeps {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly now: () => Date;
  /** Longest time spent reading the execution history; without it the event has no timeline. */
  readonly historyTimeoutMs: number;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** What the `Notify*` state gets back (its `ResultPath` is null: nothing of it enters the run's state). */
export interface NotifyResult {
  readonly id: string;
  readonly type: PipelineEvent['type'];
  readonly messageId: string;
}

/**
 * Handles one `Notify*` state: parses the payload, reads the execution's history for the stage
 * timeline (every page; a history that cannot be read only costs the timeline, with a warning), builds
 * the event and publishes it once. Logs the event's id, type and size, never its text.
 *
 * @throws `InvalidNotifyRequest` for a payload that is not a notify request
 * @throws `PipelineEventNotPublished` when a publish failed (the state's Catch lets the run go on)
 */
export async function handleNotify(payload: unknown, deps: NotifyDeps): Promise<NotifyResult> {
  const request = parseNotifyRequest(payload);
  let stages: StageTiming[] = [];
  try {
    const history = await readExecutionHistory(
      deps.sfn,
      request.execution.id,
      AbortSignal.timeout(deps.historyTimeoutMs),
    );
    stages = timingsFromVisits(visitsFromHistory(history));
  } catch (err) {
    deps.logger.warn('execution history not read: the event has no stage timeline', {
      execution: request.execution.name,
      reason: (err as Error).name,
    });
  }
  const event = buildPipelineEvent(request, { now: deps.now(), stages });
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
  });
  return { id: event.id, type: event.type, messageId: result.messageId };
}
