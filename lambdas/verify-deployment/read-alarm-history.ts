import { type CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';

/** One time a watched alarm entered ALARM. */
export interface AlarmEntry {
  readonly name: string;
  /** ISO 8601. */
  readonly at: string;
  /** CloudWatch's reason for the new state, or its summary (`Alarm updated from OK to ALARM`). */
  readonly reason: string;
}

/**
 * Most history items one DescribeAlarmHistory page returns: `MaxRecords`, "Valid Range: Minimum
 * value of 1. Maximum value of 100"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html).
 */
const MAX_RECORDS = 100;

/**
 * The state a `StateUpdate` history item moved to. `HistoryData` is JSON
 * `{ "version": "1.0", "oldState": { "stateValue", "stateReason" }, "newState": { "stateValue", "stateReason", ... } }`
 * (the documented `aws cloudwatch describe-alarm-history` example); when it cannot be read, the
 * `HistorySummary` `Alarm updated from <old> to <new>` is.
 */
function newStateOf(item: { HistoryData?: string; HistorySummary?: string }): { state?: string; reason?: string } {
  if (item.HistoryData !== undefined) {
    try {
      const data = JSON.parse(item.HistoryData) as { newState?: { stateValue?: unknown; stateReason?: unknown } };
      const state = data?.newState?.stateValue;
      const reason = data?.newState?.stateReason;
      if (typeof state === 'string') {
        return { state, ...(typeof reason === 'string' ? { reason } : {}) };
      }
    } catch {
      // fall through to the summary
    }
  }
  const summary = /\bto (OK|ALARM|INSUFFICIENT_DATA)\b/.exec(item.HistorySummary ?? '');
  return summary?.[1] === undefined ? {} : { state: summary[1] };
}

/**
 * Every time one of `names` entered ALARM between `since` and `until`: DescribeAlarmHistory with
 * `HistoryItemType: StateUpdate`, `StartDate`/`EndDate`, both alarm types ("If you omit this
 * parameter, only metric alarms are returned"), one alarm name per request (the API takes one
 * `AlarmName`), following `NextToken` to the last page.
 *
 * @param names at most 100 (the configuration enforces it); one request per name and page.
 * @returns the entries in the order CloudWatch gave them, per alarm in `names` order.
 */
export async function readAlarmEntries(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  names: readonly string[],
  since: Date,
  until: Date,
  abortSignal?: AbortSignal,
): Promise<AlarmEntry[]> {
  const entries: AlarmEntry[] = [];
  for (const name of names) {
    let nextToken: string | undefined;
    do {
      const page = await cloudwatch.send(
        new DescribeAlarmHistoryCommand({
          AlarmName: name,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          HistoryItemType: 'StateUpdate',
          StartDate: since,
          EndDate: until,
          MaxRecords: MAX_RECORDS,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
        { abortSignal },
      );
      for (const item of page.AlarmHistoryItems ?? []) {
        if (item.HistoryItemType !== undefined && item.HistoryItemType !== 'StateUpdate') continue;
        const { state, reason } = newStateOf(item);
        if (state !== 'ALARM') continue;
        entries.push({
          name: item.AlarmName ?? name,
          at: item.Timestamp === undefined ? since.toISOString() : new Date(item.Timestamp).toISOString(),
          reason: reason ?? item.HistorySummary ?? '',
        });
      }
      nextToken = page.NextToken === '' ? undefined : page.NextToken;
    } while (nextToken !== undefined);
  }
  return entries;
}
