import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';

/** One watched alarm as CloudWatch reports it. */
export interface AlarmState {
  readonly name: string;
  /** `OK`, `ALARM` or `INSUFFICIENT_DATA`. */
  readonly state: string;
  /** CloudWatch's explanation of the state, e.g. `Threshold Crossed: 1 datapoint [12.0] was greater than ...`. */
  readonly reason: string;
}

export interface AlarmReading {
  readonly alarms: readonly AlarmState[];
  /** Names asked for that CloudWatch does not know (deleted, misspelled, another Region or account). */
  readonly missing: readonly string[];
}

/**
 * Reads the state of named alarms, metric and composite, following `NextToken` until CloudWatch has
 * returned every page. `AlarmTypes` names both kinds: "If you omit this parameter, only metric alarms
 * are returned, even if composite alarms exist in the account"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html).
 * Composite alarms also need `cloudwatch:DescribeAlarms` on `*` (same page).
 *
 * @param names at most 100 names (DescribeAlarms' `AlarmNames` limit; the configuration enforces it).
 */
export async function readAlarmStates(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  names: readonly string[],
  abortSignal?: AbortSignal,
): Promise<AlarmReading> {
  if (names.length === 0) return { alarms: [], missing: [] };
  const found = new Map<string, AlarmState>();
  let nextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: [...names],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
      { abortSignal },
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      if (alarm.AlarmName === undefined) continue;
      found.set(alarm.AlarmName, {
        name: alarm.AlarmName,
        state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
        reason: alarm.StateReason ?? '',
      });
    }
    nextToken = page.NextToken === '' ? undefined : page.NextToken;
  } while (nextToken !== undefined);
  return {
    alarms: names.flatMap((name) => found.get(name) ?? []),
    missing: names.filter((name) => !found.has(name)),
  };
}
