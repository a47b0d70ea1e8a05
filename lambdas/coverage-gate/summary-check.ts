import { CoverageReportInvalid } from './errors';

/** A covered/valid pair of counts. */
export interface CountPair {
  readonly covered: number;
  readonly valid: number;
}

/**
 * A report's summary that disagrees with the detail it summarizes, and which figure the gate used. The gate
 * never passes on a figure it has reason to doubt without saying so: these go into the gate's summary
 * (notifications), its failure message and `deployctl coverage`.
 */
export interface SummaryFinding {
  /** The source file of the record (LCOV), or `(report)` for a whole-report summary (XML formats). */
  readonly file: string;
  readonly measure: 'lines' | 'branches';
  /** Where the summary was read, e.g. `LH/LF`, `<coverage lines-covered/lines-valid>`. */
  readonly summaryField: string;
  /** The summary as written. */
  readonly summary: CountPair;
  /** What the detail was counted from, e.g. `DA lines`, `<line> elements`. */
  readonly detailField: string;
  /** The same figure counted from the detail entries. */
  readonly detail: CountPair;
  /** Which figure the gate used: the summary, the detail, or one derived from both (`reason` says how). */
  readonly used: 'summary' | 'detail' | 'derived';
  /** The figure used. */
  readonly figure: CountPair;
  /** Why that figure, in a sentence. */
  readonly reason: string;
}

const equal = (a: CountPair, b: CountPair) => a.covered === b.covered && a.valid === b.valid;

export interface SummaryCheck {
  readonly file: string;
  readonly measure: 'lines' | 'branches';
  readonly summaryField: string;
  readonly summary: CountPair;
  readonly detailField: string;
  /** The detail as counted entry by entry. */
  readonly detail: CountPair;
  /** Another way of counting the same detail the summary may match (distinct lines); agreement with it is agreement. */
  readonly detailDistinct?: CountPair;
  /** The producer's true figure when it can be derived from summary and detail (a known producer bug). */
  readonly derived?: { readonly figure: CountPair; readonly reason: string };
}

/**
 * The figure to use for one summary, adding a finding when summary and detail disagree. The rule:
 * - they agree (or there is no detail to compare): the summary, no finding;
 * - the producer's true figure can be derived (`derived`, e.g. coverage.py 6.x's inflated `LH`): that figure;
 * - the summary is impossible (more covered than total): the detail, or the report is refused when there
 *   is no detail to count instead;
 * - otherwise the summary: producers write correct summaries whose detail counts differently (llvm-cov
 *   counts regions, forge repeats lines per item, coverlet repeats lines per method, istanbul drops branches
 *   from Cobertura's line detail), so the summary is used and the disagreement reported.
 *
 * @throws CoverageReportInvalid when the summary is impossible and there is no detail.
 */
export function judgeSummary(check: SummaryCheck, findings: SummaryFinding[]): CountPair {
  const { summary, detail } = check;
  const impossible = summary.covered > summary.valid;
  if (!impossible) {
    if (detail.valid === 0 || equal(summary, detail)) return summary;
    if (check.detailDistinct !== undefined && equal(summary, check.detailDistinct)) return summary;
  }
  const finding = (used: SummaryFinding['used'], figure: CountPair, reason: string): CountPair => {
    findings.push({
      file: check.file,
      measure: check.measure,
      summaryField: check.summaryField,
      summary,
      detailField: check.detailField,
      detail: check.detailDistinct ?? detail,
      used,
      figure,
      reason,
    });
    return figure;
  };
  if (check.derived !== undefined) return finding('derived', check.derived.figure, check.derived.reason);
  if (impossible) {
    const counted = check.detailDistinct ?? detail;
    if (counted.valid === 0) {
      throw new CoverageReportInvalid(
        `${check.file} ${check.summaryField}: covered ${summary.covered} exceeds total ${summary.valid}, and there are no ${check.detailField} to count instead`,
      );
    }
    return finding(
      'detail',
      counted,
      `the summary counts more covered than total, so the ${check.detailField} are counted instead`,
    );
  }
  return finding(
    'summary',
    summary,
    'the producer’s own summary is used (tools summarize what their detail does not show); check the producer if this is unexpected',
  );
}

/** One line for people: file, both figures, the one used and why. */
export function describeFinding(f: SummaryFinding): string {
  const pair = (p: CountPair) => `${p.covered}/${p.valid}`;
  return `${f.file}: ${f.measure} ${f.summaryField} ${pair(f.summary)} disagrees with its ${f.detailField} ${pair(f.detail)}; used ${pair(f.figure)} (${f.used}: ${f.reason})`;
}
