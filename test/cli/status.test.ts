import { statusDocument } from '../../lib/cli/status-document';
import { asSdk, FIXTURE_NAMES, loadFixture } from './support/execution-fixtures';
import { cliEnv, deployctl, oneLine } from './support/run-deployctl';
import { type FixtureServer, startFixtureServer } from './support/sfn-fixture-server';

const MACHINE = loadFixture('happy-full-run').describeExecution.stateMachineArn as string;

describe('deployctl status against stored execution histories (Step Functions JSON protocol)', () => {
  let server: FixtureServer;
  let env: NodeJS.ProcessEnv;
  const status = (...args: string[]) => deployctl(['status', ...args, '--state-machine-arn', MACHINE], env);

  beforeAll(async () => {
    server = await startFixtureServer();
    for (const name of FIXTURE_NAMES) server.add(loadFixture(name));
    server.add(withComputeTypes(loadFixture('happy-full-run')));
    env = cliEnv({
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.calls.splice(0));

  it('--json prints the status document: the same the library builds, with a stable key order', async () => {
    const fixture = loadFixture('parallel-branch-failure');
    const out = await status(fixture.describeExecution.name, '--json');
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const { cost, ...doc } = JSON.parse(out.stdout);
    const { describe, events } = asSdk(fixture);
    expect(doc).toEqual(JSON.parse(JSON.stringify(statusDocument(describe, events, new Date()))));
    expect(Object.keys(JSON.parse(out.stdout))).toEqual(['execution', 'run', 'failure', 'stages', 'summaries', 'cost']);
    expect(Object.keys(cost)).toEqual(['totalUsd', 'display', 'soFar', 'lines']);
    expect(Object.keys(doc.execution)).toEqual([
      'name',
      'arn',
      'stateMachineArn',
      'status',
      'startedAt',
      'stoppedAt',
      'durationSeconds',
      'error',
      'cause',
      'redriveCount',
      'redriveStatus',
      'consoleUrl',
    ]);
    expect(Object.keys(doc.stages[0])).toEqual([
      'name',
      'status',
      'startedAt',
      'stoppedAt',
      'durationSeconds',
      'attempts',
      'error',
      'cause',
      'note',
    ]);
    expect(Object.keys(doc.summaries)).toEqual(['coverage', 'plan', 'scan']);
  });

  it('reads every page of a multi-page history, passing each nextToken back unchanged', async () => {
    const fixture = loadFixture('multi-page-task-timeout');
    const out = await status(fixture.describeExecution.name, '--json');
    expect(out.code).toBe(0);
    const history = server.calls.filter((c) => c.operation === 'GetExecutionHistory');
    expect(history.map((c) => c.body.nextToken)).toEqual([
      undefined,
      fixture.historyPages[0]?.nextToken,
      fixture.historyPages[1]?.nextToken,
    ]);
    for (const call of history)
      expect(call.body).toMatchObject({ executionArn: fixture.describeExecution.executionArn, maxResults: 1000 });
    const doc = JSON.parse(out.stdout);
    expect(doc.stages.find((s: { name: string }) => s.name === 'HelmDeploy')).toMatchObject({ status: 'timed-out' });
    expect(doc.stages.find((s: { name: string }) => s.name === 'RunTests')).toMatchObject({ attempts: 2 });
  });

  it('the table: header, run, failure with its whole cause, one row per stage, summaries, console link (local time)', async () => {
    const fixture = loadFixture('parallel-branch-failure');
    const out = await status(fixture.describeExecution.name);
    expect(out.code).toBe(0);
    const text = out.stdout;
    expect(text).toMatch(/^orders-api-prod-2b3c4d5-05a6dff2a9ce {2}FAILED {2}6m 16s$/m);
    expect(text).toMatch(/^ {2}orders-api → prod {2}commit 2b3c4d5 \(main\), push by Jane Doe$/m);
    // June in Europe/Berlin is UTC+2.
    expect(text).toMatch(/^ {2}started 2025-06-03 12:00:00 \+02:00, stopped 2025-06-03 12:06:16 \+02:00$/m);
    expect(text).toMatch(/^Failed in CoverageGate: CoverageBelowThreshold$/m);
    expect(text).toMatch(/^ {2}- minLinePct: line coverage 71\.43% \(1020\/1428 lines\) < required 80\.00%$/m);
    expect(text).toMatch(/│ stage +│ status +│ started +│ duration +│ detail +│/);
    expect(text).toMatch(
      /│ CoverageGate +│ failed +│ 12:06:13 │ 2s +│ CoverageBelowThreshold: Coverage gate failed for orders-api\/pro… │/,
    );
    expect(text).toMatch(/│ BuildImage +│ aborted +│ 12:00:01 │ 6m 15s +│ +│/);
    expect(text).toMatch(/^Coverage: failed: minLinePct: line coverage 71\.43%/m);
    expect(text).toMatch(/^Plan: {5}1 to add, 2 to change, 1 to destroy \(1 replaced\): passed$/m);
    expect(text).toMatch(
      /^Console: {2}https:\/\/eu-west-1\.console\.aws\.amazon\.com\/states\/home\?region=eu-west-1#\/v2\/executions\/details\/arn:aws:states:/m,
    );
    // Not a terminal: no escape codes.
    expect(text).not.toContain('\u001b[');
  });

  it('the run’s cost: transitions from its history, each build by the compute type its Build document names', async () => {
    const fixture = withComputeTypes(loadFixture('happy-full-run'));
    const json = JSON.parse((await status(fixture.describeExecution.name, '--json')).stdout);
    const states = fixture.historyPages.flatMap((p) => p.events).filter((e) => String(e.type).endsWith('StateEntered'));
    expect(json.cost.soFar).toBe(false);
    expect(json.cost.lines[0]).toMatchObject({ kind: 'transitions', quantity: states.length });
    const builds = json.cost.lines
      .filter((l: { kind: string }) => l.kind === 'codebuild')
      .map((l: { item: string }) => l.item);
    expect(builds).toHaveLength(5);
    expect(builds.find((b: string) => b.startsWith('TerraformPlan'))).toMatch(/ min on lambda-2gb$/);
    expect(builds.find((b: string) => b.startsWith('BuildImage'))).toMatch(/ min on ec2-medium$/);
    expect(json.cost.totalUsd).toBeGreaterThan(0);
    const text = (await status(fixture.describeExecution.name)).stdout;
    expect(text).toMatch(
      new RegExp(
        `^Cost: {5}\\${json.cost.display} at us-east-1 list prices \\(${states.length} state transitions; `,
        'm',
      ),
    );
    // Without a compute type in the Build document, the build is priced as ec2-small and says so.
    const plain = JSON.parse((await status(loadFixture('happy-full-run').describeExecution.name, '--json')).stdout);
    expect(plain.cost.lines[1].item).toMatch(/ on unknown compute \(priced as ec2-small\)$/);
  });

  it('--utc shows times in UTC', async () => {
    const out = await status(loadFixture('happy-full-run').describeExecution.name, '--utc');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^ {2}started 2025-06-03 09:00:00 UTC, stopped 2025-06-03 09:11:59 UTC$/m);
    expect(out.stdout).toMatch(/│ HelmDeploy +│ succeeded │ 09:10:20 │ 1m 37s +│/);
    expect(out.stdout).toMatch(
      /^Coverage: lines 86\.11% \(1234\/1433\), branches 71\.91% \(402\/559\), new code 87\.14% \(61\/70\): passed$/m,
    );
  });

  it.each([
    ['execution-timeout', /^Timed out in TerraformApply: States\.Timeout$/m, /│ TerraformApply +│ timed-out │/],
    [
      'aborted',
      /^Stopped during BuildImage: Stopped$/m,
      /│ TerraformPlan +│ skipped +│ - +│ - +│ no infrastructure change +│/,
    ],
    [
      'run-settings-unavailable',
      /^Failed in LoadRunSettings: RunSettingsUnavailable$/m,
      /│ LoadRunSettings │ failed +│/,
    ],
    [
      'apply-build-failed',
      /^Failed in TerraformApply: TerraformApplyFailed$/m,
      /^ {2}States\.TaskFailed: build \S+ FAILED in phase BUILD \(COMMAND_EXECUTION_ERROR:/m,
    ],
    [
      'multi-page-task-timeout',
      /^Failed in HelmDeploy: HelmDeployFailed$/m,
      /│ RunTests +│ succeeded │ \S+ │ 6m 22s +│ 2 attempts +│/,
    ],
  ])('%s reads as what happened', async (name, heading, detail) => {
    const out = await status(loadFixture(name).describeExecution.name);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(heading);
    expect(out.stdout).toMatch(detail);
  });

  it('latest picks the newest run of the service and environment; an execution ARN works as is', async () => {
    const latest = await status('latest', '--service', 'orders-api', '--env', 'prod', '--json');
    expect(latest.code).toBe(0);
    expect(JSON.parse(latest.stdout).execution.name).toBe(loadFixture('apply-build-failed').describeExecution.name);
    const staging = await status('latest', '--env', 'staging', '--json');
    expect(JSON.parse(staging.stdout).execution.name).toBe(
      loadFixture('run-settings-unavailable').describeExecution.name,
    );
    const arn = loadFixture('aborted').describeExecution.executionArn;
    const byArn = await deployctl(['status', arn, '--json'], env);
    expect(byArn.code).toBe(0);
    expect(JSON.parse(byArn.stdout).execution.status).toBe('ABORTED');
  });

  it.each([
    [
      ['orders-api-prod-0000000-000000000000'],
      /^deployctl: no execution "orders-api-prod-0000000-000000000000" \(arn:aws:states:eu-west-1:\S+\): list recent runs with "deployctl history"$/,
    ],
    [['latest', '--env', 'qa'], /^deployctl: no runs of environment qa in arn:aws:states:/],
    [['not a name'], /^deployctl: "not a name" is neither "latest", an execution name/],
    [
      ['arn:aws:states:eu-west-1:123456789012:stateMachine:x'],
      /^deployctl: "arn:aws:states:eu-west-1:123456789012:stateMachine:x" is not an execution ARN/,
    ],
    [
      ['latest', '--service', 'Orders'],
      /^deployctl: option '--service <name>' argument 'Orders' is invalid\. "Orders" is not a service name/,
    ],
    [[], /^deployctl: missing required argument 'execution'$/],
  ])('exit 2 with one line on stderr: %j', async (args, message) => {
    const out = await status(...args);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(oneLine(out.stderr)).toMatch(message);
  });

  it('a malformed --state-machine-arn is refused before any call', async () => {
    const out = await deployctl(
      ['status', 'latest', '--state-machine-arn', 'arn:aws:sns:eu-west-1:123456789012:x'],
      env,
    );
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toMatch(/^deployctl: --state-machine-arn must be arn:<partition>:states:/);
    expect(server.calls).toEqual([]);
  });
});

/**
 * The fixture as a run whose builds name their compute (`Build.Environment`, as CodeBuild's BatchGetBuilds
 * returns it): the plan on Lambda compute, the image build on EC2 medium, the rest on EC2 small. A new
 * execution name and ARN, so it is served beside the original.
 */
function withComputeTypes(original: ReturnType<typeof loadFixture>): ReturnType<typeof loadFixture> {
  const fixture = structuredClone(original);
  const rename = (text: string) => text.replace(/838c3c5ef1d7/g, '838c3c5ef1d8');
  fixture.describeExecution.executionArn = rename(fixture.describeExecution.executionArn);
  fixture.describeExecution.name = rename(fixture.describeExecution.name);
  for (const event of fixture.historyPages.flatMap((p) => p.events)) {
    const details = event.taskSucceededEventDetails as { resourceType?: string; output?: string } | undefined;
    if (details?.resourceType !== 'codebuild' || details.output === undefined) continue;
    const document = JSON.parse(details.output) as { Build: Record<string, unknown> };
    const project = String(document.Build.ProjectName);
    document.Build.Environment = project.startsWith('TerraformPlan')
      ? { Type: 'LINUX_LAMBDA_CONTAINER', ComputeType: 'BUILD_LAMBDA_2GB' }
      : {
          Type: 'LINUX_CONTAINER',
          ComputeType: project.startsWith('BuildImage') ? 'BUILD_GENERAL1_MEDIUM' : 'BUILD_GENERAL1_SMALL',
        };
    details.output = JSON.stringify(document);
  }
  return fixture;
}
