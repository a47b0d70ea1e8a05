import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFORMANCE_DIR, REPO_ROOT } from './conformance-paths';

function deployctl(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'deployctl.js'), 'coverage', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const ISTANBUL_LCOV = join(CONFORMANCE_DIR, 'lcov_istanbul_grandlinex-core.info'); // 94.53% lines
const JACOCO = join(CONFORMANCE_DIR, 'jacoco_0.8.3_reportgenerator.xml'); // 68.42% lines

describe('deployctl coverage', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'coverage-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 0 and a small table when at or above the threshold', () => {
    const out = deployctl(ISTANBUL_LCOV, '--threshold', '90');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/lines\s+94\.52%\s+1866\/1974/);
    expect(out.stdout).toMatch(/branches\s+72\.36%\s+529\/731/);
    expect(out.stdout).toMatch(/^PASS/m);
  });

  it('exit 1 below the threshold (default 80)', () => {
    const out = deployctl(JACOCO);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/FAIL: line coverage 68\.42% < 80\.00%/);
  });

  it('--json prints exactly format, lines, branches, files, passed, findings', () => {
    const out = deployctl(JACOCO, '--json', '--threshold', '60');
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(Object.keys(json)).toEqual(['format', 'lines', 'branches', 'files', 'passed', 'findings']);
    expect(json.findings).toEqual([]);
    expect(json).toMatchObject({ format: 'jacoco', lines: { covered: 26, valid: 38 }, files: 7, passed: true });
    expect(Object.keys(json.lines)).toEqual(['covered', 'valid', 'pct']);
    expect(json.branches).toMatchObject({ covered: 1, valid: 4, pct: 25 });
  });

  it('--json with no branch data prints branches: null', () => {
    const out = deployctl(join(CONFORMANCE_DIR, 'lcov_cpp_reportgenerator.info'), '--json');
    expect(JSON.parse(out.stdout).branches).toBeNull();
  });

  it('--format forces a parser', () => {
    expect(deployctl(ISTANBUL_LCOV, '--format', 'lcov', '--json').code).toBe(0);
    const wrong = deployctl(ISTANBUL_LCOV, '--format', 'jacoco');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^deployctl: .*not well-formed XML/m);
  });

  it.each([
    [['no-such-file.xml'], /coverage report not found: no-such-file\.xml/],
    [[ISTANBUL_LCOV, '--threshold', 'abc'], /threshold must be a number from 0 to 100, got "abc"/],
    [[ISTANBUL_LCOV, '--threshold', '101'], /threshold must be a number from 0 to 100/],
    [[ISTANBUL_LCOV, '--threshold', '0x50'], /threshold must be a number from 0 to 100, got "0x50"/],
    [[ISTANBUL_LCOV, '--threshold', '1e1'], /threshold must be a number from 0 to 100, got "1e1"/],
    [[ISTANBUL_LCOV, '--threshold', ' 80 '], /threshold must be a number from 0 to 100, got " 80 "/],
    [[ISTANBUL_LCOV, '--threshold', '-1'], /threshold must be a number from 0 to 100/],
    [[ISTANBUL_LCOV, '--threshold', '80.'], /threshold must be a number from 0 to 100, got "80\."/],
    [[ISTANBUL_LCOV, '--threshold', '100.5'], /threshold must be a number from 0 to 100, got "100\.5"/],
    [[ISTANBUL_LCOV, '--format', 'cov'], /Allowed choices are auto, cobertura, lcov, jacoco, clover, go/],
    [[join(CONFORMANCE_DIR, 'MANIFEST.json')], /not a recognised coverage report/],
    [[], /missing required argument 'report'/],
  ])('exit 2 with a clear message: %j', (args, message) => {
    const out = deployctl(...args);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it('a decimal threshold is read exactly (94.52% passes 94.5 and fails 94.53)', () => {
    expect(deployctl(ISTANBUL_LCOV, '--threshold', '94.5').code).toBe(0);
    expect(deployctl(ISTANBUL_LCOV, '--threshold', '94.53').code).toBe(1);
    expect(deployctl(ISTANBUL_LCOV, '--threshold', '0').code).toBe(0);
  });

  it('an LCOV file listing a file in two records is merged (the file is read a second time)', () => {
    const shards = join(dir, 'shards.info');
    writeFileSync(
      shards,
      'SF:src/a.ts\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\nSF:./src/a.ts\nDA:1,0\nDA:2,1\nLF:2\nLH:1\nend_of_record\n',
    );
    const out = deployctl(shards, '--json');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ lines: { covered: 2, valid: 2, pct: 100 }, files: 1 });
  });

  it('exit 2 for an empty file', () => {
    const empty = join(dir, 'empty.info');
    writeFileSync(empty, '');
    const out = deployctl(empty);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/empty \(0 bytes\)/);
  });
});
