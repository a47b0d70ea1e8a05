import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { COVERAGE_FORMATS, type CoverageFormat } from '../../../lambdas/coverage-gate/coverage-types';
import { CoverageReportInvalid } from '../../../lambdas/coverage-gate/errors';
import { evaluatePolicy, formatPct } from '../../../lambdas/coverage-gate/evaluate-policy';
import { findingLines } from '../../../lambdas/coverage-gate/gate-summary';
import { parseReport } from '../../../lambdas/coverage-gate/parse-report';
import { DEFAULT_MIN_LINE_PCT } from '../../contracts/pipeline-config';

interface CoverageOptions {
  format: CoverageFormat | 'auto';
  threshold: number;
  json?: boolean;
}

// Plain decimal only: Number() would also take "0x50", "1e1" and " 80 ".
const DECIMAL = /^\d+(\.\d+)?$/;

function parseThreshold(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || n > 100) {
    throw new InvalidArgumentError(
      `threshold must be a number from 0 to 100, got "${value}" (digits with an optional decimal point, e.g. 80 or 72.5)`,
    );
  }
  return n;
}

/**
 * `deployctl coverage <report>`: the gate's parser and line rule on a local file.
 * Exit 0 at or above the threshold, 1 below it, 2 when the file or arguments are unusable.
 */
export function register(program: Command): void {
  program
    .command('coverage')
    .description('Check a coverage report (Cobertura, LCOV, JaCoCo, Clover, Go) against a line threshold')
    .argument('<report>', 'path of the coverage report')
    .addOption(new Option('--format <format>', 'report format').choices(['auto', ...COVERAGE_FORMATS]).default('auto'))
    .option('--threshold <pct>', 'minimum line coverage in percent (0-100)', parseThreshold, DEFAULT_MIN_LINE_PCT)
    .option('--json', 'print the result as JSON')
    .action(async (reportPath: string, options: CoverageOptions) => {
      await checkCoverage(reportPath, options);
    });
}

async function checkCoverage(reportPath: string, options: CoverageOptions): Promise<void> {
  const info = await stat(reportPath).catch(() => undefined);
  if (info === undefined) throw new Error(`coverage report not found: ${reportPath}`);
  if (!info.isFile()) throw new Error(`coverage report is not a file: ${reportPath}`);
  let report: Awaited<ReturnType<typeof parseReport>>;
  try {
    // A function, so an LCOV report that repeats a file can be read a second time to merge it.
    report = await parseReport(() => createReadStream(reportPath), { format: options.format, label: reportPath });
  } catch (err) {
    // bin/deployctl.ts prints the message and exits 2: an unreadable report is unusable input.
    if (err instanceof CoverageReportInvalid) throw new Error(err.message);
    throw err;
  }
  const verdict = evaluatePolicy(
    { lines: report.lines, branches: report.branches, newCode: null, baseline: null },
    { minLinePct: options.threshold },
  );
  if (options.json) {
    const out = {
      format: report.format,
      lines: report.lines,
      branches: report.branches,
      files: report.files.length,
      passed: verdict.passed,
      // Summaries that disagree with their detail, each with both figures and the one used.
      findings: report.findings,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const rows: [string, string, string][] = [
      ['lines', formatPct(report.lines.pct), `${report.lines.covered}/${report.lines.valid}`],
      [
        'branches',
        report.branches ? formatPct(report.branches.pct) : 'n/a',
        report.branches ? `${report.branches.covered}/${report.branches.valid}` : 'no branch data',
      ],
    ];
    const lines = [
      `${reportPath} (${report.format}, ${report.files.length} files)`,
      ...rows.map(([name, pct, detail]) => `  ${name.padEnd(9)} ${pct.padStart(7)}  ${detail}`),
      ...(report.findings.length === 0
        ? []
        : [
            'Report summaries that disagree with their detail:',
            ...findingLines(report.findings.slice(0, 10), report.findings.length),
          ]),
      verdict.passed
        ? `PASS: line coverage ${formatPct(report.lines.pct)} >= ${formatPct(options.threshold)}`
        : `FAIL: line coverage ${formatPct(report.lines.pct)} < ${formatPct(options.threshold)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!verdict.passed) process.exitCode = 1;
}
