import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { type ExecutionFixture, loadFixture } from './support/execution-fixtures';
import { clients, createPipelineStack, pushExecution, REGION, sha, start } from './support/moto-pipeline';
import { cliEnv, deployctl, deployctlAsync, oneLine } from './support/run-deployctl';
import { type FixtureServer, startFixtureServer } from './support/sfn-fixture-server';

/** The fixture as it looked while running: its first `events` events, no stop date. */
function runningSnapshot(fixture: ExecutionFixture, events: number): ExecutionFixture {
  const all = fixture.historyPages.flatMap((p) => p.events).slice(0, events);
  const { stopDate: _stop, output: _output, outputDetails: _details, ...describe } = fixture.describeExecution;
  return { ...fixture, describeExecution: { ...describe, status: 'RUNNING' }, historyPages: [{ events: all }] };
}

describe('deployctl watch on stored histories', () => {
  let server: FixtureServer;
  let env: NodeJS.ProcessEnv;
  const happy = loadFixture('happy-full-run');
  const failed = loadFixture('parallel-branch-failure');

  beforeAll(async () => {
    server = await startFixtureServer();
    server.add(runningSnapshot(happy, 26), runningSnapshot(happy, 45), happy);
    server.add(runningSnapshot(failed, 50), failed);
    env = cliEnv({ AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });
  afterAll(() => server.stop());

  it('on a pipe: one line per stage change until the run ends; exit 0 when it succeeded', async () => {
    const out = await deployctl(['watch', happy.describeExecution.executionArn, '--interval', '0.1', '--utc'], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^orders-api-prod-1a2b3c4-838c3c5ef1d7 {2}RUNNING {2}/);
    // Each change once, in the order seen: running first, then the outcome with its duration.
    expect(lines).toContain('09:00:01 RunTests running');
    expect(lines).toContain('09:06:13 RunTests succeeded 6m 12s');
    expect(lines.indexOf('09:00:01 RunTests running')).toBeLessThan(
      lines.indexOf('09:06:13 RunTests succeeded 6m 12s'),
    );
    expect(lines.filter((l) => / RunTests /.test(l))).toHaveLength(2);
    expect(lines).toContain('09:11:59 NotifySucceeded succeeded 0s');
    expect(lines.at(-2)).toBe('SUCCEEDED after 11m 59s');
    expect(lines.at(-1)).toMatch(/^Console: https:\/\/eu-west-1\.console\.aws\.amazon\.com\//);
    // Three DescribeExecution polls: two running snapshots, then the end.
    expect(
      server.calls.filter(
        (c) => c.operation === 'DescribeExecution' && c.body.executionArn === happy.describeExecution.executionArn,
      ),
    ).toHaveLength(3);
  });

  it('exit 1 when the run fails, with the failed stage and error on the last lines', async () => {
    const out = await deployctl(['watch', failed.describeExecution.executionArn, '--interval', '0.1', '--utc'], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /^10:06:16 CoverageGate failed 2s \(CoverageBelowThreshold: Coverage gate failed for orders-api\/pro…\)$/m,
    );
    expect(out.stdout).toMatch(/^10:06:16 BuildImage aborted 6m 15s$/m);
    expect(out.stdout).toMatch(/^FAILED after 6m 16s: CoverageGate CoverageBelowThreshold$/m);
  });

  it('--json: one JSON line per stage change, then the final status document', async () => {
    server.add(runningSnapshot(happy, 30), happy);
    const out = await deployctl(['watch', happy.describeExecution.executionArn, '--interval', '0.1', '--json'], env);
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, -1).every((l) => l.type === 'stage' && typeof l.stage.name === 'string')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: { execution: { status: 'SUCCEEDED' } } });
    expect(Object.keys(lines.at(-1).status)).toEqual(['execution', 'run', 'failure', 'stages', 'summaries']);
  });

  it('--interval must be a number of seconds', async () => {
    const out = await deployctl(['watch', 'latest', '--interval', 'soon'], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe(
      `deployctl: option '--interval <seconds>' argument 'soon' is invalid. --interval must be seconds from 0.1 to 3600, got "soon"`,
    );
  });
});

describeWithTools(['moto_server'], 'deployctl watch against moto_server', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto?.stop());

  it('follows a running execution until it is stopped; exit 1 for ABORTED', async () => {
    const { sfn, cfn } = clients(moto);
    const { stateMachineArn } = await createPipelineStack(cfn);
    const planned = pushExecution('orders-api', 'dev', sha(11));
    const executionArn = await start(sfn, stateMachineArn, planned);
    const env = cliEnv({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    const watch = deployctlAsync(
      ['watch', 'latest', '--service', 'orders-api', '--env', 'dev', '--interval', '0.2'],
      env,
    );
    // Let it see the run running, then stop it the way an operator would.
    await new Promise<void>((resolve) => {
      watch.child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('RUNNING')) resolve();
      });
    });
    await sfn.send(new StopExecutionCommand({ executionArn }));
    const out = await watch.done;
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(new RegExp(`^${planned.name} {2}RUNNING {2}`, 'm'));
    expect(out.stdout).toMatch(/^ABORTED after \d+s$/m);
  });
});
