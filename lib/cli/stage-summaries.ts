import type { CoverageCounts } from '../../lambdas/coverage-gate/coverage-types';
import type { GateSummary } from '../../lambdas/coverage-gate/gate-summary';
import type { PlanEvaluation } from '../../lambdas/plan-guard/evaluate-plan';
import type { ScanGateFailure, ScanGateResult, SeverityCounts } from '../contracts/scan-policy';
import type { Stage } from './run-timeline';
import { readableCause } from './task-cause';

/** The coverage gate's verdict: `lines`, `branches`, `newCode` as `{ covered, valid, pct }`. */
export interface CoverageSummary {
  readonly passed: boolean;
  readonly lines: CoverageCounts | null;
  readonly branches: CoverageCounts | null;
  readonly newCode: CoverageCounts | null;
  /** Why the gate failed (its error message), null when it passed. */
  readonly message: string | null;
}

/** TerraformPlan's and PlanGuard's findings. Counts are Terraform's, null when the guard did not run. */
export interface PlanSummary {
  readonly passed: boolean;
  /** Whether the plan changes anything (`PLAN_HAS_CHANGES`), null when the plan did not finish. */
  readonly hasChanges: boolean | null;
  readonly add: number | null;
  readonly change: number | null;
  readonly destroy: number | null;
  readonly replace: number | null;
  /** `<n> to add, <n> to change, <n> to destroy`, or `no changes`. */
  readonly summary: string | null;
  readonly message: string | null;
}

/** The image scan gate's verdict (`WaitForScan` or `PollScan`). */
export interface ScanSummary {
  readonly passed: boolean;
  /** ECR scan status, e.g. `COMPLETE` or `ACTIVE`. */
  readonly status: string | null;
  readonly counts: SeverityCounts | null;
  readonly message: string | null;
  readonly consoleUrl: string | null;
}

export interface StageSummaries {
  readonly coverage: CoverageSummary | null;
  readonly plan: PlanSummary | null;
  readonly scan: ScanSummary | null;
}

type Lookup = (name: string) => Stage | undefined;

/** A `lambda:invoke` task result is `{ Payload, StatusCode, ... }`; a callback task's is the value itself. */
function payloadOf(output: unknown): Record<string, unknown> | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const payload = (output as { Payload?: unknown }).Payload ?? output;
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined;
}

function exported(output: unknown, name: string): string | undefined {
  const vars = (output as { Build?: { ExportedEnvironmentVariables?: { Name?: string; Value?: string }[] } })?.Build
    ?.ExportedEnvironmentVariables;
  return vars?.find((v) => v.Name === name)?.Value;
}

function coverageOf(stage: Stage | undefined): CoverageSummary | null {
  if (stage === undefined || (stage.status !== 'succeeded' && stage.status !== 'failed')) return null;
  if (stage.status === 'failed') {
    return { passed: false, lines: null, branches: null, newCode: null, message: readableCause(stage.cause) };
  }
  const summary = payloadOf(stage.output) as Partial<GateSummary> | undefined;
  if (summary?.lines === undefined) return null;
  return {
    passed: summary.passed !== false,
    lines: summary.lines,
    branches: summary.branches ?? null,
    newCode: summary.newCode ?? null,
    message: null,
  };
}

function planOf(plan: Stage | undefined, guard: Stage | undefined): PlanSummary | null {
  if (plan === undefined || plan.status === 'skipped') return null;
  const none = { add: null, change: null, destroy: null, replace: null, summary: null };
  if (plan.status !== 'succeeded') {
    if (plan.status !== 'failed' && plan.status !== 'timed-out') return null;
    return { passed: false, hasChanges: null, ...none, message: readableCause(plan.cause) };
  }
  const flag = exported(plan.output, 'PLAN_HAS_CHANGES');
  const hasChanges = flag === undefined ? null : flag === 'true';
  if (guard === undefined || guard.status === 'skipped') {
    return hasChanges === false
      ? { passed: true, hasChanges, add: 0, change: 0, destroy: 0, replace: 0, summary: 'no changes', message: null }
      : { passed: true, hasChanges, ...none, message: null };
  }
  if (guard.status === 'failed' || guard.status === 'timed-out') {
    return { passed: false, hasChanges, ...none, message: readableCause(guard.cause) };
  }
  const result = payloadOf(guard.output) as Partial<PlanEvaluation> | undefined;
  if (guard.status !== 'succeeded' || typeof result?.add !== 'number')
    return { passed: true, hasChanges, ...none, message: null };
  return {
    passed: true,
    hasChanges,
    add: result.add,
    change: result.change ?? null,
    destroy: result.destroy ?? null,
    replace: result.replace ?? null,
    summary: result.summary ?? null,
    message: null,
  };
}

function scanFailure(cause: string | null): Partial<ScanGateFailure> | undefined {
  if (cause === null) return undefined;
  try {
    const value = JSON.parse(cause) as Record<string, unknown>;
    // PollScan fails through Lambda, which wraps the report in its error envelope.
    const report = typeof value.errorMessage === 'string' ? JSON.parse(value.errorMessage) : value;
    return typeof report === 'object' && report !== null ? (report as Partial<ScanGateFailure>) : undefined;
  } catch {
    return undefined;
  }
}

function scanOf(stage: Stage | undefined): ScanSummary | null {
  if (stage === undefined) return null;
  if (stage.status === 'succeeded') {
    const result = payloadOf(stage.output) as Partial<ScanGateResult> | undefined;
    if (result?.done !== true || result.summary === undefined) return null;
    const s = result.summary;
    return { passed: true, status: s.status, counts: s.counts, message: null, consoleUrl: s.consoleUrl ?? null };
  }
  if (stage.status !== 'failed' && stage.status !== 'timed-out') return null;
  const report = scanFailure(stage.cause);
  return {
    passed: false,
    status: report?.status ?? null,
    counts: report?.counts ?? null,
    message: report?.message ?? readableCause(stage.cause),
    consoleUrl: report?.consoleUrl ?? null,
  };
}

/**
 * The coverage, plan and scan summaries of a run, from what its gates returned or failed with:
 * `CoverageGate`'s `GateSummary`, `TerraformPlan`'s `PLAN_HAS_CHANGES` with `PlanGuard`'s counts,
 * and `WaitForScan`/`PollScan`'s `ScanGateResult` or `ScanGateFailure`. Each is null when its
 * stages did not run (skipped, not reached, still running).
 */
export function stageSummaries(stages: readonly Stage[]): StageSummaries {
  const find: Lookup = (name) => stages.find((s) => s.name === name);
  return {
    coverage: coverageOf(find('CoverageGate')),
    plan: planOf(find('TerraformPlan'), find('PlanGuard')),
    // The polling fallback decides when the event-driven wait gave up waiting.
    scan: scanOf(find('PollScan')) ?? scanOf(find('WaitForScan')),
  };
}
