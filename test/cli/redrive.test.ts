import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { redriveRefusal } from '../../lib/cli/redrive-check';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { asSdk, type ExecutionFixture, loadFixture } from './support/execution-fixtures';
import { clients, createPipelineStack, pushExecution, REGION, sha, start } from './support/moto-pipeline';
import { cliEnv, deployctl, oneLine } from './support/run-deployctl';
import { type FixtureServer, startFixtureServer } from './support/sfn-fixture-server';

const DAY = 24 * 60 * 60;

/** The fixture moved in time so that it ended `daysAgo` days before now. */
function endedDaysAgo(
  fixture: ExecutionFixture,
  daysAgo: number,
  extra: Record<string, unknown> = {},
): ExecutionFixture {
  const d = fixture.describeExecution;
  const [startDate, stopDate] = [Number(d.startDate), Number(d.stopDate)];
  const shift = Date.now() / 1000 - daysAgo * DAY - stopDate;
  return {
    ...fixture,
    describeExecution: { ...d, startDate: startDate + shift, stopDate: stopDate + shift, ...extra },
  };
}

describe('redriveRefusal: Step Functions conditions (RedriveExecution API reference), then the newer-run rule', () => {
  const failed = asSdk(loadFixture('parallel-branch-failure')).describe;
  const stoppedAt = failed.stopDate as Date;
  const at = (days: number) => new Date(stoppedAt.getTime() + days * DAY * 1000);

  it('allows a failed run within 14 days of its end, and refuses it after', () => {
    expect(redriveRefusal(failed, at(13.9), null)).toBeNull();
    expect(redriveRefusal(failed, at(14.1), null)).toMatch(
      /ended 14 days ago: Step Functions redrives only executions that ended in the last 14 days/,
    );
  });

  it.each([
    ['RUNNING', /is still running/],
    ['SUCCEEDED', /succeeded: there is nothing to redrive \(to deploy its commit again, use "deployctl run"\)/],
    ['PENDING_REDRIVE', /is already being redriven/],
  ] as const)('refuses a %s run', (status, message) => {
    expect(redriveRefusal({ ...failed, status }, at(1), null)).toMatch(message);
  });

  it("passes on Step Functions' own NOT_REDRIVABLE reason", () => {
    const answer = redriveRefusal(
      { ...failed, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution history event limit exceeded' },
      at(1),
      null,
    );
    expect(answer).toMatch(/cannot be redriven: Execution history event limit exceeded$/);
  });

  it('refuses when a newer run of the same service and environment exists, unless forced', () => {
    const newer = {
      name: 'orders-api-prod-9999999-000000000000',
      executionArn: '',
      status: 'RUNNING',
      startedAt: at(0.5),
      stoppedAt: null,
      run: null,
    };
    expect(redriveRefusal(failed, at(1), newer)).toMatch(
      /a newer run of the same service and environment started since \(orders-api-prod-9999999-000000000000, RUNNING\)/,
    );
    expect(redriveRefusal(failed, at(1), newer, true)).toBeNull();
  });
});

describe('deployctl redrive on stored executions', () => {
  let server: FixtureServer;
  let env: NodeJS.ProcessEnv;
  const machine = loadFixture('happy-full-run').describeExecution.stateMachineArn as string;
  const redrive = (...args: string[]) => deployctl(['redrive', ...args, '--state-machine-arn', machine], env);

  beforeAll(async () => {
    server = await startFixtureServer();
    env = cliEnv({ AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });
  afterAll(() => server.stop());
  beforeEach(() => server.calls.splice(0));

  it('redrives a failed run that ended yesterday: RedriveExecution with its ARN, exit 0', async () => {
    const fixture = endedDaysAgo(loadFixture('apply-build-failed'), 1);
    server.add(fixture);
    const out = await redrive(fixture.describeExecution.name, '--json');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(out.stdout);
    expect(Object.keys(printed)).toEqual(['execution', 'executionArn', 'redriveDate']);
    expect(printed.executionArn).toBe(fixture.describeExecution.executionArn);
    expect(server.calls.filter((c) => c.operation === 'RedriveExecution')).toEqual([
      // The SDK adds an idempotency token of its own.
      {
        operation: 'RedriveExecution',
        body: { executionArn: fixture.describeExecution.executionArn, clientToken: expect.any(String) },
      },
    ]);
    const text = await redrive(fixture.describeExecution.name);
    expect(text.stdout).toBe(
      `Redriven ${fixture.describeExecution.name}\n  Follow it: deployctl watch ${fixture.describeExecution.name}\n`,
    );
  });

  it.each([
    ['a succeeded run', () => endedDaysAgo(loadFixture('happy-full-run'), 1), /succeeded: there is nothing to redrive/],
    [
      'a run that ended 20 days ago',
      () => endedDaysAgo(loadFixture('execution-timeout'), 20),
      /ended 20 days ago: Step Functions redrives only executions that ended in the last 14 days/,
    ],
    [
      'a run Step Functions marks NOT_REDRIVABLE',
      () =>
        endedDaysAgo(loadFixture('aborted'), 2, {
          redriveStatus: 'NOT_REDRIVABLE',
          redriveStatusReason: 'Execution history event limit exceeded',
        }),
      /cannot be redriven: Execution history event limit exceeded$/,
    ],
  ])('refuses %s: exit 1, the reason on one line, no RedriveExecution', async (_what, make, reason) => {
    const fixture = make();
    server.add(fixture);
    const out = await redrive(fixture.describeExecution.executionArn);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(oneLine(out.stderr)).toMatch(reason);
    expect(server.calls.some((c) => c.operation === 'RedriveExecution')).toBe(false);
  });

  it('an unknown execution is exit 2', async () => {
    const out = await redrive('orders-api-prod-0000000-000000000000');
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toMatch(/^deployctl: no execution "orders-api-prod-0000000-000000000000"/);
  });
});

describeWithTools(['moto_server'], 'deployctl redrive against moto_server', () => {
  let moto: MotoServer;
  let env: NodeJS.ProcessEnv;
  const names: string[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    const { sfn, cfn } = clients(moto);
    const { stateMachineArn } = await createPipelineStack(cfn);
    for (const n of [21, 22]) {
      const planned = pushExecution('orders-api', 'prod', sha(n));
      names.push(planned.name);
      const arn = await start(sfn, stateMachineArn, planned);
      if (n === 21) await sfn.send(new StopExecutionCommand({ executionArn: arn }));
    }
    env = cliEnv({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
  });
  afterAll(() => moto?.stop());

  it('refuses a running execution (exit 1)', async () => {
    const out = await deployctl(['redrive', names[1] as string], env);
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(
      `deployctl: ${names[1]} is still running: only a failed, timed-out or aborted run can be redriven`,
    );
  });

  it('refuses an aborted run when a newer run of its service and environment has started (exit 1)', async () => {
    const out = await deployctl(['redrive', names[0] as string], env);
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(
      `deployctl: a newer run of the same service and environment started since (${names[1]}, RUNNING): redriving ${names[0]} would deploy an older commit over it (pass --force to redrive anyway)`,
    );
  });

  it('with --force it calls RedriveExecution, which moto 5.2.1 does not implement: exit 2, one line', async () => {
    const out = await deployctl(['redrive', names[0] as string, '--force'], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe(
      'deployctl: the AWS endpoint answered HTTP 500 with a body the SDK cannot read (is AWS_ENDPOINT_URL set to something that does not implement this call?)',
    );
  });

  it('"latest" is refused: a redrive names its execution', async () => {
    const out = await deployctl(['redrive', 'latest'], env);
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe('deployctl: redrive needs the execution named: find it with "deployctl history"');
  });
});
