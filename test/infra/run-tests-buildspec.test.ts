import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDiff } from '../../lambdas/coverage-gate/parse-diff';
import { readBuildspec } from '../../lib/constructs/build-stage';

const git = (cwd: string, ...args: string[]) => {
  const run = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim();
};

/**
 * Runs the run-tests buildspec's post_build commands in a real git checkout, with an `aws` function
 * that copies uploads into a folder (S3 and CodeBuild cannot run here), and hands the uploaded diff to
 * the coverage gate's own diff parser: the two ends of that contract are checked together.
 */
function postBuild(env: Record<string, string>) {
  const repo = mkdtempSync(join(tmpdir(), 'run-tests-'));
  const uploads = mkdtempSync(join(tmpdir(), 'run-tests-uploads-'));
  git(repo, 'init', '-q');
  mkdirSync(join(repo, 'app', 'src'), { recursive: true });
  writeFileSync(join(repo, 'app', 'src', 'server.ts'), 'a\nb\nc\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'first');
  const before = git(repo, 'rev-parse', 'HEAD');
  writeFileSync(join(repo, 'app', 'src', 'server.ts'), 'a\nB\nc\nd\n');
  git(repo, 'commit', '-qam', 'second');
  const commit = git(repo, 'rev-parse', 'HEAD');
  mkdirSync(join(repo, 'app', 'coverage'));
  writeFileSync(join(repo, 'app', 'coverage', 'cobertura-coverage.xml'), '<coverage/>');

  const spec = readBuildspec('run-tests') as { phases: { post_build: { commands: string[] } } };
  const shim = `aws() { [ "$1 $2" = "s3 cp" ] || return 2; local src="\${@: -2:1}" dst="\${@: -1}"; mkdir -p "$UPLOADS/$(dirname "\${dst#s3://*/}")"; cp "$src" "$UPLOADS/\${dst#s3://*/}"; }`;
  const script = [shim, ...spec.phases.post_build.commands, 'echo "KEYS $COVERAGE_REPORT_KEY $CHANGED_LINES_KEY"'].join(
    '\n',
  );
  const run = spawnSync('bash', ['-c', script], {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      UPLOADS: uploads,
      CODEBUILD_BUILD_SUCCEEDING: '1',
      APP_PATH: 'app',
      COVERAGE_REPORT: 'coverage/cobertura-coverage.xml',
      ARTIFACTS_BUCKET: 'artifacts',
      RUN_PREFIX: 'runs/x/',
      COMMIT: commit,
      BEFORE_COMMIT: before,
      ...env,
    },
  });
  return { run, uploads, keys: /KEYS (\S*) ?(\S*)/.exec(run.stdout)?.slice(1) ?? [] };
}

describe('run-tests buildspec post_build (real git; S3 upload replaced by a copy)', () => {
  test('uploads the report and the changed lines in the form the coverage gate reads', () => {
    const { run, uploads, keys } = postBuild({});
    expect(run.status).toBe(0);
    expect(keys).toEqual(['runs/x/coverage/report', 'runs/x/coverage/changed-lines.diff']);
    expect(readFileSync(join(uploads, 'runs/x/coverage/report'), 'utf8')).toBe('<coverage/>');
    const changed = parseDiff(readFileSync(join(uploads, 'runs/x/coverage/changed-lines.diff'), 'utf8'));
    expect([...(changed.get('app/src/server.ts') ?? [])].sort()).toEqual([2, 4]);
  });

  test('a first push (no parent commit) uploads no diff and exports an empty key', () => {
    const { run, keys } = postBuild({ BEFORE_COMMIT: 'null' });
    expect(run.status).toBe(0);
    expect(keys).toEqual(['runs/x/coverage/report', '']);
  });

  test('failed tests or a missing report fail the build instead of uploading', () => {
    expect(postBuild({ CODEBUILD_BUILD_SUCCEEDING: '0' }).run.status).not.toBe(0);
    expect(postBuild({ COVERAGE_REPORT: 'coverage/missing.xml' }).run.status).not.toBe(0);
  });
});
