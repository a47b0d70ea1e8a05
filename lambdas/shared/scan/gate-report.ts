import type {
  GatingFinding,
  ScanGateFailure,
  ScanGateImage,
  ScanGateSource,
  ScanGateSummary,
  ScanVerdict,
  TopFinding,
} from '../../../lib/contracts/scan-policy';

/** What a report needs besides the verdict. */
export interface ReportContext extends ScanGateImage {
  readonly source: ScanGateSource;
  readonly now: Date;
  /** AWS account of the registry (`registryId`), for the console link. */
  readonly registryId?: string;
  /** AWS Region of the registry, for the console link. */
  readonly region?: string;
}

/**
 * `SendTaskFailure` takes a cause of at most 32,768 characters (Step Functions API Reference,
 * SendTaskFailure: https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html);
 * the report keeps well under it so a Lambda error envelope around it fits as well.
 */
export const MAX_CAUSE_CHARS = 30_000;
/** Finding rows a failure report lists at most. */
export const TOP_FINDINGS = 20;
/** Warnings a report carries at most (each is one sentence). */
const MAX_WARNINGS = 10;

/**
 * The ECR console page of an image's scan findings. Not a documented URL format: it is the page the
 * console opens from an image's "Vulnerabilities" column (commercial partition only).
 */
export function consoleUrl(region: string, registryId: string, repository: string, digest: string): string {
  return `https://${region}.console.aws.amazon.com/ecr/repositories/private/${registryId}/${repository}/_/image/${digest}/scan-results?region=${region}`;
}

function linkOf(ctx: ReportContext): { consoleUrl?: string } {
  return ctx.region && ctx.registryId
    ? { consoleUrl: consoleUrl(ctx.region, ctx.registryId, ctx.repository, ctx.digest) }
    : {};
}

/** The summary of a passed verdict (`verdict.passed` must be true). */
export function summaryOf(verdict: ScanVerdict, ctx: ReportContext): ScanGateSummary {
  return {
    passed: true,
    source: ctx.source,
    scanType: ctx.scanType,
    repository: ctx.repository,
    digest: ctx.digest,
    status: verdict.status,
    counts: verdict.counts,
    excepted: verdict.excepted,
    expiredExceptions: verdict.expiredExceptions,
    warnings: verdict.warnings.slice(0, MAX_WARNINGS),
    ...linkOf(ctx),
    evaluatedAt: ctx.now.toISOString(),
  };
}

/** One row per finding and package, most severe first (the verdict's `blocking` order). */
export function topFindings(blocking: readonly GatingFinding[], limit: number): TopFinding[] {
  const rows: TopFinding[] = [];
  for (const finding of blocking) {
    const packages = finding.packages.length === 0 ? [undefined] : finding.packages;
    for (const pkg of packages) {
      if (rows.length >= limit) return rows;
      rows.push({
        id: finding.id,
        severity: finding.severity,
        package: pkg?.name ?? null,
        ...(pkg?.installedVersion === undefined ? {} : { installedVersion: pkg.installedVersion }),
        ...(pkg?.fixedVersion === undefined ? {} : { fixedVersion: pkg.fixedVersion }),
      });
    }
  }
  return rows;
}

function messageOf(verdict: ScanVerdict): string {
  if (verdict.outcome === 'blocked-status') {
    const detail = verdict.statusDescription ? ` (${verdict.statusDescription})` : '';
    return `image scan ended with status ${verdict.status}${detail}, which the policy does not accept (failOnStatus)`;
  }
  const over = verdict.failedSeverities
    .map((s) => {
      const gating = verdict.blocking.filter((f) => f.severity === s).length;
      return `${s} ${gating} > ${verdict.limits[s]}`;
    })
    .join(', ');
  return `image scan findings above the policy's limits: ${over}`;
}

/**
 * The failure report of a blocked verdict, as the error name and a JSON cause that fits
 * `SendTaskFailure` (rows are dropped from `topFindings` until it does).
 */
export function failureOf(
  verdict: ScanVerdict,
  ctx: ReportContext,
): { error: ScanGateFailure['error']; cause: string; report: ScanGateFailure } {
  const error = verdict.outcome === 'blocked-status' ? 'ScanNotUsable' : 'ScanFindingsAboveThreshold';
  let rows = topFindings(verdict.blocking, TOP_FINDINGS);
  for (;;) {
    const report: ScanGateFailure = {
      error,
      message: messageOf(verdict),
      source: ctx.source,
      scanType: ctx.scanType,
      repository: ctx.repository,
      digest: ctx.digest,
      status: verdict.status,
      counts: verdict.counts,
      limits: verdict.limits,
      failedSeverities: verdict.failedSeverities,
      blockingTotal: verdict.blocking.length,
      topFindings: rows,
      excepted: verdict.excepted.slice(0, 100),
      expiredExceptions: verdict.expiredExceptions.slice(0, 100),
      warnings: verdict.warnings.slice(0, MAX_WARNINGS).map((w) => w.slice(0, 500)),
      ...linkOf(ctx),
      evaluatedAt: ctx.now.toISOString(),
    };
    const cause = JSON.stringify(report);
    if (cause.length <= MAX_CAUSE_CHARS || rows.length === 0) return { error, cause, report };
    rows = rows.slice(0, Math.floor(rows.length / 2));
  }
}
