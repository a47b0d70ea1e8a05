import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import type { RunRow } from './list-runs';

/**
 * How long after it ended an execution can be redriven. Step Functions API Reference,
 * RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html):
 * "Restarts unsuccessful executions of Standard workflows that didn't complete successfully in the
 * last 14 days"; "Your workflow execution has not exceeded the redrivable period of 14 days.
 * Redrivable period refers to the time during which you can redrive a given execution. This period
 * starts from the day a state machine completes its execution."
 */
export const REDRIVE_WINDOW_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why an execution cannot (or should not) be redriven, or null when it can. In order: Step Functions'
 * own conditions from the RedriveExecution reference (not running, not succeeded, within
 * {@link REDRIVE_WINDOW_DAYS} of its end, `redriveStatus` not `NOT_REDRIVABLE` with its
 * `redriveStatusReason`), then the pipeline's: a newer run of the same service and environment has
 * started since, so redriving would deploy an older commit over it (`--force` skips only this one).
 */
export function redriveRefusal(
  execution: DescribeExecutionOutput,
  now: Date,
  newerRun: RunRow | null,
  force = false,
): string | null {
  const name = execution.name ?? execution.executionArn ?? 'the execution';
  switch (execution.status) {
    case 'RUNNING':
      return `${name} is still running: only a failed, timed-out or aborted run can be redriven`;
    case 'PENDING_REDRIVE':
      return `${name} is already being redriven`;
    case 'SUCCEEDED':
      return `${name} succeeded: there is nothing to redrive (to deploy its commit again, use "deployctl run")`;
    default:
      break;
  }
  if (execution.stopDate !== undefined) {
    const ageDays = (now.getTime() - execution.stopDate.getTime()) / DAY_MS;
    if (ageDays > REDRIVE_WINDOW_DAYS) {
      return `${name} ended ${Math.floor(ageDays)} days ago: Step Functions redrives only executions that ended in the last ${REDRIVE_WINDOW_DAYS} days (use "deployctl run" to start a new run)`;
    }
  }
  if (execution.redriveStatus === 'NOT_REDRIVABLE') {
    return `Step Functions says ${name} cannot be redriven: ${execution.redriveStatusReason ?? 'no reason given'}`;
  }
  if (!force && newerRun !== null && newerRun.name !== execution.name) {
    return `a newer run of the same service and environment started since (${newerRun.name}, ${newerRun.status}): redriving ${name} would deploy an older commit over it (pass --force to redrive anyway)`;
  }
  return null;
}
