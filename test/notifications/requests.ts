import type { NotifyRequest } from '../../lambdas/notify/notify-request';
import { parseNotifyRequest } from '../../lambdas/notify/notify-request';
import type { ScanGateSummary } from '../../lib/contracts/scan-policy';
import { pushInput, runScenario } from '../workflow/harness';

/** The Notify payloads the real ASL sends (run in aws-local-stepfunctions), by state. */
export interface WorkflowPayloads {
  readonly started: NotifyRequest;
  readonly succeeded: NotifyRequest;
  readonly failed: NotifyRequest;
}

/** Where the harness starts every execution (its context object). */
export const EXECUTION_START = '2026-11-21T12:00:00.000Z';
/** The moment the events are built at in these tests: 6 min 12 s after the start. */
export const EVENT_TIME = new Date('2026-11-21T12:06:12.000Z');

/**
 * Runs the real definition twice (a deploy, a HelmDeploy failure) and keeps the payload each Notify
 * state handed the notify function: the inputs of the event builder as the workflow produces them.
 */
export async function workflowPayloads(): Promise<WorkflowPayloads> {
  const input = pushInput({
    source: {
      ...pushInput().source,
      author: 'ana',
      message: 'Add the items endpoint\n\nIt lists items by page.',
    },
  });
  const ok = await runScenario({ input });
  const failed = await runScenario({ input, stages: { HelmDeploy: 'fail' } });
  // aws-local-stepfunctions stamps $$.Execution.StartTime with the real clock; pinned so durations are stable.
  const payload = (run: typeof ok, state: string): NotifyRequest => {
    const request = parseNotifyRequest((run.calls[state]?.[0] as { Payload: unknown } | undefined)?.Payload);
    return { ...request, execution: { ...request.execution, startTime: EXECUTION_START } };
  };
  return {
    started: payload(ok, 'NotifyStarted'),
    succeeded: payload(ok, 'NotifySucceeded'),
    failed: payload(failed, 'NotifyFailed'),
  };
}

/** A passed scan gate's summary as `WaitForScan` will put it at `$.scan.summary` (lib/contracts/scan-policy.ts). */
export const SCAN_SUMMARY: ScanGateSummary = {
  passed: true,
  source: 'event',
  scanType: 'basic',
  repository: 'sample-service',
  digest: `sha256:${'ab'.repeat(32)}`,
  status: 'COMPLETE',
  counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 2, LOW: 5, INFORMATIONAL: 1, UNDEFINED: 0 },
  excepted: [],
  expiredExceptions: [],
  warnings: [],
  consoleUrl: `https://us-east-1.console.aws.amazon.com/ecr/repositories/private/123456789012/sample-service/_/image/sha256:${'ab'.repeat(32)}/scan-results?region=us-east-1`,
  evaluatedAt: '2026-11-21T12:04:00.000Z',
};

/** A failure record in the state, as the rollback and lock work will record theirs. */
function withFailure(request: NotifyRequest, failure: { stage: string; error: string; cause: string }): NotifyRequest {
  return { ...request, state: { ...request.state, error: { failure } } };
}

/**
 * One request per event type: the three the workflow sends today, and the others derived from them
 * the way their states will send them (same state, the type or the failure record of that outcome).
 */
export function requestsByType(p: WorkflowPayloads): Record<string, NotifyRequest> {
  return {
    started: p.started,
    approval_required: { ...p.succeeded, type: 'approval_required' },
    succeeded: { ...p.succeeded, state: { ...p.succeeded.state, scan: { done: true, summary: SCAN_SUMMARY } } },
    failed: p.failed,
    rolled_back: withFailure(p.failed, {
      stage: 'VerifyDeployment',
      error: 'RolledBack',
      cause:
        'Alarm sample-service-prod-5xx went to ALARM during the bake; rolled back to revision 4 (helm rollback sample-service 4).',
    }),
    rollback_failed: withFailure(p.failed, {
      stage: 'Rollback',
      error: 'RollbackFailed',
      cause:
        'helm rollback sample-service 4 failed: Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
    }),
    superseded: {
      ...withFailure(p.started, {
        stage: 'AcquireLock',
        error: 'LockSuperseded',
        cause: 'a newer push replaced this waiting run',
      }),
      type: 'failed',
      supersededBy: {
        commit: 'fedcba9876543210fedcba9876543210fedcba98',
        executionName: 'sample-service-dev-fedcba9-0a1b2c3d4e5f',
      },
    },
    lock_released_by_watchdog: { ...p.started, type: 'lock_released_by_watchdog', executionStatus: 'ABORTED' },
  };
}
