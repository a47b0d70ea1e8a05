import { type CoveragePolicy, DEFAULT_MIN_LINE_PCT } from '../../lib/contracts/pipeline-config';
import type { Baseline } from './baseline';
import type { CoverageCounts } from './coverage-types';

/** Rule names are the policy fields, so a failure points at the setting that caused it. */
export type RuleName = 'minLinePct' | 'minBranchPct' | 'minNewCodePct' | 'maxDropPoints';

export interface RuleResult {
  readonly rule: RuleName;
  /** Measured percentage; `null` when it could not be measured. */
  readonly actual: number | null;
  /** Lowest passing percentage. */
  readonly required: number;
  readonly passed: boolean;
  /** `false` when the rule had nothing to judge (no diff, no coverable changed line, no baseline yet). */
  readonly evaluated: boolean;
  /** Why a rule was not evaluated or failed without a figure. */
  readonly note?: string;
}

export interface PolicyInput {
  readonly lines: CoverageCounts;
  readonly branches: CoverageCounts | null;
  /** `null` when no diff was available. */
  readonly newCode: CoverageCounts | null;
  /** `null` before the first successful deploy. */
  readonly baseline: Baseline | null;
}

export interface PolicyResult {
  readonly passed: boolean;
  readonly rules: readonly RuleResult[];
}

/** Policy fields as given, or partly given (unset minimum line coverage: `DEFAULT_MIN_LINE_PCT`). */
export type PolicySettings = Partial<CoveragePolicy>;

// Percentages come from integer ratios; this absorbs binary float error in `baseline - maxDropPoints`.
const EPSILON = 1e-9;

function atLeast(actual: number, required: number): boolean {
  return actual + EPSILON >= required;
}

/** Judges measured coverage against a policy. Pure: the same input always gives the same verdict. */
export function evaluatePolicy(input: PolicyInput, policy: PolicySettings): PolicyResult {
  const rules: RuleResult[] = [];
  const minLine = policy.minLinePct ?? DEFAULT_MIN_LINE_PCT;
  rules.push({
    rule: 'minLinePct',
    actual: input.lines.pct,
    required: minLine,
    passed: input.lines.valid > 0 && atLeast(input.lines.pct, minLine),
    evaluated: true,
  });
  if (policy.minBranchPct !== undefined) {
    rules.push(
      input.branches === null
        ? {
            rule: 'minBranchPct',
            actual: null,
            required: policy.minBranchPct,
            passed: false,
            evaluated: true,
            note: 'the report has no branch data',
          }
        : {
            rule: 'minBranchPct',
            actual: input.branches.pct,
            required: policy.minBranchPct,
            passed: atLeast(input.branches.pct, policy.minBranchPct),
            evaluated: true,
          },
    );
  }
  if (policy.minNewCodePct !== undefined) {
    const { newCode } = input;
    if (newCode === null || newCode.valid === 0) {
      rules.push({
        rule: 'minNewCodePct',
        actual: null,
        required: policy.minNewCodePct,
        passed: true,
        evaluated: false,
        note: newCode === null ? 'not evaluated: no diff of the push' : 'not evaluated: no coverable changed line',
      });
    } else {
      rules.push({
        rule: 'minNewCodePct',
        actual: newCode.pct,
        required: policy.minNewCodePct,
        passed: atLeast(newCode.pct, policy.minNewCodePct),
        evaluated: true,
      });
    }
  }
  if (policy.maxDropPoints !== undefined) {
    if (input.baseline === null) {
      rules.push({
        rule: 'maxDropPoints',
        actual: input.lines.pct,
        required: 0,
        passed: true,
        evaluated: false,
        note: 'not evaluated: no baseline yet',
      });
    } else {
      const required = Math.max(0, input.baseline.linePct - policy.maxDropPoints);
      rules.push({
        rule: 'maxDropPoints',
        actual: input.lines.pct,
        required,
        passed: atLeast(input.lines.pct, required),
        evaluated: true,
        note: `baseline ${formatPct(input.baseline.linePct)} at ${input.baseline.commit.slice(0, 7)}, max drop ${policy.maxDropPoints} points`,
      });
    }
  }
  return { passed: rules.every((r) => r.passed), rules };
}

/** Two decimals, for people; decisions use the unrounded figure. */
export function formatPct(pct: number): string {
  return `${(Math.floor(pct * 100 + EPSILON * 100) / 100).toFixed(2)}%`;
}
