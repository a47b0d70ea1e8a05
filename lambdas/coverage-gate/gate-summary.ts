import type { Baseline } from './baseline';
import type { CoverageCounts, CoverageFormat } from './coverage-types';
import { formatPct, type RuleResult } from './evaluate-policy';
import type { ChangedFileCoverage } from './new-code';
import { describeFinding, type SummaryFinding } from './summary-check';

/** Findings a summary carries; the rest are counted in `findingsTotal` (the state data has a size limit). */
export const MAX_FINDINGS_SHOWN = 10;

/** What the gate returns (and notifications show) for a passing run. */
export interface GateSummary {
  readonly passed: boolean;
  readonly service: string;
  readonly environment: string;
  readonly commit: string;
  readonly format: CoverageFormat;
  readonly lines: CoverageCounts;
  readonly branches: CoverageCounts | null;
  /** Number of files in the report. */
  readonly files: number;
  /** `null` when no diff was available. */
  readonly newCode: CoverageCounts | null;
  readonly baseline: Baseline | null;
  /** What the workflow stores as the baseline once this commit is deployed. */
  readonly nextBaseline: Baseline;
  readonly rules: readonly RuleResult[];
  /** Up to five changed files with the lowest coverage of their changed lines. */
  readonly leastCoveredChangedFiles: readonly ChangedFileCoverage[];
  /**
   * Report summaries that disagree with their detail (file, both figures, the figure used, why): the first
   * {@link MAX_FINDINGS_SHOWN}; empty when every summary agreed.
   */
  readonly findings: readonly SummaryFinding[];
  /** How many findings the report had in all. */
  readonly findingsTotal: number;
}

/** Lines for people: each shown finding, and how many more there were. */
export function findingLines(findings: readonly SummaryFinding[], total: number): string[] {
  const out = findings.map((f) => `- ${describeFinding(f)}`);
  if (total > findings.length) out.push(`- ... and ${total - findings.length} more`);
  return out;
}

const LABELS: Record<RuleResult['rule'], string> = {
  minLinePct: 'line coverage',
  minBranchPct: 'branch coverage',
  minNewCodePct: 'new-code coverage',
  maxDropPoints: 'line coverage vs baseline',
};

/** The failure text that becomes the Step Functions cause: each failed rule, then the weakest changed files. */
export function failureMessage(summary: GateSummary): string {
  const out = [
    `Coverage gate failed for ${summary.service}/${summary.environment} at ${summary.commit.slice(0, 7)} (${summary.format}):`,
  ];
  for (const rule of summary.rules) {
    if (rule.passed) continue;
    const actual = rule.actual === null ? 'not measurable' : formatPct(rule.actual);
    const detail = ruleDetail(summary, rule);
    out.push(`- ${rule.rule}: ${LABELS[rule.rule]} ${actual}${detail} < required ${formatPct(rule.required)}`);
  }
  if (summary.findingsTotal > 0) {
    out.push('Report summaries that disagree with their detail:');
    out.push(...findingLines(summary.findings, summary.findingsTotal));
  }
  if (summary.leastCoveredChangedFiles.length > 0) {
    out.push('Least-covered changed files:');
    for (const f of summary.leastCoveredChangedFiles) {
      out.push(`- ${f.path}: ${formatPct(f.pct)} (${f.covered}/${f.valid} changed lines)`);
    }
  }
  return out.join('\n');
}

function ruleDetail(summary: GateSummary, rule: RuleResult): string {
  if (rule.note !== undefined && rule.actual === null) return ` (${rule.note})`;
  switch (rule.rule) {
    case 'minLinePct':
      return ` (${summary.lines.covered}/${summary.lines.valid} lines)`;
    case 'minBranchPct':
      return summary.branches ? ` (${summary.branches.covered}/${summary.branches.valid} branches)` : '';
    case 'minNewCodePct':
      return summary.newCode ? ` (${summary.newCode.covered}/${summary.newCode.valid} changed lines)` : '';
    case 'maxDropPoints':
      return rule.note ? ` (${rule.note})` : '';
  }
}
