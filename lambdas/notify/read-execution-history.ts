import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { readExecutionHistory as readAllEvents } from '../shared/execution-history';
import type { HistoryEventLike } from './stage-timeline';

export interface NotifyHistoryOptions {
  /** Stops the paging (the caller's time budget). */
  readonly abortSignal?: AbortSignal;
  /**
   * Ask for each event's inputs and outputs: only the events that end a run do, to price the builds
   * from their `Build` documents. The data is read for the cost and never logged. @default false
   */
  readonly includeExecutionData?: boolean;
}

/**
 * Every event of an execution's history, page after page. Event data (inputs, outputs) is requested
 * only when `includeExecutionData` is set: the timeline needs names and times only, and nothing of a
 * run's data should reach a log.
 *
 * @throws the SDK's error when a page cannot be read (the caller decides whether to go on without it)
 */
export async function readExecutionHistory(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  options: NotifyHistoryOptions = {},
): Promise<HistoryEvent[]> {
  return readAllEvents(sfn, executionArn, {
    includeExecutionData: options.includeExecutionData ?? false,
    ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
  });
}

/** The events as the timeline reads them (names and times only); events without id, type or time are left out. */
export function timelineEvents(events: readonly HistoryEvent[]): HistoryEventLike[] {
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
