import * as z from 'zod';

/**
 * The image scan gate's policy and the shape of its verdict. The same policy is an environment's
 * `scan` configuration, the `policy` the workflow hands the scan Lambdas, and the `--policy` file of
 * `deployctl scan-check`; the verdict is what all three report.
 *
 * Rules (decided against the ECR API reference and real responses; see docs/scan-gate.md):
 * severities are ECR's six `FindingSeverity` values
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanFinding.html);
 * Inspector's `UNTRIAGED` and any unknown severity count as `UNDEFINED`.
 */

/** ECR's finding severities, most severe first. Every count object carries all six keys. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Per-severity maxima when a policy says nothing: no CRITICAL, no HIGH, the rest unlimited (`null`). */
export const DEFAULT_MAX_COUNTS: Readonly<Record<Severity, number | null>> = {
  CRITICAL: 0,
  HIGH: 0,
  MEDIUM: null,
  LOW: null,
  INFORMATIONAL: null,
  UNDEFINED: null,
};

/** Scan statuses whose findings are evaluated: `COMPLETE` (basic and enhanced) and `ACTIVE` (enhanced). */
export const EVALUATED_STATUSES: readonly string[] = ['COMPLETE', 'ACTIVE'];
/** Scan statuses that never pass: the workflow keeps waiting, the CLI blocks. */
export const PENDING_STATUSES: readonly string[] = ['IN_PROGRESS', 'PENDING'];

/**
 * The other statuses ECR documents today
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanStatus.html). They block
 * unless a policy's `failOnStatus` leaves them out; a status AWS adds later is treated the same way.
 */
export const UNUSABLE_STATUSES: readonly string[] = [
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'SCAN_ELIGIBILITY_EXPIRED',
  'FINDINGS_UNAVAILABLE',
  'LIMIT_EXCEEDED',
  'IMAGE_ARCHIVED',
];

/** `basic`: ECR scan on push (one finding per CVE and package). `enhanced`: Amazon Inspector (one per CVE). */
export const scanTypeSchema = z.enum(['basic', 'enhanced']);
export type ScanType = z.infer<typeof scanTypeSchema>;

const maxCount = z.number().int('must be a whole number').min(0, 'must be 0 or more (null = unlimited)').nullable();

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, {
    message: 'must be a date YYYY-MM-DD (the last UTC day the exception applies)',
    abort: true,
  })
  .refine((d) => {
    const date = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(d);
  }, 'is not a calendar date');

/** One accepted finding: its id, why, and the last UTC day (inclusive) it is accepted. */
export const scanExceptionSchema = z.strictObject({
  /** The finding id exactly as the scan lists it (`CVE-2023-1234`); matches it in every package. */
  id: z.string().min(1, 'required'),
  /** Why the finding is accepted; shown in the gate's output. */
  reason: z.string().trim().min(1, 'required: say why the finding is accepted'),
  /** The exception applies up to and including this UTC day, then no longer. */
  expires: isoDay,
});

const statusName = z
  .string()
  .regex(/^[A-Z][A-Z_]*$/, { message: 'must be an ECR scan status in capitals, e.g. FAILED', abort: true })
  .refine(
    (s) => !EVALUATED_STATUSES.includes(s) && !PENDING_STATUSES.includes(s),
    'is evaluated or waited for, never a failure status (COMPLETE, ACTIVE, IN_PROGRESS, PENDING)',
  );

export const scanPolicySchema = z.strictObject({
  /**
   * Most findings allowed per severity, merged over the defaults (CRITICAL 0, HIGH 0, the rest
   * unlimited); `null` = unlimited. A severity passes when its gating count is at or under its maximum.
   */
  maxCounts: z
    .strictObject({
      CRITICAL: maxCount.optional(),
      HIGH: maxCount.optional(),
      MEDIUM: maxCount.optional(),
      LOW: maxCount.optional(),
      INFORMATIONAL: maxCount.optional(),
      UNDEFINED: maxCount.optional(),
    })
    .default({}),
  /** Skip enhanced findings whose `fixAvailable` is `NO` (a `PARTIAL` or missing value still gates; basic findings always gate). @default false */
  onlyFixable: z.boolean().default(false),
  /** Accepted findings with an expiry day. @default [] */
  exceptions: z.array(scanExceptionSchema).default([]),
  /**
   * Scan statuses that block the deploy. Unset: every status other than COMPLETE, ACTIVE,
   * IN_PROGRESS and PENDING blocks (including ones AWS adds later). Set: only the listed ones
   * block; the others pass with a warning.
   */
  failOnStatus: z.array(statusName).optional(),
});

/** What a user writes (every field optional). */
export type ScanPolicyInput = z.input<typeof scanPolicySchema>;
/** The policy with defaults filled in. */
export type ScanPolicy = z.output<typeof scanPolicySchema>;

/** The environment default: CRITICAL 0, HIGH 0, everything else unlimited, every unusable status blocks. */
export const DEFAULT_SCAN_POLICY: ScanPolicy = scanPolicySchema.parse({});

/** `maxCounts` merged over the defaults: all six keys, `null` = unlimited. */
export function effectiveLimits(policy: ScanPolicy): Record<Severity, number | null> {
  const out = { ...DEFAULT_MAX_COUNTS };
  for (const severity of SEVERITIES) {
    const value = policy.maxCounts[severity];
    if (value !== undefined) out[severity] = value;
  }
  return out;
}

/** Counts by severity; all six keys always present. */
export type SeverityCounts = Record<Severity, number>;

/** A package a finding names, with versions when the scan gives them. */
export interface FindingPackage {
  readonly name: string;
  readonly installedVersion?: string;
  readonly fixedVersion?: string;
}

/** One finding that gates (or would, without an exception), in the form the gate reports it. */
export interface GatingFinding {
  /** `CVE-...` (basic: `name`; enhanced: `packageVulnerabilityDetails.vulnerabilityId`). */
  readonly id: string;
  readonly severity: Severity;
  /** Basic: the one package of the finding. Enhanced: every vulnerable package it names. */
  readonly packages: readonly FindingPackage[];
  /** Enhanced only: `YES`, `NO` or `PARTIAL` as Inspector reports it. */
  readonly fixAvailable?: string;
}

/**
 * The verdict on one image's scan.
 * - `outcome: 'passed'`: findings within limits, or a non-blocking status (see `warnings`).
 * - `'blocked-findings'`: one or more severities over their limit (`failedSeverities`, `blocking`).
 * - `'blocked-status'`: the scan status is in `failOnStatus` (or not evaluable and the default applies).
 * - `'pending'`: `IN_PROGRESS` or `PENDING`; never passes.
 */
export interface ScanVerdict {
  readonly passed: boolean;
  readonly outcome: 'passed' | 'blocked-findings' | 'blocked-status' | 'pending';
  /** `imageScanStatus.status` as ECR reports it. */
  readonly status: string;
  /** `imageScanStatus.description`, when given. */
  readonly statusDescription?: string;
  /** Counted findings by severity: every basic finding and every `ACTIVE` enhanced one. Never reduced by exceptions or `onlyFixable`. */
  readonly counts: SeverityCounts;
  /** The maxima applied (`null` = unlimited). */
  readonly limits: Record<Severity, number | null>;
  /** Severities whose gating count is over the limit, most severe first. */
  readonly failedSeverities: readonly Severity[];
  /** Every gating finding of each failed severity, most severe first, then by id. */
  readonly blocking: readonly GatingFinding[];
  /** Ids of counted findings an active exception excused (unique, sorted). */
  readonly excepted: readonly string[];
  /** Ids of every policy exception whose expiry day has passed, matched or not (unique, sorted). */
  readonly expiredExceptions: readonly string[];
  /** Enhanced findings skipped by `onlyFixable` (`fixAvailable: NO`). */
  readonly skippedNotFixable: number;
  /** Enhanced findings not counted because their status is not `ACTIVE` (`SUPPRESSED`, `CLOSED`). */
  readonly inactive: number;
  /** Things the developer should know that did not decide the verdict. */
  readonly warnings: readonly string[];
}

/** Where a gate decision was made: the scan event, the registration (scan already done) or the polling fallback. */
export type ScanGateSource = 'event' | 'registration' | 'poll';

/** The image a gate decision is about. */
export interface ScanGateImage {
  readonly scanType: ScanType;
  /** ECR repository name (not URI). */
  readonly repository: string;
  /** `sha256:` image digest. */
  readonly digest: string;
}

/**
 * A passed scan, for the run's summary and notifications: `SendTaskSuccess` output `summary` (event
 * and registration paths) and `PollScan`'s `summary` are the same object.
 */
export interface ScanGateSummary extends ScanGateImage {
  readonly passed: true;
  readonly source: ScanGateSource;
  readonly status: string;
  readonly counts: SeverityCounts;
  readonly excepted: readonly string[];
  readonly expiredExceptions: readonly string[];
  readonly warnings: readonly string[];
  /** The image's scan results in the ECR console, when the account and region are known. */
  readonly consoleUrl?: string;
  /** ISO 8601 instant of the decision. */
  readonly evaluatedAt: string;
}

/**
 * The result both wait paths hand the workflow (`ResultPath` e.g. `$.scan`): `WaitForScan`'s task
 * output is always `{ done: true, summary }`; `PollScan` returns the same when the scan is judged,
 * or `done: false` with the wait before the next poll (`nextWaitSeconds`) and whether attempts are used up.
 */
export type ScanGateResult =
  | { readonly done: true; readonly summary: ScanGateSummary }
  | {
      readonly done: false;
      /** The scan status read (`IN_PROGRESS`, `PENDING`, ...), or `NOT_FOUND` when no scan exists yet. */
      readonly status: string;
      readonly reason: string;
      /** Polls made so far, this one included: pass it back as the next `attempt`. */
      readonly attempt: number;
      readonly maxAttempts: number;
      /** Seconds the workflow should wait before the next poll (for a Wait state's `SecondsPath`). */
      readonly nextWaitSeconds: number;
      /** True when `attempt` reached `maxAttempts`: stop polling and fail the run with `reason`. */
      readonly exhausted: boolean;
    };

/** A finding row of a failure report: one per finding and package. */
export interface TopFinding {
  readonly id: string;
  readonly severity: Severity;
  readonly package: string | null;
  readonly installedVersion?: string;
  readonly fixedVersion?: string;
}

/**
 * The cause of a `ScanFindingsAboveThreshold` or `ScanNotUsable` failure, as a JSON string
 * (`SendTaskFailure` cause, or the Lambda error message on the polling path).
 */
export interface ScanGateFailure extends ScanGateImage {
  readonly error: 'ScanFindingsAboveThreshold' | 'ScanNotUsable';
  /** One sentence for notifications: what blocked the deploy. */
  readonly message: string;
  readonly source: ScanGateSource;
  readonly status: string;
  readonly counts: SeverityCounts;
  readonly limits: Record<Severity, number | null>;
  readonly failedSeverities: readonly Severity[];
  /** How many findings gate; `topFindings` lists the most severe of them. */
  readonly blockingTotal: number;
  readonly topFindings: readonly TopFinding[];
  readonly excepted: readonly string[];
  readonly expiredExceptions: readonly string[];
  readonly warnings: readonly string[];
  readonly consoleUrl?: string;
  readonly evaluatedAt: string;
}
