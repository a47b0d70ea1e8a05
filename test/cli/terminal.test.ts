import { describeWithTools } from '../support/real-tool';
import { loadFixture } from './support/execution-fixtures';
import { cliEnv, deployctl, REPO_ROOT } from './support/run-deployctl';
import { type FixtureServer, startFixtureServer } from './support/sfn-fixture-server';

const ESC = '\u001b[';

/** Runs deployctl on a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv) {
  const command = ['node', 'bin/deployctl.js', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return deployctl([], env, REPO_ROOT, ['script', '-qfec', command, '/dev/null']);
}

describeWithTools(['script'], 'on a terminal: colour unless NO_COLOR, and watch redraws in place', () => {
  let server: FixtureServer;
  let env: NodeJS.ProcessEnv;
  const failed = loadFixture('parallel-branch-failure');
  const machine = failed.describeExecution.stateMachineArn as string;

  beforeAll(async () => {
    server = await startFixtureServer();
    server.add(failed);
    env = cliEnv({ AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });
  afterAll(() => server.stop());

  it('status paints statuses and headings on a TTY', async () => {
    const out = await onTerminal(['status', failed.describeExecution.name, '--state-machine-arn', machine], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`${ESC}31mFAILED${ESC}39m`);
    expect(out.stdout).toContain(`${ESC}32msucceeded${ESC}39m`);
    expect(out.stdout).toContain(`${ESC}1mstage${ESC}22m`);
  });

  it('NO_COLOR (any non-empty value) turns colour off on a TTY', async () => {
    const out = await onTerminal(['status', failed.describeExecution.name, '--state-machine-arn', machine], {
      ...env,
      NO_COLOR: '1',
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/FAILED/);
    expect(out.stdout).not.toContain(ESC);
  });

  it('watch on a TTY clears the screen and draws the whole status', async () => {
    const out = await onTerminal(['watch', failed.describeExecution.executionArn, '--interval', '0.1'], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`${ESC}H${ESC}2J`);
    expect(out.stdout).toMatch(/Failed in CoverageGate: CoverageBelowThreshold/);
  });
});
