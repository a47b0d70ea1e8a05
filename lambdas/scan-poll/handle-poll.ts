import type { Logger } from '@aws-lambda-powertools/logger';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ScanGateResult } from '../../lib/contracts/scan-policy';
import { decideGate } from '../shared/scan/decide-gate';
import { ScanFindingsAboveThreshold, ScanNotUsable } from '../shared/scan/errors';
import { fetchScan } from '../shared/scan/fetch-scan';
import { parseGateInput, pollInputSchema } from '../shared/scan/gate-input';

export interface PollDeps {
  readonly ecr: ECRClient;
  /** Region of the registry (the function's own), for the console link. */
  readonly region?: string;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info'>;
}

/** First wait between polls, in seconds; it doubles each poll up to `MAX_WAIT_SECONDS`. */
export const FIRST_WAIT_SECONDS = 30;
export const MAX_WAIT_SECONDS = 300;

/** Seconds to wait after poll number `attempt` (1-based): 30, 60, 120, 240, then 300. */
export function backoffSeconds(attempt: number): number {
  return Math.min(FIRST_WAIT_SECONDS * 2 ** Math.max(0, attempt - 1), MAX_WAIT_SECONDS);
}

/**
 * Polling fallback, the `PollScan` task (`arn:aws:states:::lambda:invoke`), for when the scan event
 * was lost (the `WaitForScan` wait timed out). One read of the scan per invocation (every page of
 * `DescribeImageScanFindings`); the workflow's Wait + Choice loop does the waiting, never this Lambda.
 *
 * Input: `{ repository, digest, policy, scanType, attempt?, maxAttempts? }`; `attempt` = polls made so
 * far (0 or absent at first), `maxAttempts` default 12.
 *
 * Output (`ScanGateResult`):
 * - `{ done: true, summary }` when the scan passed (the same shape as `WaitForScan`'s output);
 * - `{ done: false, status, reason, attempt, maxAttempts, nextWaitSeconds, exhausted }` while the scan
 *   is not final: feed `attempt` back, wait `nextWaitSeconds` (30, 60, 120, 240, then 300 s), and
 *   stop with `reason` when `exhausted`. Enhanced scans count as final only with evidence Inspector has
 *   finished (`imageScanCompletedAt` or enhanced findings); see `decideGate`.
 *
 * @throws ScanFindingsAboveThreshold | ScanNotUsable when the scan is judged and blocked; the error
 * message is the JSON `ScanGateFailure` (the task's cause).
 * @throws InvalidScanGateInput on bad input; ECR errors other than "no scan"/"no image".
 */
export async function handlePoll(input: unknown, deps: PollDeps): Promise<ScanGateResult> {
  const { repository, digest, policy, scanType, attempt, maxAttempts } = parseGateInput(
    pollInputSchema,
    input,
    'PollScan',
  );
  const now = deps.now();
  const read = await fetchScan(deps.ecr, {
    repository: repository.repository,
    digest,
    ...(repository.registryId === undefined ? {} : { registryId: repository.registryId }),
  });
  const decision = decideGate(
    read,
    { image: { scanType, repository: repository.repository, digest }, policy },
    { source: 'poll', now, inspectorScanEvent: false, ...(deps.region ? { region: deps.region } : {}) },
  );
  const log = { repository: repository.repository, digest, scanType, attempt: attempt + 1, decision: decision.kind };
  if (decision.kind === 'fail') {
    deps.logger.info('scan poll: blocked', { ...log, error: decision.error, message: decision.report.message });
    throw decision.error === 'ScanNotUsable'
      ? new ScanNotUsable(decision.cause)
      : new ScanFindingsAboveThreshold(decision.cause);
  }
  if (decision.kind === 'pass') {
    deps.logger.info('scan poll: passed', { ...log, counts: decision.summary.counts });
    return { done: true, summary: decision.summary };
  }
  const made = attempt + 1;
  const exhausted = made >= maxAttempts;
  deps.logger.info('scan poll: not final', { ...log, status: decision.status, reason: decision.reason, exhausted });
  return {
    done: false,
    status: decision.status,
    reason: exhausted
      ? `image scan not final after ${made} polls (status ${decision.status}): ${decision.reason}`
      : decision.reason,
    attempt: made,
    maxAttempts,
    nextWaitSeconds: backoffSeconds(made),
    exhausted,
  };
}
