import {
  type CoverageCounts,
  type CoverageFormat,
  type CoverageReport,
  counts,
  type FileCoverage,
} from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { normalizePath } from './normalize-path';
import type { SummaryFinding } from './summary-check';

/** A file as it is collected; it becomes the report's `FileCoverage` as is, without a copy per file. */
interface FileEntry {
  readonly path: string;
  readonly lines: { covered: number; valid: number };
  hits?: Map<number, number>;
}

/**
 * A copy of a string that shares no memory with the text it was cut from. A parser's substrings can be
 * views into a whole input chunk (64 KiB); one kept per file would keep every chunk of the report alive.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Collects per-file results keyed by normalized path, keeping line maps only for the files asked for. */
export class ReportBuilder {
  private readonly files = new Map<string, FileEntry>();
  private readonly keep: (path: string) => boolean;

  constructor(keepLines?: (path: string) => boolean) {
    this.keep = keepLines ?? (() => false);
  }

  /** The entry of a file, created on first sight. */
  file(rawPath: string): FileEntry {
    return this.lookup(rawPath).entry;
  }

  /** Like `file`, also telling whether this sighting created the entry (false: the path was seen before). */
  lookup(rawPath: string): { entry: FileEntry; created: boolean } {
    const normal = normalizePath(rawPath);
    const known = this.files.get(normal);
    if (known !== undefined) return { entry: known, created: false };
    const path = detached(normal);
    const entry: FileEntry = { path, lines: { covered: 0, valid: 0 } };
    if (this.keep(path)) entry.hits = new Map();
    this.files.set(path, entry);
    return { entry, created: true };
  }

  /** Records one detail line; duplicates of a line keep the highest count. */
  line(entry: FileEntry, line: number, hits: number): void {
    entry.lines.valid += 1;
    if (hits > 0) entry.lines.covered += 1;
    if (entry.hits !== undefined) {
      const before = entry.hits.get(line);
      if (before === undefined || hits > before) entry.hits.set(line, hits);
    }
  }

  /** Adds file figures the format summarizes itself (JaCoCo `sourcefile` counters, Go statements). */
  addFileTotals(entry: FileEntry, covered: number, valid: number): void {
    entry.lines.covered += covered;
    entry.lines.valid += valid;
  }

  /** Distinct-line totals over every file (only meaningful when every file kept its line map). */
  distinctTotals(): { covered: number; valid: number } {
    let covered = 0;
    let valid = 0;
    for (const entry of this.files.values()) {
      for (const hits of entry.hits?.values() ?? []) {
        valid += 1;
        if (hits > 0) covered += 1;
      }
    }
    return { covered, valid };
  }

  /** Line entries as recorded so far, summed over every file (before `build` merges kept files' duplicates). */
  detailTotals(): { covered: number; valid: number } {
    let covered = 0;
    let valid = 0;
    for (const entry of this.files.values()) {
      covered += entry.lines.covered;
      valid += entry.lines.valid;
    }
    return { covered, valid };
  }

  build(
    format: CoverageFormat,
    lines: { covered: number; valid: number },
    branches: { covered: number; valid: number } | null,
    findings: readonly SummaryFinding[] = [],
  ): CoverageReport {
    if (lines.valid === 0) {
      throw new CoverageReportInvalid(`${format} report has no coverable lines (0 valid lines): nothing was measured`);
    }
    const files: FileCoverage[] = [];
    for (const entry of this.files.values()) {
      if (entry.hits !== undefined) {
        // Kept files count their distinct lines; duplicates over classes or records were merged in the map.
        let covered = 0;
        for (const h of entry.hits.values()) if (h > 0) covered += 1;
        entry.lines.covered = covered;
        entry.lines.valid = entry.hits.size;
      }
      files.push(entry);
    }
    const branchCounts: CoverageCounts | null =
      branches === null || branches.valid === 0 ? null : counts(branches.covered, branches.valid);
    return { format, lines: counts(lines.covered, lines.valid), branches: branchCounts, files, findings };
  }
}
