import type { SummaryFinding } from './summary-check';

/** Report formats the gate reads. */
export const COVERAGE_FORMATS = ['cobertura', 'lcov', 'jacoco', 'clover', 'go'] as const;
export type CoverageFormat = (typeof COVERAGE_FORMATS)[number];

/** Covered and coverable counts with the percentage computed from them (never a copied rate). */
export interface CoverageCounts {
  readonly covered: number;
  readonly valid: number;
  /** `covered / valid * 100`, unrounded; 0 when `valid` is 0. */
  readonly pct: number;
}

/** One source file of a report, merged over every class or record that names it. */
export interface FileCoverage {
  /** Path with `\` turned into `/` and a leading `./` removed. */
  readonly path: string;
  /** Line figures of this file: distinct lines when `hits` is kept, else the report's own detail entries. */
  readonly lines: { readonly covered: number; readonly valid: number };
  /** Line number -> execution count (max over duplicates); only for files the parser was asked to keep. */
  readonly hits?: ReadonlyMap<number, number>;
}

/** What every parser returns. */
export interface CoverageReport {
  readonly format: CoverageFormat;
  readonly lines: CoverageCounts;
  /** `null` when the report carries no branch data. */
  readonly branches: CoverageCounts | null;
  readonly files: readonly FileCoverage[];
  /** Summaries that disagree with their detail, each with the figure used (`judgeSummary`); empty when none. */
  readonly findings: readonly SummaryFinding[];
}

/** Options shared by the parsers. */
export interface ParseOptions {
  /**
   * Which files keep a line -> hits map (needed for new-code coverage). Keeping every file makes memory grow
   * with the report, so the gate keeps only the files a push changed.
   * @default no file
   */
  readonly keepLines?: (path: string) => boolean;
}

/** Counts with their percentage; `pct` uses `covered * 100 / valid` so exact thresholds compare exactly. */
export function counts(covered: number, valid: number): CoverageCounts {
  return { covered, valid, pct: valid === 0 ? 0 : (covered * 100) / valid };
}
