import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContextDigest } from '../../../lib/local/build-context-digest';
import { BuildImageDriver } from '../../../lib/local/drivers/build-image';
import { LocalBuildFailed } from '../../../lib/local/stage-driver';
import { REPO_ROOT, removeWorkDirs, stageContext } from './context';

afterAll(removeWorkDirs);

/** A copy of the bundled app's build context (app/), without installs. */
function appCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'build-context-')), 'app');
  cpSync(join(REPO_ROOT, 'app'), dir, { recursive: true, filter: (src) => !/[\\/](node_modules|coverage)$/.test(src) });
  return dir;
}

const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
const hasEngine = engine.status === 0 && engine.stdout.trim() !== '';

describe('BuildImage driver', () => {
  test('detects the Docker engine, not the client: simulated here, where only the client is installed', async () => {
    const mode = await new BuildImageDriver({ awsEndpoint: undefined }).detect();
    if (hasEngine) {
      expect(mode.mode).toBe(process.env.AWS_ENDPOINT_URL ? 'simulated' : 'real');
    } else {
      const client = spawnSync('sh', ['-c', 'command -v docker'], { stdio: 'ignore' }).status === 0;
      expect(mode).toEqual({
        mode: 'simulated',
        reason: client
          ? 'no Docker engine: the docker client is installed, but `docker info` reaches no engine'
          : 'no Docker: docker is not installed',
      });
    }
  });

  test('simulated: <repository>@<digest> with the build context digest of APP_PATH', async () => {
    const ctx = stageContext({ environment: { APP_PATH: 'app', ECR_REPOSITORY_URI: 'r.example/sample-service' } });
    const outputs = await new BuildImageDriver().run(ctx, { mode: 'simulated', reason: 'no Docker engine' });
    const digest = buildContextDigest(join(REPO_ROOT, 'app'));
    expect(outputs).toEqual({ IMAGE_URI: `r.example/sample-service@${digest}`, IMAGE_DIGEST: digest });
    expect(ctx.lines.join('\n')).toContain('simulated (no Docker engine)');
  });

  test.each([
    ['defer', { IMAGE_DEFERRED: 'true' }],
    ['fail', undefined],
  ])('scenario repository missing with ON_MISSING_REPOSITORY=%s', async (onMissing, expected) => {
    const ctx = stageContext({
      environment: {
        APP_PATH: 'app',
        ECR_REPOSITORY_URI: 'r.example/sample-service',
        ON_MISSING_REPOSITORY: onMissing,
      },
      scenario: { repository: 'missing' },
    });
    const run = new BuildImageDriver().run(ctx, { mode: 'simulated', reason: 'x' });
    if (expected) await expect(run).resolves.toEqual(expected);
    else
      await expect(run).rejects.toMatchObject({ status: 'FAILED', message: expect.stringContaining('does not exist') });
  });

  test('scenario outcome fail fails the build', async () => {
    const ctx = stageContext({ scenario: { outcome: 'fail' } });
    await expect(new BuildImageDriver().run(ctx, { mode: 'simulated', reason: 'x' })).rejects.toBeInstanceOf(
      LocalBuildFailed,
    );
  });
});

describe('build context digest', () => {
  test('same tree, same digest; a changed, added or executable file changes it', () => {
    const [a, b] = [appCopy(), appCopy()];
    const digest = buildContextDigest(a);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(buildContextDigest(b)).toBe(digest);
    writeFileSync(join(b, 'src', 'extra.ts'), 'export const x = 1;\n');
    const added = buildContextDigest(b);
    expect(added).not.toBe(digest);
    writeFileSync(join(b, 'src', 'extra.ts'), 'export const x = 2;\n');
    expect(buildContextDigest(b)).not.toBe(added);
    const c = appCopy();
    chmodSync(join(c, 'package.json'), 0o755);
    expect(buildContextDigest(c)).not.toBe(digest);
  });

  test('what .dockerignore leaves out does not count, except the Dockerfile, which Docker always reads', () => {
    const base = appCopy();
    const digest = buildContextDigest(base);
    // app/.dockerignore: test, chart, *.md, node_modules, Dockerfile, ...
    writeFileSync(join(base, 'test', 'more.test.ts'), '');
    writeFileSync(join(base, 'NOTES.md'), 'x');
    expect(buildContextDigest(base)).toBe(digest);
    // `*.md` is anchored at the context root, as in Docker: a nested .md file counts.
    writeFileSync(join(base, 'src', 'NOTES.md'), 'x');
    expect(buildContextDigest(base)).not.toBe(digest);
    const other = appCopy();
    writeFileSync(join(other, 'Dockerfile'), '# changed\n', { flag: 'a' });
    expect(buildContextDigest(other)).not.toBe(digest);
  });

  test('exceptions (!) bring files back, the last matching rule deciding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'context-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, '.dockerignore'), '*.md\n!README.md\n');
    writeFileSync(join(dir, 'README.md'), 'a');
    const withReadme = buildContextDigest(dir);
    writeFileSync(join(dir, 'README.md'), 'b');
    const changedReadme = buildContextDigest(dir);
    expect(changedReadme).not.toBe(withReadme);
    writeFileSync(join(dir, 'OTHER.md'), 'b');
    expect(buildContextDigest(dir)).toBe(changedReadme);
  });

  test('a context without a Dockerfile is an error naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'context-'));
    expect(() => buildContextDigest(dir)).toThrow(`${dir} has no Dockerfile`);
  });
});
