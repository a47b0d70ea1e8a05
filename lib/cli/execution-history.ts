import { type HistoryEvent, paginateGetExecutionHistory, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * `GetExecutionHistory` returns at most 1000 events a page ("The default is 100 and the maximum
 * allowed page size is 1000", Step Functions API Reference, GetExecutionHistory, maxResults).
 */
export const HISTORY_PAGE_SIZE = 1000;

/**
 * Every event of an execution, oldest first: all pages of `GetExecutionHistory`, followed through
 * `nextToken` until there is none (a page may hold fewer events than asked for, so the number of
 * events never says whether a page was the last).
 */
export async function readExecutionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory(
    { client: sfn, pageSize: HISTORY_PAGE_SIZE },
    { executionArn, includeExecutionData: true },
  )) {
    events.push(...(page.events ?? []));
  }
  return events;
}
