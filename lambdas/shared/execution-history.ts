import { type HistoryEvent, paginateGetExecutionHistory, type SFNClient } from '@aws-sdk/client-sfn';
import type { CostHistoryEvent } from '../../lib/contracts/pricing';

/**
 * Largest page `GetExecutionHistory` returns: "The maximum number of results that are returned per
 * call ... The default is 100 and the maximum allowed page size is 1000" (Step Functions API
 * Reference, GetExecutionHistory, maxResults).
 */
export const HISTORY_PAGE_SIZE = 1000;

export interface ReadHistoryOptions {
  /** Ask for each event's inputs and outputs (`deployctl status` reads summaries from them). @default false */
  readonly includeExecutionData?: boolean;
  /** Stops the paging between pages (the caller's time budget). */
  readonly abortSignal?: AbortSignal;
}

/**
 * Every event of an execution, oldest first: all pages of `GetExecutionHistory`, followed through
 * `nextToken` until there is none (a page may hold fewer events than asked for, so the number of
 * events never says whether a page was the last).
 *
 * @throws the SDK's error when a page cannot be read; the abort reason when `abortSignal` fires
 */
export async function readExecutionHistory(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  options: ReadHistoryOptions = {},
): Promise<HistoryEvent[]> {
  const includeExecutionData = options.includeExecutionData ?? false;
  const events: HistoryEvent[] = [];
  const pages = paginateGetExecutionHistory(
    { client: sfn as SFNClient, pageSize: HISTORY_PAGE_SIZE },
    { executionArn, includeExecutionData, maxResults: HISTORY_PAGE_SIZE },
  );
  for await (const page of pages) {
    if (options.abortSignal?.aborted) throw options.abortSignal.reason ?? new Error('aborted');
    events.push(...(page.events ?? []));
  }
  return events;
}

/**
 * The fields of history events `runCostFromHistory` reads (lib/contracts/pricing.ts); events without
 * id, type or time are left out. Used by the notify function and `deployctl status`.
 */
export function costEvents(events: readonly HistoryEvent[]): CostHistoryEvent[] {
  const out: CostHistoryEvent[] = [];
  for (const e of events) {
    if (e.id === undefined || e.type === undefined || e.timestamp === undefined) continue;
    out.push({
      id: e.id,
      ...(e.previousEventId === undefined ? {} : { previousEventId: e.previousEventId }),
      timestamp: e.timestamp,
      type: e.type,
      ...(e.stateEnteredEventDetails ? { stateEnteredEventDetails: { name: e.stateEnteredEventDetails.name } } : {}),
      ...(e.taskScheduledEventDetails ? { taskScheduledEventDetails: e.taskScheduledEventDetails } : {}),
      ...(e.taskSucceededEventDetails ? { taskSucceededEventDetails: e.taskSucceededEventDetails } : {}),
      ...(e.taskFailedEventDetails ? { taskFailedEventDetails: e.taskFailedEventDetails } : {}),
    });
  }
  return out;
}
