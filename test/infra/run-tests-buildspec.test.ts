import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDiff } from '../../lambdas/coverage-gate/parse-diff';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { runBuildspec } from './run-buildspec';

const git = (cwd: string, ...args: string[]) => {
  const run = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim();
};

/** A checkout with two commits of app/src/server.ts: lines 2 and 4 change in the second. */
function checkout() {
  const repo = mkdtempSync(join(tmpdir(), 'run-tests-'));
  git(repo, 'init', '-q');
  mkdirSync(join(repo, 'app', 'src'), { recursive: true });
  writeFileSync(join(repo, 'app', 'src', 'server.ts'), 'a\nb\nc\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'first');
  const before = git(repo, 'rev-parse', 'HEAD');
  writeFileSync(join(repo, 'app', 'src', 'server.ts'), 'a\nB\nc\nd\n');
  git(repo, 'commit', '-qam', 'second');
  return { repo, before, commit: git(repo, 'rev-parse', 'HEAD') };
}

/**
 * Runs the whole run-tests buildspec (and so lib/stages/scripts/run-tests.sh) in a real git checkout. npm and the AWS CLI are shims (no
 * registry or S3 here): `npm ci` records where it ran, the test command writes a report, and
 * `aws s3 cp` copies into a folder. The uploaded diff then goes through the coverage gate's own parser.
 */
function runTests(env: Record<string, string | undefined> = {}) {
  const { repo, before, commit } = checkout();
  const uploads = mkdtempSync(join(tmpdir(), 'run-tests-uploads-'));
  const shims = `
    npm() { echo "npm $* in $(pwd)" >> "$UPLOADS/npm.log"; }
    aws() { [ "$1 $2" = "s3 cp" ] || return 2; local src="\${@: -2:1}" dst="\${@: -1}"; dst="\${dst#s3://*/}";
            [ -z "\${FAIL_UPLOAD:-}" ] || [[ "$dst" != *"$FAIL_UPLOAD" ]] || return 1;
            mkdir -p "$UPLOADS/$(dirname "$dst")"; cp "$src" "$UPLOADS/$dst"; }`;
  const run = runBuildspec('run-tests', ['pre_build', 'build', 'post_build'], {
    cwd: repo,
    shims,
    after: 'echo "KEYS $COVERAGE_REPORT_KEY $CHANGED_LINES_KEY"',
    env: {
      UPLOADS: uploads,
      APP_PATH: 'app',
      TEST_COMMAND: 'mkdir -p coverage && echo "<coverage/>" > coverage/cobertura-coverage.xml',
      COVERAGE_REPORT: 'coverage/cobertura-coverage.xml',
      ARTIFACTS_BUCKET: 'artifacts',
      RUN_PREFIX: 'runs/x/',
      COMMIT: commit,
      BEFORE_COMMIT: before,
      ...env,
    },
  });
  return { run, repo, uploads, keys: /KEYS (\S*) (\S*)/.exec(run.stdout)?.slice(1) ?? [], exported: run.exported };
}

describe('run-tests buildspec (real git and bash; npm and S3 replaced by shims)', () => {
  test('installs and tests in the app, uploads the report and the changed lines the gate reads', () => {
    const { run, repo, uploads, keys, exported } = runTests();
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(join(uploads, 'npm.log'), 'utf8')).toBe(
      `npm ci --no-audit --no-fund in ${join(repo, 'app')}\n`,
    );
    expect(keys).toEqual(['runs/x/coverage/report', 'runs/x/coverage/changed-lines.diff']);
    // Exported (not just set), and what lib/contracts/stage-outputs.ts declares.
    expect(parseStageOutputs('RunTests', exported)).toEqual({
      COVERAGE_REPORT_KEY: 'runs/x/coverage/report',
      CHANGED_LINES_KEY: 'runs/x/coverage/changed-lines.diff',
    });
    expect(readFileSync(join(uploads, 'runs/x/coverage/report'), 'utf8')).toBe('<coverage/>\n');
    const changed = parseDiff(readFileSync(join(uploads, 'runs/x/coverage/changed-lines.diff'), 'utf8'));
    expect([...(changed.get('app/src/server.ts') ?? [])].sort()).toEqual([2, 4]);
  });

  test('a first push (BEFORE_COMMIT unset) uploads no diff and leaves CHANGED_LINES_KEY unset', () => {
    const { run, uploads, exported } = runTests({ BEFORE_COMMIT: undefined });
    expect(run.status).toBe(0);
    expect(exported).toEqual({ COVERAGE_REPORT_KEY: 'runs/x/coverage/report' });
    expect(parseStageOutputs('RunTests', exported)).toEqual({ COVERAGE_REPORT_KEY: 'runs/x/coverage/report' });
    expect(existsSync(join(uploads, 'runs/x/coverage/changed-lines.diff'))).toBe(false);
  });

  test('a parent commit that cannot be fetched means no diff, not a failed build', () => {
    const { run, exported } = runTests({ BEFORE_COMMIT: 'b'.repeat(40) });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`parent commit ${'b'.repeat(40)} is not available`);
    expect(exported).toEqual({ COVERAGE_REPORT_KEY: 'runs/x/coverage/report' });
  });

  test('a failed diff upload fails the build instead of exporting its key', () => {
    const { run, exported } = runTests({ FAIL_UPLOAD: 'changed-lines.diff' });
    expect(run.status).not.toBe(0);
    expect(exported.CHANGED_LINES_KEY).toBeUndefined();
  });

  test('failed tests or a missing report fail the build instead of uploading', () => {
    // The tests write a report and then fail: nothing may be uploaded or exported.
    const failed = runTests({
      TEST_COMMAND: 'mkdir -p coverage && echo "<coverage/>" > coverage/cobertura-coverage.xml && false',
    });
    expect(failed.run.status).not.toBe(0);
    expect(failed.run.stderr).toContain('tests failed: not uploading coverage');
    expect(existsSync(join(failed.uploads, 'runs/x/coverage/report'))).toBe(false);
    expect(failed.exported).toEqual({});
    const missing = runTests({ TEST_COMMAND: 'true' });
    expect(missing.run.status).not.toBe(0);
    expect(missing.run.stderr).toContain('coverage report app/coverage/cobertura-coverage.xml is missing or empty');
  });

  test('the tests run with CI=true, so a suite that needs a missing tool fails instead of skipping', () => {
    const { run } = runTests({
      CI: undefined,
      TEST_COMMAND: '[ "$CI" = true ] && mkdir -p coverage && echo "<coverage/>" > coverage/cobertura-coverage.xml',
    });
    expect(run.status).toBe(0);
  });
});
