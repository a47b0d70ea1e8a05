import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { parseReport } from '../../lambdas/coverage-gate/parse-report';
import { REPO_ROOT } from './conformance-paths';

/** Parses text through an opener, counting how often the report was opened. */
async function parse(text: string, keepLines?: (path: string) => boolean) {
  let opens = 0;
  const report = await parseReport(
    () => {
      opens += 1;
      return Readable.from([Buffer.from(text)]);
    },
    { keepLines },
  );
  return { report, opens };
}

const record = (path: string, body: string[]) => [`SF:${path}`, ...body, 'end_of_record'].join('\n');

describe('LCOV files listed in several records are merged, not summed', () => {
  it('two shards of one file: distinct lines with the highest hits (2/2, not 2/4)', async () => {
    const text = `${record('src/a.ts', ['DA:1,1', 'DA:2,0', 'LF:2', 'LH:1'])}\n${record('src/a.ts', ['DA:1,0', 'DA:2,1', 'LF:2', 'LH:1'])}\n`;
    const { report, opens } = await parse(text, () => true);
    expect(report.lines).toMatchObject({ covered: 2, valid: 2, pct: 100 });
    expect(report.files).toHaveLength(1);
    expect(report.files[0]?.lines).toEqual({ covered: 2, valid: 2 });
    expect([...(report.files[0]?.hits ?? [])]).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(opens).toBe(2);
  });

  it('./src/a.ts and src/a.ts are the same file; other files keep their LH/LF; one read without repeats', async () => {
    const other = record('src/b.ts', ['DA:1,1', 'DA:2,1', 'DA:2,0', 'LF:2', 'LH:2']);
    const text = [
      record('./src/a.ts', ['DA:1,1', 'DA:2,0', 'DA:3,0', 'LF:3', 'LH:1']),
      other,
      record('src/a.ts', ['DA:2,4', 'DA:4,0', 'LF:2', 'LH:1']),
      '',
    ].join('\n');
    const { report, opens } = await parse(text);
    // a.ts: lines 1-4, covered 1 and 2; b.ts: its own LF/LH.
    expect(report.lines).toMatchObject({ covered: 4, valid: 6 });
    expect(report.files.map((f) => [f.path, f.lines.covered, f.lines.valid])).toEqual([
      ['src/a.ts', 2, 4],
      ['src/b.ts', 2, 2],
    ]);
    expect(opens).toBe(2);
    expect((await parse(`${other}\n`)).opens).toBe(1);
  });

  it('branches of a repeated file merge per BRDA id (line, block, branch); "-" is not taken', async () => {
    const text = [
      record('src/a.ts', ['DA:1,1', 'BRDA:1,0,0,1', 'BRDA:1,0,1,0', 'BRDA:5,0,0,-', 'BRF:3', 'BRH:1']),
      record('src/a.ts', ['DA:1,1', 'BRDA:1,0,0,0', 'BRDA:1,0,1,2', 'BRDA:5,0,0,-', 'BRF:3', 'BRH:1']),
      record('src/c.ts', ['DA:1,1', 'BRF:4', 'BRH:3']),
      '',
    ].join('\n');
    const { report } = await parse(text);
    // a.ts: 3 distinct branches, 2 taken in some shard; c.ts: its BRF/BRH.
    expect(report.branches).toMatchObject({ covered: 5, valid: 7 });
    expect(report.lines).toMatchObject({ covered: 2, valid: 2 });
  });

  it('a stream that can be read once is refused rather than summed when a file repeats', async () => {
    const text = `${record('src/a.ts', ['DA:1,1'])}\n${record('src/a.ts', ['DA:1,0'])}\n`;
    const err = await parseReport(Readable.from([Buffer.from(text)])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect((err as Error).message).toMatch(/lists src\/a\.ts in more than one record/);
  });

  it('a report that cannot be opened again fails with the reason', async () => {
    const text = `${record('src/a.ts', ['DA:1,1'])}\n${record('src/a.ts', ['DA:1,0'])}\n`;
    let opens = 0;
    const err = await parseReport(
      () => {
        opens += 1;
        if (opens > 1) throw new Error('NoSuchKey');
        return Readable.from([Buffer.from(text)]);
      },
      { label: 's3://b/report' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoverageReportInvalid);
    expect((err as Error).message).toMatch(/^s3:\/\/b\/report: .*reading it again failed: NoSuchKey/);
  });
});

const JEST = join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

const MATH_JS = `function sign(n) {
  if (n < 0) {
    return -1;
  }
  if (n > 0) {
    return 1;
  }
  return 0;
}

function half(n) {
  return n > 10 ? n / 2 : n;
}

module.exports = { sign, half };
`;

// Istanbul writes one tracefile per run; CI shards concatenate them. Jest's own figure for running both
// shards' tests together is the union the merged tracefile must give.
describe('sharded jest runs: the concatenated lcov.info matches jest over all tests', () => {
  let dir: string;
  const jest = (name: string, testPathPattern: string) => {
    const run = spawnSync(
      process.execPath,
      [
        JEST,
        '--rootDir',
        dir,
        '--coverage',
        '--coverageReporters=lcovonly',
        '--coverageReporters=json-summary',
        `--coverageDirectory=${join(dir, name)}`,
        '--collectCoverageFrom=src/**/*.js',
        '--testPathPatterns',
        testPathPattern,
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
    );
    if (run.status !== 0) throw new Error(`fixture jest run failed: ${run.stderr}`);
    return join(dir, name);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'coverage-shards-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), '{"name":"fixture","private":true}');
    writeFileSync(join(dir, 'src', 'math.js'), MATH_JS);
    writeFileSync(join(dir, 'src', 'neg.test.js'), "test('neg', () => expect(require('./math').sign(-3)).toBe(-1));\n");
    writeFileSync(join(dir, 'src', 'pos.test.js'), "test('pos', () => expect(require('./math').sign(3)).toBe(1));\n");
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lines and branches', async () => {
    const neg = jest('neg', 'neg');
    const pos = jest('pos', 'pos');
    const all = jest('all', 'test');
    const concatenated = readFileSync(join(neg, 'lcov.info'), 'utf8') + readFileSync(join(pos, 'lcov.info'), 'utf8');
    const totals = JSON.parse(readFileSync(join(all, 'coverage-summary.json'), 'utf8')).total;
    // Each shard alone covers less than both together, so a summing parser would be caught.
    const shard = JSON.parse(readFileSync(join(neg, 'coverage-summary.json'), 'utf8')).total;
    expect(shard.lines.covered).toBeLessThan(totals.lines.covered);
    expect(totals.lines.covered).toBeLessThan(totals.lines.total);
    const { report, opens } = await parse(concatenated);
    expect(opens).toBe(2);
    expect(report.lines).toMatchObject({ covered: totals.lines.covered, valid: totals.lines.total });
    expect(report.branches).toMatchObject({ covered: totals.branches.covered, valid: totals.branches.total });
  }, 60_000);
});
