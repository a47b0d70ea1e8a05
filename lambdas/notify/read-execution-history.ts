import { type HistoryEvent, paginateGetExecutionHistory, type SFNClient } from '@aws-sdk/client-sfn';
import type { HistoryEventLike } from './stage-timeline';

/**
 * Largest page `GetExecutionHistory` returns: "The maximum number of results that are returned per
 * call ... The default is 100 and the maximum allowed page size is 1000" (Step Functions API
 * Reference, GetExecutionHistory, maxResults).
 */
export const HISTORY_PAGE_SIZE = 1000;

/**
 * Every event of an execution's history, page after page. Event data (inputs, outputs) is not
 * requested: the timeline needs names and times only, and nothing of a run's data should reach a log.
 *
 * @param abortSignal stops the paging (the caller's time budget)
 * @throws the SDK's error when a page cannot be read (the caller decides whether to go on without it)
 */
export async function readExecutionHistory(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  abortSignal?: AbortSignal,
): Promise<HistoryEventLike[]> {
  const events: HistoryEventLike[] = [];
  const pages = paginateGetExecutionHistory(
    { client: sfn as SFNClient, pageSize: HISTORY_PAGE_SIZE },
    { executionArn, includeExecutionData: false, maxResults: HISTORY_PAGE_SIZE },
  );
  for await (const page of pages) {
    if (abortSignal?.aborted) throw abortSignal.reason ?? new Error('aborted');
    for (const event of page.events ?? []) {
      const like = toLike(event);
      if (like !== undefined) events.push(like);
    }
  }
  return events;
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
