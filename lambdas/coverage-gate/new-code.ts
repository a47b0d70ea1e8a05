import { type CoverageCounts, type CoverageReport, counts } from './coverage-types';
import { bestReportPaths } from './match-paths';
import type { ChangedLines } from './parse-diff';

/** Coverage of one changed file's changed, coverable lines. */
export interface ChangedFileCoverage extends CoverageCounts {
  readonly path: string;
}

export interface NewCodeCoverage {
  /** Covered changed lines / changed lines the report knows as coverable. */
  readonly total: CoverageCounts;
  /** Changed files with at least one coverable changed line, least covered first. */
  readonly files: readonly ChangedFileCoverage[];
}

/**
 * New-code coverage: of the lines a push added or changed, those the report lists (coverable) and how
 * many of them ran. Changed lines the report does not list (comments, blank lines, tests, docs) are not
 * coverable and do not count. Needs the changed files' line maps (`keepLines`).
 */
export function newCodeCoverage(report: CoverageReport, changed: ChangedLines): NewCodeCoverage {
  const byPath = new Map(report.files.map((file) => [file.path, file]));
  const perFile = new Map<string, { covered: number; valid: number }>();
  // Each changed file is measured against exactly one report file, the one that names it best.
  for (const [changedPath, reportPath] of bestReportPaths(changed.keys(), byPath.keys())) {
    const hits = byPath.get(reportPath)?.hits;
    const lines = changed.get(changedPath);
    if (hits === undefined || lines === undefined) continue;
    const acc = { covered: 0, valid: 0 };
    for (const line of lines) {
      const h = hits.get(line);
      if (h === undefined) continue;
      acc.valid += 1;
      if (h > 0) acc.covered += 1;
    }
    perFile.set(changedPath, acc);
  }
  let covered = 0;
  let valid = 0;
  const files: ChangedFileCoverage[] = [];
  for (const [path, acc] of perFile) {
    if (acc.valid === 0) continue;
    covered += acc.covered;
    valid += acc.valid;
    files.push({ path, ...counts(acc.covered, acc.valid) });
  }
  files.sort((a, b) => a.pct - b.pct || b.valid - a.valid || a.path.localeCompare(b.path));
  return { total: counts(covered, valid), files };
}
