import {
  EVALUATED_STATUSES,
  type ScanGateFailure,
  type ScanGateImage,
  type ScanGateSource,
  type ScanGateSummary,
  type ScanPolicy,
  type ScanVerdict,
} from '../../../lib/contracts/scan-policy';
import type { ScanRead } from './fetch-scan';
import { failureOf, summaryOf } from './gate-report';
import { judgeScan } from './judge-scan';

/** What to do with a waiting deploy: keep waiting, let it through, or stop it. */
export type GateDecision =
  | { readonly kind: 'wait'; readonly status: string; readonly reason: string }
  | { readonly kind: 'pass'; readonly verdict: ScanVerdict; readonly summary: ScanGateSummary }
  | {
      readonly kind: 'fail';
      readonly verdict: ScanVerdict;
      readonly error: ScanGateFailure['error'];
      /** JSON `ScanGateFailure`, sized for `SendTaskFailure`. */
      readonly cause: string;
      readonly report: ScanGateFailure;
    };

export interface DecisionContext {
  readonly source: ScanGateSource;
  readonly now: Date;
  /** Region of the registry, for the console link. */
  readonly region?: string;
  /**
   * True when an `Inspector2 Scan` event for this image triggered the read. On the enhanced path
   * AWS can report `COMPLETE` before Inspector's findings exist (aws/aws-sdk#289: `COMPLETE` with
   * `findings: []` and no `enhancedFindings`), so the status alone does not make the scan final.
   */
  readonly inspectorScanEvent: boolean;
}

/**
 * Turns a read scan into a decision for one waiting deploy (its policy and scan type).
 *
 * - No scan yet, an unreadable response, `IN_PROGRESS`/`PENDING`: wait (never pass).
 * - Enhanced and `COMPLETE`/`ACTIVE`: judged only with evidence that Inspector has finished: the
 *   `Inspector2 Scan` event, `imageScanCompletedAt` or at least one enhanced finding. Otherwise wait.
 * - Otherwise the policy's verdict: pass, or fail with `ScanFindingsAboveThreshold` / `ScanNotUsable`.
 */
export function decideGate(
  read: ScanRead,
  request: { readonly image: ScanGateImage; readonly policy: ScanPolicy },
  ctx: DecisionContext,
): GateDecision {
  if (read.kind !== 'found') return { kind: 'wait', status: read.status, reason: read.reason };
  const { scan } = read;
  const evaluated = EVALUATED_STATUSES.includes(scan.status);
  if (
    evaluated &&
    request.image.scanType === 'enhanced' &&
    !ctx.inspectorScanEvent &&
    !scan.completedAtGiven &&
    scan.enhancedListed === 0
  ) {
    return {
      kind: 'wait',
      status: scan.status,
      reason: `enhanced scan reports ${scan.status} but Amazon Inspector has not delivered its findings yet (no imageScanCompletedAt, no enhancedFindings): waiting for the Inspector2 Scan event`,
    };
  }
  const verdict = judgeScan(scan, request.policy, ctx.now);
  if (verdict.outcome === 'pending') {
    return { kind: 'wait', status: scan.status, reason: `scan is ${scan.status}` };
  }
  const reportCtx = {
    ...request.image,
    source: ctx.source,
    now: ctx.now,
    ...(scan.registryId === undefined ? {} : { registryId: scan.registryId }),
    ...(ctx.region === undefined ? {} : { region: ctx.region }),
  };
  if (verdict.passed) return { kind: 'pass', verdict, summary: summaryOf(verdict, reportCtx) };
  return { kind: 'fail', verdict, ...failureOf(verdict, reportCtx) };
}
