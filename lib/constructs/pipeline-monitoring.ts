import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import type { BuildStage } from './build-stage';

export interface PipelineMonitoringProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly topic: sns.ITopic;
  /** Stages by user-facing name, for per-stage duration. */
  readonly stages: Readonly<Record<string, BuildStage>>;
  /**
   * Functions whose errors should alarm. Each alarm is keyed by its function's construct path, so
   * adding or removing a function leaves the other alarms as they are.
   */
  readonly functions: readonly lambda.IFunction[];
}

/** The pipeline's own health: a dashboard of runs and stage durations, and alarms to the topic. */
export class PipelineMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const sm = props.stateMachine;
    const period = Duration.minutes(5);

    this.addAlarm(
      'FailedExecutions',
      sm.metricFailed({ period, statistic: 'Sum' }),
      'A deploy pipeline run failed',
      props.topic,
    );
    this.addAlarm(
      'TimedOutExecutions',
      sm.metricTimedOut({ period, statistic: 'Sum' }),
      'A deploy pipeline run timed out',
      props.topic,
    );
    this.addAlarm(
      'AbortedExecutions',
      sm.metricAborted({ period, statistic: 'Sum' }),
      'A deploy pipeline run was aborted',
      props.topic,
    );
    for (const fn of props.functions) {
      this.addAlarm(
        `${stableKey(fn)}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        'A pipeline Lambda function failed',
        props.topic,
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Runs',
            width: 12,
            left: [
              sm.metricStarted({ period: Duration.hours(1), statistic: 'Sum', label: 'started' }),
              sm.metricSucceeded({ period: Duration.hours(1), statistic: 'Sum', label: 'succeeded' }),
              sm.metricFailed({ period: Duration.hours(1), statistic: 'Sum', label: 'failed' }),
              sm.metricTimedOut({ period: Duration.hours(1), statistic: 'Sum', label: 'timed out' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Run duration (lead time, p50 / p90)',
            width: 12,
            left: [
              sm.metricTime({ period: Duration.hours(1), statistic: 'p50', label: 'p50' }),
              sm.metricTime({ period: Duration.hours(1), statistic: 'p90', label: 'p90' }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Stage duration (p90, seconds)',
            width: 24,
            left: Object.entries(props.stages).map(([name, stage]) =>
              stage.project.metricDuration({ period: Duration.hours(1), statistic: 'p90', label: name }),
            ),
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: this.alarms })],
      ],
    });
  }

  private addAlarm(id: string, metric: cloudwatch.IMetric, description: string, topic: sns.ITopic): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    this.alarms.push(alarm);
  }
}

/**
 * A construct's path below its stack with the separators dropped (`CoverageGate/Handler` ->
 * `CoverageGateHandler`): stable while the construct keeps its place, whatever else is added.
 */
export function stableKey(construct: IConstruct): string {
  const scopes = construct.node.scopes;
  return scopes
    .slice(scopes.indexOf(Stack.of(construct)) + 1)
    .map((scope) => scope.node.id)
    .join('');
}
