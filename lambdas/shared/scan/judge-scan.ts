import {
  EVALUATED_STATUSES,
  effectiveLimits,
  type GatingFinding,
  PENDING_STATUSES,
  type ScanPolicy,
  type ScanVerdict,
  SEVERITIES,
  type Severity,
  type SeverityCounts,
} from '../../../lib/contracts/scan-policy';
import type { CollectedScan } from './collect-scan';
import type { NormalizedFinding } from './normalize-finding';

/** All six severities at zero. */
export function zeroCounts(): SeverityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 };
}

/** The UTC calendar day of an instant, `YYYY-MM-DD`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

const byId = (a: GatingFinding, b: GatingFinding) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function toGating(finding: NormalizedFinding): GatingFinding {
  return {
    id: finding.id,
    severity: finding.severity,
    packages: finding.packages,
    ...(finding.fixAvailable === undefined ? {} : { fixAvailable: finding.fixAvailable }),
  };
}

function describeCounts(counts: Readonly<Record<string, number>>): string {
  const parts = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s} ${counts[s]}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * Applies a policy to one image's collected scan (rules 3-7 of docs/scan-gate.md).
 *
 * - Counts: every counted finding (basic, or enhanced `ACTIVE`) by severity, all six keys; never
 *   reduced by exceptions or `onlyFixable`.
 * - Gating: a counted finding gates unless `onlyFixable` skips it (enhanced with `fixAvailable: NO`
 *   only) or an active exception names its id. A severity fails when its gating findings outnumber
 *   its maximum (`maxCounts` over CRITICAL 0, HIGH 0, the rest unlimited).
 * - Exceptions apply through their `expires` day, judged on the UTC date of `now`; every expired
 *   entry is reported whether or not it matches a finding.
 * - Status: `COMPLETE`/`ACTIVE` are judged; `IN_PROGRESS`/`PENDING` never pass; any other status
 *   blocks when `failOnStatus` is unset or lists it, else passes with a warning.
 * - `findingSeverityCounts` never decides; when it disagrees with the listed findings a warning says so.
 *
 * @param now the instant whose UTC day decides which exceptions have expired.
 */
export function judgeScan(scan: CollectedScan, policy: ScanPolicy, now: Date): ScanVerdict {
  const today = utcDay(now);
  const active = new Set<string>();
  const expired = new Set<string>();
  for (const exception of policy.exceptions) {
    if (exception.expires >= today) active.add(exception.id);
    else expired.add(exception.id);
  }
  const limits = effectiveLimits(policy);
  const warnings = [...scan.notes];
  const counts = zeroCounts();
  const gating: Record<Severity, GatingFinding[]> = {
    CRITICAL: [],
    HIGH: [],
    MEDIUM: [],
    LOW: [],
    INFORMATIONAL: [],
    UNDEFINED: [],
  };
  const excepted = new Set<string>();
  let skippedNotFixable = 0;
  for (const finding of scan.findings) {
    counts[finding.severity] += 1;
    if (policy.onlyFixable && finding.kind === 'enhanced' && finding.fixAvailable === 'NO') {
      skippedNotFixable += 1;
      continue;
    }
    if (active.has(finding.id)) {
      excepted.add(finding.id);
      continue;
    }
    gating[finding.severity].push(toGating(finding));
  }
  if (scan.reportedCounts !== undefined) {
    const disagrees = SEVERITIES.some((s) => (scan.reportedCounts?.[s] ?? 0) !== counts[s]);
    if (disagrees) {
      warnings.push(
        `findingSeverityCounts reports ${describeCounts(scan.reportedCounts)} but the listed findings give ${describeCounts(counts)}${scan.inactive > 0 ? ` (${scan.inactive} suppressed or closed enhanced findings not counted)` : ''}; the listed findings decide`,
      );
    }
  }

  const base = {
    status: scan.status,
    ...(scan.statusDescription === undefined ? {} : { statusDescription: scan.statusDescription }),
    counts,
    limits,
    excepted: [...excepted].sort(),
    expiredExceptions: [...expired].sort(),
    skippedNotFixable,
    inactive: scan.inactive,
  };

  if (PENDING_STATUSES.includes(scan.status)) {
    return {
      ...base,
      passed: false,
      outcome: 'pending',
      failedSeverities: [],
      blocking: [],
      warnings: [...warnings, `scan is ${scan.status}: an image is never passed before its scan is complete`],
    };
  }
  if (!EVALUATED_STATUSES.includes(scan.status)) {
    const blocks = policy.failOnStatus === undefined || policy.failOnStatus.includes(scan.status);
    const detail = scan.statusDescription ? ` (${scan.statusDescription})` : '';
    return {
      ...base,
      passed: !blocks,
      outcome: blocks ? 'blocked-status' : 'passed',
      failedSeverities: [],
      blocking: [],
      warnings: blocks
        ? warnings
        : [...warnings, `scan status ${scan.status}${detail} is not in failOnStatus: passed without findings to judge`],
    };
  }

  const failedSeverities = SEVERITIES.filter((s) => {
    const limit = limits[s];
    return limit !== null && gating[s].length > limit;
  });
  const blocking = failedSeverities.flatMap((s) => gating[s].sort(byId));
  return {
    ...base,
    passed: failedSeverities.length === 0,
    outcome: failedSeverities.length === 0 ? 'passed' : 'blocked-findings',
    failedSeverities,
    blocking,
    warnings,
  };
}
