import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoverageReport } from '../../lambdas/coverage-gate/coverage-types';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';
import { describeWithTools } from '../support/real-tool';
import { REPO_ROOT } from './conformance-paths';

const JEST = join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

// Two statements on one line, so istanbul's line and statement totals differ: every istanbul format
// carries the line totals (its Clover writer puts them in `statements`), and a parser that counted
// statements instead would be caught.
const CALC_JS = `function classify(n) {
  if (n < 0) {
    return 'negative';
  } else if (n === 0) {
    return 'zero';
  }
  const big = n > 100; const label = big ? 'large' : 'small';
  return label;
}

function unused(a, b) {
  const sum = a + b;
  if (sum > 10 && a > 0) {
    return sum * 2;
  }
  return sum;
}

module.exports = { classify, unused };
`;

const CALC_TEST_JS = `const { classify } = require('./calc');
test('classify', () => {
  expect(classify(5)).toBe('small');
  expect(classify(-1)).toBe('negative');
});
`;

interface IstanbulTotals {
  lines: { total: number; covered: number };
  statements: { total: number; covered: number };
  branches: { total: number; covered: number };
}

async function parseFile(path: string): Promise<CoverageReport> {
  return parseReport(createReadStream(path));
}

function expectCounts(
  actual: { covered: number; valid: number; pct: number } | null,
  expected: { total: number; covered: number },
) {
  expect(actual).not.toBeNull();
  expect(actual?.covered).toBe(expected.covered);
  expect(actual?.valid).toBe(expected.total);
  expect(actual?.pct).toBeCloseTo((expected.covered * 100) / expected.total, 9);
}

describe.each(['babel', 'v8'])('jest --coverageProvider=%s reports match its own coverage-summary.json', (provider) => {
  let dir: string;
  let totals: IstanbulTotals;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `coverage-jest-${provider}-`));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), '{"name":"fixture","private":true}');
    writeFileSync(join(dir, 'src', 'calc.js'), CALC_JS);
    writeFileSync(join(dir, 'src', 'calc.test.js'), CALC_TEST_JS);
    const run = spawnSync(
      process.execPath,
      [
        JEST,
        '--rootDir',
        dir,
        '--coverage',
        `--coverageProvider=${provider}`,
        '--coverageReporters=cobertura',
        '--coverageReporters=lcovonly',
        '--coverageReporters=clover',
        '--coverageReporters=json-summary',
        `--coverageDirectory=${join(dir, 'coverage')}`,
        '--collectCoverageFrom=src/**/*.js',
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
    );
    if (run.status !== 0) throw new Error(`fixture jest run failed: ${run.stderr}`);
    totals = JSON.parse(readFileSync(join(dir, 'coverage', 'coverage-summary.json'), 'utf8')).total;
    // A fixture that is fully covered or not covered at all would not tell counting errors apart.
    expect(totals.lines.covered).toBeGreaterThan(0);
    expect(totals.lines.covered).toBeLessThan(totals.lines.total);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('cobertura: lines and branches', async () => {
    const report = await parseFile(join(dir, 'coverage', 'cobertura-coverage.xml'));
    expect(report.format).toBe('cobertura');
    expectCounts(report.lines, totals.lines);
    expectCounts(report.branches, totals.branches);
  });

  it('lcov: lines and branches', async () => {
    const report = await parseFile(join(dir, 'coverage', 'lcov.info'));
    expect(report.format).toBe('lcov');
    expect(report.findings).toEqual([]);
    expectCounts(report.lines, totals.lines);
    expectCounts(report.branches, totals.branches);
  });

  it('clover: lines and branches', async () => {
    const report = await parseFile(join(dir, 'coverage', 'clover.xml'));
    expect(report.format).toBe('clover');
    // The v8 provider has no statement map (statements = lines); babel's does.
    if (provider === 'babel') expect(totals.statements.total).not.toBe(totals.lines.total);
    expectCounts(report.lines, totals.lines);
    expectCounts(report.branches, totals.branches);
  });
});

describeWithTools(['coverage'], 'coverage.py reports match its own JSON totals', () => {
  let dir: string;
  let totals: { covered_lines: number; num_statements: number; covered_branches: number; num_branches: number };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'coverage-py-'));
    writeFileSync(
      join(dir, 'shapes.py'),
      [
        'def area(kind, size):',
        '    if kind == "square":',
        '        return size * size',
        '    elif kind == "circle":',
        '        return 3.14159 * size * size',
        '    raise ValueError(kind)',
        '',
        '',
        'def total_above(values, floor):',
        '    total = 0',
        '    for v in values:',
        '        if v > floor:',
        '            total += v',
        '    return total',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'main.py'), 'import shapes\nshapes.area("square", 2)\nshapes.total_above([1, 2], 10)\n');
    for (const args of [
      ['run', '--branch', 'main.py'],
      ['xml', '-q', '-o', 'coverage.xml'],
      ['lcov', '-q', '-o', 'coverage.info'],
      ['json', '-q', '-o', 'coverage.json'],
    ]) {
      const run = spawnSync('coverage', args, { cwd: dir, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`coverage ${args.join(' ')} failed: ${run.stderr}`);
    }
    totals = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')).totals;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['coverage.xml', 'coverage.info'])('%s', async (file) => {
    const report = await parseFile(join(dir, file));
    expect(report.format).toBe(file.endsWith('.xml') ? 'cobertura' : 'lcov');
    // coverage.py 7.2.2 and later write summaries that agree with their detail: nothing to report.
    expect(report.findings).toEqual([]);
    expectCounts(report.lines, { covered: totals.covered_lines, total: totals.num_statements });
    expectCounts(report.branches, { covered: totals.covered_branches, total: totals.num_branches });
  });
});
