import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { readExecutionHistory as readAllEvents } from '../shared/execution-history';
import type { HistoryEventLike } from './stage-timeline';

/**
 * Every event of an execution's history, page after page, as the timeline reads them. Event data
 * (inputs, outputs) is not requested: the timeline needs names and times only, and nothing of a run's
 * data should reach a log.
 *
 * @param abortSignal stops the paging (the caller's time budget)
 * @throws the SDK's error when a page cannot be read (the caller decides whether to go on without it)
 */
export async function readExecutionHistory(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  abortSignal?: AbortSignal,
): Promise<HistoryEventLike[]> {
  const events = await readAllEvents(sfn, executionArn, abortSignal === undefined ? {} : { abortSignal });
  return events.map(toLike).filter((like): like is HistoryEventLike => like !== undefined);
}

function toLike(event: HistoryEvent): HistoryEventLike | undefined {
  if (event.id === undefined || event.type === undefined || event.timestamp === undefined) return undefined;
  return {
    id: event.id,
    ...(event.previousEventId === undefined ? {} : { previousEventId: event.previousEventId }),
    timestamp: event.timestamp,
    type: event.type,
    ...(event.stateEnteredEventDetails
      ? { stateEnteredEventDetails: { name: event.stateEnteredEventDetails.name } }
      : {}),
    ...(event.stateExitedEventDetails ? { stateExitedEventDetails: { name: event.stateExitedEventDetails.name } } : {}),
  };
}
