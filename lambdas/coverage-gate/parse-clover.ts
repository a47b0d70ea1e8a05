import type { Readable } from 'node:stream';
import type { CoverageReport, ParseOptions } from './coverage-types';
import { CoverageReportInvalid } from './errors';
import { countOf, optionalCount } from './parse-count';
import { ReportBuilder } from './report-builder';
import { judgeSummary, type SummaryFinding } from './summary-check';
import { streamXml } from './xml-stream';

type Pair = { covered: number; valid: number };

/**
 * Clover XML (OpenClover, istanbul, PHPUnit, ReportGenerator). Totals come from the `<metrics>` of
 * `<project>` (statements as lines, conditionals as branches); `<testproject>` is ignored. Without
 * project metrics, from the `stmt`/`cond` `<line>`s. Metrics that disagree with those lines are judged by
 * `judgeSummary` (kept and reported, or replaced by the lines when impossible).
 */
export async function parseClover(input: Readable, options: ParseOptions = {}): Promise<CoverageReport> {
  const builder = new ReportBuilder(options.keepLines);
  const stack: string[] = [];
  let projectLines: Pair | undefined;
  let projectBranches: Pair | undefined;
  const detail = { lines: { covered: 0, valid: 0 }, branches: { covered: 0, valid: 0 } };
  let inProject = false;
  let file: ReturnType<ReportBuilder['file']> | undefined;

  await streamXml(input, 'clover', {
    open(name, attrs, depth) {
      if (depth === 0 && name !== 'coverage') {
        throw new CoverageReportInvalid(`clover report root is <${name}>, not <coverage>`);
      }
      const parent = stack[stack.length - 1];
      stack.push(name);
      if (name === 'project' && depth === 1) inProject = true;
      if (!inProject) return;
      if (name === 'metrics' && parent === 'project') {
        const st = optionalCount(attrs.statements, 'clover project metrics statements');
        const cst = optionalCount(attrs.coveredstatements, 'clover project metrics coveredstatements');
        const co = optionalCount(attrs.conditionals, 'clover project metrics conditionals');
        const cco = optionalCount(attrs.coveredconditionals, 'clover project metrics coveredconditionals');
        if (st !== undefined && cst !== undefined) projectLines = { covered: cst, valid: st };
        if (co !== undefined && cco !== undefined) projectBranches = { covered: cco, valid: co };
      } else if (name === 'file') {
        const path = attrs.path ?? attrs.name;
        if (path === undefined) throw new CoverageReportInvalid('clover <file> has no path or name attribute');
        file = builder.file(path);
      } else if (name === 'line' && file !== undefined) {
        const path = file.path;
        const where = () => `clover ${path} line ${attrs.num ?? '?'}`;
        const num = countOf(attrs.num, () => `${where()}: num`);
        const type = attrs.type;
        if (type === 'method') return;
        if (type === 'cond') {
          const t = countOf(attrs.truecount ?? '0', () => `${where()}: truecount`);
          const f = countOf(attrs.falsecount ?? '0', () => `${where()}: falsecount`);
          detail.branches.valid += 2;
          detail.branches.covered += (t > 0 ? 1 : 0) + (f > 0 ? 1 : 0);
          const hits = attrs.count === undefined ? t + f : countOf(attrs.count, () => `${where()}: count`);
          builder.line(file, num, hits);
          return;
        }
        const hits = countOf(attrs.count, () => `${where()}: count`);
        detail.lines.valid += 1;
        if (hits > 0) detail.lines.covered += 1;
        builder.line(file, num, hits);
      }
    },
    close(name, depth) {
      stack.pop();
      if (name === 'file') file = undefined;
      else if (name === 'project' && depth === 1) inProject = false;
    },
  });
  const findings: SummaryFinding[] = [];
  const judge = (measure: 'lines' | 'branches', summary: Pair | undefined, field: string, detailField: string) =>
    summary === undefined
      ? detail[measure]
      : judgeSummary(
          { file: '(report)', measure, summaryField: field, summary, detailField, detail: detail[measure] },
          findings,
        );
  const lines = judge('lines', projectLines, '<project><metrics> coveredstatements/statements', 'stmt <line> elements');
  const branches = judge(
    'branches',
    projectBranches,
    '<project><metrics> coveredconditionals/conditionals',
    'cond <line> outcomes (true and false each)',
  );
  return builder.build('clover', lines, branches, findings);
}
