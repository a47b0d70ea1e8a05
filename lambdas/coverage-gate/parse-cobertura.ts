import type { Readable } from 'node:stream';
import type { CoverageReport, ParseOptions } from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { countOf, optionalCount, parseCount, summaryPair } from './parse-count';
import { ReportBuilder } from './report-builder';
import { judgeSummary, type SummaryFinding } from './summary-check';
import { streamXml } from './xml-stream';

const CONDITION_COVERAGE = /\((\d+)\s*\/\s*(\d+)\)/;

/**
 * Cobertura XML (Cobertura, coverlet, istanbul, coverage.py, OpenCppCoverage). Totals come from the root's
 * `lines-covered`/`lines-valid` and `branches-*`; without them, from class-level `<line>`s, distinct per
 * file and line. Lines under `<methods>` repeat the class-level ones and are skipped. Root totals that
 * disagree with the class-level lines (or the `condition-coverage` recount) are judged by `judgeSummary`.
 */
export async function parseCobertura(input: Readable, options: ParseOptions = {}): Promise<CoverageReport> {
  let rootLines: { covered: number; valid: number } | undefined;
  let rootBranches: { covered: number; valid: number } | undefined;
  let builder = new ReportBuilder(options.keepLines);
  // Without root totals every line is kept so duplicates over classes of one file count once.
  const branchDetail = new Map<string, Map<number, [number, number]>>();
  let sawRoot = false;
  let methodDepth = 0;
  let file: ReturnType<ReportBuilder['file']> | undefined;
  let filePath = '';

  await streamXml(input, 'cobertura', {
    open(name, attrs, depth) {
      if (depth === 0) {
        if (name !== 'coverage') throw new CoverageReportInvalid(`cobertura report root is <${name}>, not <coverage>`);
        sawRoot = true;
        const lc = optionalCount(attrs['lines-covered'], 'cobertura <coverage lines-covered>');
        const lv = optionalCount(attrs['lines-valid'], 'cobertura <coverage lines-valid>');
        const bc = optionalCount(attrs['branches-covered'], 'cobertura <coverage branches-covered>');
        const bv = optionalCount(attrs['branches-valid'], 'cobertura <coverage branches-valid>');
        if (lc !== undefined && lv !== undefined) rootLines = { covered: lc, valid: lv };
        if (bc !== undefined && bv !== undefined) rootBranches = { covered: bc, valid: bv };
        if (rootLines === undefined) builder = new ReportBuilder(() => true);
        return;
      }
      switch (name) {
        case 'method':
          methodDepth += 1;
          return;
        case 'class': {
          const filename = attrs.filename ?? attrs.name;
          if (filename === undefined) throw new CoverageReportInvalid('cobertura <class> has no filename attribute');
          file = builder.file(filename);
          filePath = file.path;
          return;
        }
        case 'line': {
          if (methodDepth > 0 || file === undefined) return;
          const where = () => `cobertura ${filePath} line ${attrs.number ?? '?'}`;
          const line = countOf(attrs.number, () => `${where()}: number`);
          const hits = countOf(attrs.hits, () => `${where()}: hits`);
          builder.line(file, line, hits);
          if ((attrs.branch ?? '').toLowerCase() === 'true') {
            const match = CONDITION_COVERAGE.exec(attrs['condition-coverage'] ?? '');
            if (match === null) return;
            const covered = parseCount(match[1], `${where()}: condition-coverage`);
            const valid = parseCount(match[2], `${where()}: condition-coverage`);
            summaryPair(covered, valid, `${where()}: condition-coverage`);
            const perFile = branchDetail.get(filePath) ?? new Map<number, [number, number]>();
            branchDetail.set(filePath, perFile);
            const before = perFile.get(line);
            perFile.set(line, [Math.max(before?.[0] ?? 0, covered), Math.max(before?.[1] ?? 0, valid)]);
          }
          return;
        }
        default:
          return;
      }
    },
    close(name) {
      if (name === 'method') methodDepth -= 1;
      else if (name === 'class') file = undefined;
    },
  });
  if (!sawRoot) throw new CoverageReportInvalid('cobertura report has no <coverage> root');
  const findings: SummaryFinding[] = [];
  const lines =
    rootLines === undefined
      ? builder.distinctTotals()
      : judgeSummary(
          {
            file: '(report)',
            measure: 'lines',
            summaryField: '<coverage lines-covered/lines-valid>',
            summary: rootLines,
            detailField: 'class-level <line> elements',
            detail: builder.detailTotals(),
          },
          findings,
        );
  let covered = 0;
  let valid = 0;
  for (const perFile of branchDetail.values()) {
    for (const [c, v] of perFile.values()) {
      covered += c;
      valid += v;
    }
  }
  const branches =
    rootBranches === undefined
      ? { covered, valid }
      : judgeSummary(
          {
            file: '(report)',
            measure: 'branches',
            summaryField: '<coverage branches-covered/branches-valid>',
            summary: rootBranches,
            detailField: 'condition-coverage of branch lines',
            detail: { covered, valid },
          },
          findings,
        );
  return builder.build('cobertura', lines, branches, findings);
}
