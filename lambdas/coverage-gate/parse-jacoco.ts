import type { Readable } from 'node:stream';
import type { CoverageReport, ParseOptions } from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { countOf, parseCount } from './parse-count';
import { ReportBuilder } from './report-builder';
import { judgeSummary, type SummaryFinding } from './summary-check';
import { streamXml } from './xml-stream';

type Pair = { covered: number; valid: number };

/**
 * JaCoCo XML. Totals come from the `LINE` and `BRANCH` counters that are direct children of `<report>`;
 * without them, from the `<sourcefile>` counters. Files are `<package name>/<sourcefile name>`. Counters
 * that disagree with the `<line>` elements (`ci`, `mb`/`cb`) are judged by `judgeSummary`.
 */
export async function parseJacoco(input: Readable, options: ParseOptions = {}): Promise<CoverageReport> {
  const builder = new ReportBuilder(options.keepLines);
  const stack: string[] = [];
  let reportLines: Pair | undefined;
  let reportBranches: Pair | undefined;
  const sum = { lines: { covered: 0, valid: 0 }, branches: { covered: 0, valid: 0 }, sawBranch: false };
  // Branches of the <line> elements (mb missed, cb covered), the detail the BRANCH counters summarize.
  const lineBranches = { covered: 0, valid: 0 };
  let pkg = '';
  let file: ReturnType<ReportBuilder['file']> | undefined;

  await streamXml(input, 'jacoco', {
    open(name, attrs, depth) {
      if (depth === 0 && name !== 'report') {
        throw new CoverageReportInvalid(`jacoco report root is <${name}>, not <report>`);
      }
      const parent = stack[stack.length - 1];
      stack.push(name);
      if (name === 'package') pkg = attrs.name ?? '';
      else if (name === 'sourcefile') {
        const base = attrs.name;
        if (base === undefined) throw new CoverageReportInvalid('jacoco <sourcefile> has no name attribute');
        file = builder.file(pkg === '' ? base : `${pkg}/${base}`);
      } else if (name === 'line' && parent === 'sourcefile' && file !== undefined) {
        const path = file.path;
        const where = () => `jacoco ${path} line ${attrs.nr ?? '?'}`;
        const nr = countOf(attrs.nr, () => `${where()}: nr`);
        countOf(attrs.mi, () => `${where()}: mi`);
        const cb = attrs.cb === undefined ? 0 : countOf(attrs.cb, () => `${where()}: cb`);
        const mb = attrs.mb === undefined ? 0 : countOf(attrs.mb, () => `${where()}: mb`);
        lineBranches.covered += cb;
        lineBranches.valid += cb + mb;
        builder.line(
          file,
          nr,
          countOf(attrs.ci, () => `${where()}: ci`),
        );
      } else if (name === 'counter' && (parent === 'report' || parent === 'sourcefile')) {
        const type = attrs.type;
        if (type !== 'LINE' && type !== 'BRANCH') return;
        const where = `jacoco ${parent} ${type} counter`;
        const covered = parseCount(attrs.covered, `${where}: covered`);
        const missed = parseCount(attrs.missed, `${where}: missed`);
        const pair = { covered, valid: covered + missed };
        if (parent === 'report') {
          if (type === 'LINE') reportLines = pair;
          else reportBranches = pair;
        } else if (type === 'LINE') {
          sum.lines.covered += pair.covered;
          sum.lines.valid += pair.valid;
        } else {
          sum.sawBranch = true;
          sum.branches.covered += pair.covered;
          sum.branches.valid += pair.valid;
        }
      }
    },
    close(name) {
      stack.pop();
      if (name === 'sourcefile') file = undefined;
      else if (name === 'package') pkg = '';
    },
  });
  const findings: SummaryFinding[] = [];
  const lineDetail = builder.detailTotals();
  const lines = judgeSummary(
    {
      file: '(report)',
      measure: 'lines',
      summaryField: reportLines === undefined ? '<sourcefile> LINE counters' : '<report> LINE counter',
      summary: reportLines ?? sum.lines,
      detailField: '<line> elements',
      detail: lineDetail,
    },
    findings,
  );
  // JaCoCo omits a BRANCH counter when there are no branches at all.
  const branchSummary = reportBranches ?? (sum.sawBranch ? sum.branches : null);
  const branches =
    branchSummary === null
      ? null
      : judgeSummary(
          {
            file: '(report)',
            measure: 'branches',
            summaryField: reportBranches === undefined ? '<sourcefile> BRANCH counters' : '<report> BRANCH counter',
            summary: branchSummary,
            detailField: '<line> mb/cb',
            detail: lineBranches,
          },
          findings,
        );
  return builder.build('jacoco', lines, branches, findings);
}
