import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { counts } from '../../lambdas/coverage-gate/coverage-types';
import { CoverageReportInvalid } from '../../lambdas/coverage-gate/errors';
import { newCodeCoverage } from '../../lambdas/coverage-gate/new-code';
import { parseDiff } from '../../lambdas/coverage-gate/parse-diff';

const asObject = (m: Map<string, Set<number>>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));

const numbered = (n: number, edit: (i: number) => string | undefined = () => undefined) =>
  Array.from({ length: n }, (_, i) => edit(i + 1) ?? `line ${i + 1}`).join('\n');

describe('parseDiff on real `git diff -U0` output', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'coverage-diff-'));
    git('init', '-q');
    writeFileSync(join(repo, 'edit.ts'), `${numbered(20)}\n`);
    writeFileSync(join(repo, 'gone.ts'), `${numbered(5)}\n`);
    writeFileSync(join(repo, 'moved.ts'), `${numbered(30)}\n`);
    writeFileSync(join(repo, 'renamed-only.ts'), `${numbered(30)}\n`);
    writeFileSync(join(repo, 'eof.ts'), numbered(3));
    writeFileSync(join(repo, 'weird.ts'), `${numbered(3)}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', 'before');
    // Lines 3 and 10-11 changed, 15 deleted, two lines added after 20.
    writeFileSync(
      join(repo, 'edit.ts'),
      `${numbered(20, (i) => (i === 3 ? 'changed 3' : i === 10 || i === 11 ? `changed ${i}` : undefined))
        .split('\n')
        .filter((_, idx) => idx !== 14)
        .join('\n')}\nadded a\nadded b\n`,
    );
    unlinkSync(join(repo, 'gone.ts'));
    mkdirSync(join(repo, 'src'));
    git('mv', 'moved.ts', 'src/moved.ts');
    writeFileSync(join(repo, 'src', 'moved.ts'), `${numbered(30, (i) => (i === 7 ? 'changed 7' : undefined))}\n`);
    git('mv', 'renamed-only.ts', 'src/renamed-only.ts');
    // Last line gains a newline and a new line (no-newline marker in the diff).
    writeFileSync(join(repo, 'eof.ts'), `${numbered(3)}\nline 4`);
    // An added line whose text looks like a file header must stay a body line.
    writeFileSync(join(repo, 'weird.ts'), `${numbered(3)}\n++ b/not-a-file.ts\n-- a/nope\n`);
    writeFileSync(join(repo, 'new file.ts'), 'x\ny\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'after');
  });

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('gives the changed lines of the new version of each file', () => {
    const diff = git('diff', '-U0', '--no-color', '--src-prefix=a/', '--dst-prefix=b/', 'HEAD~1..HEAD');
    expect(diff).toContain('\\ No newline at end of file');
    expect(diff).toContain('rename from renamed-only.ts');
    expect(asObject(parseDiff(diff))).toEqual({
      'edit.ts': [3, 10, 11, 20, 21],
      'src/moved.ts': [7],
      'eof.ts': [3, 4],
      'weird.ts': [4, 5],
      'new file.ts': [1, 2],
    });
  });
});

describe('parseDiff edge cases', () => {
  it('CRLF output, quoted paths and omitted hunk counts', () => {
    const diff = [
      'diff --git "a/caf\\303\\251.ts" "b/caf\\303\\251.ts"',
      '--- "a/caf\\303\\251.ts"',
      '+++ "b/caf\\303\\251.ts"',
      '@@ -2 +2 @@',
      '-old',
      '+new',
      '',
    ].join('\r\n');
    expect(asObject(parseDiff(diff))).toEqual({ 'café.ts': [2] });
  });

  it('a pure deletion hunk (+c,0) adds no line', () => {
    const diff = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -4,2 +3,0 @@\n-a\n-b\n';
    expect(parseDiff(diff).size).toBe(0);
  });

  it('empty diff -> no changed file; garbage hunks -> CoverageReportInvalid', () => {
    expect(parseDiff('').size).toBe(0);
    expect(() => parseDiff('@@ -1 +1 @@\n-a\n+b\n')).toThrow(CoverageReportInvalid);
    expect(() => parseDiff('+++ b/x.ts\n@@ -1,3 +1,3 @@\n-a\n')).toThrow(/hunk ends early/);
  });
});

describe('newCodeCoverage', () => {
  const report = {
    format: 'lcov' as const,
    lines: counts(3, 6),
    branches: null,
    findings: [],
    files: [
      // Absolute path from the build machine; the diff has repository paths.
      {
        path: '/codebuild/src/app/src/a.ts',
        lines: { covered: 2, valid: 3 },
        hits: new Map([
          [1, 1],
          [2, 0],
          [3, 5],
        ]),
      },
      // Relative to the service folder (app/) while the diff is relative to the repository.
      {
        path: 'src/b.ts',
        lines: { covered: 1, valid: 3 },
        hits: new Map([
          [1, 0],
          [2, 0],
          [3, 1],
        ]),
      },
    ],
  };

  it('counts changed lines the report lists, matching paths on whole trailing segments', () => {
    const changed = new Map([
      ['app/src/a.ts', new Set([1, 2, 9])],
      ['app/src/b.ts', new Set([1, 2, 3])],
      ['README.md', new Set([1])],
      ['app/src/xa.ts', new Set([1])],
    ]);
    const result = newCodeCoverage(report, changed);
    expect(result.total).toEqual(counts(2, 5));
    expect(result.files.map((f) => [f.path, f.covered, f.valid])).toEqual([
      ['app/src/b.ts', 1, 3],
      ['app/src/a.ts', 1, 2],
    ]);
  });

  it('measures a changed file against one report file: the exact path, else the longest trailing match', () => {
    const file = (path: string, hits: number) => ({
      path,
      lines: { covered: hits > 0 ? 3 : 0, valid: 3 },
      hits: new Map([1, 2, 3].map((line) => [line, hits])),
    });
    const changed = new Map([['app/src/index.ts', new Set([1, 2, 3])]]);
    const twoCandidates = { ...report, files: [file('index.ts', 0), file('src/index.ts', 5)] };
    expect(newCodeCoverage(twoCandidates, changed).total).toEqual(counts(3, 3));
    // Report order does not matter, and a longer absolute path beats a shorter suffix.
    const absolute = { ...report, files: [file('/ci/repo/app/src/index.ts', 5), file('src/index.ts', 0)] };
    expect(newCodeCoverage(absolute, changed).total).toEqual(counts(3, 3));
    const exact = { ...report, files: [file('/ci/x/app/src/index.ts', 0), file('app/src/index.ts', 1)] };
    expect(newCodeCoverage(exact, changed).files).toEqual([{ path: 'app/src/index.ts', ...counts(3, 3) }]);
  });

  it('changes only to uncoverable lines give 0 valid', () => {
    expect(newCodeCoverage(report, new Map([['app/src/a.ts', new Set([40])]])).total.valid).toBe(0);
  });
});
