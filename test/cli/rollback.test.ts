import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { executionName } from '../../lambdas/shared/execution-name';
import { deployedCommit } from '../../lib/cli/commands/rollback';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { CONFIG, clients, createPipelineStack, pushExecution, REGION, sha } from './support/moto-pipeline';
import { cliEnv, deployctl, oneLine } from './support/run-deployctl';

const MOTO_CALLER = 'arn:aws:sts::123456789012:user/moto';

function configFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deployctl-config-'));
  const file = join(dir, 'pipeline.json');
  writeFileSync(file, JSON.stringify(CONFIG));
  return file;
}

describe('deployctl rollback refuses bad options before any AWS call', () => {
  const env = cliEnv();
  const config = configFile();
  const base = ['rollback', '--service', 'orders-api', '--env', 'prod', '--config', config];

  it.each([
    {
      case: '--to-revision 0',
      argv: ['--to-revision', '0'],
      message: /--to-revision must be a whole number from 1 to 2147483647, got "0"/,
    },
    {
      case: '--to-revision -1',
      argv: ['--to-revision', '-1'],
      message: /--to-revision must be a whole number from 1 to 2147483647, got "-1"/,
    },
    { case: '--to-revision abc', argv: ['--to-revision', 'abc'], message: /got "abc"/ },
    { case: '--to-revision 1.5', argv: ['--to-revision', '1.5'], message: /got "1.5"/ },
    { case: '--to-revision 2^31', argv: ['--to-revision', '2147483648'], message: /got "2147483648"/ },
    {
      case: 'a 1025-character reason',
      argv: ['--reason', 'r'.repeat(1025)],
      message: /--reason is 1025 characters long: at most 1024/,
    },
    { case: 'an empty reason', argv: ['--reason', ''], message: /--reason must not be empty/ },
    { case: 'a short commit', argv: ['--commit', 'abc1234'], message: /"abc1234" is not a full commit id/ },
  ])('$case', async ({ argv, message }) => {
    const out = await deployctl([...base, ...argv], env);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(oneLine(out.stderr)).toMatch(message);
  });

  it.each([
    [
      ['--service', 'payments', '--env', 'prod'],
      'deployctl: unknown service "payments" (configured: orders-api, billing)',
    ],
    [
      ['--service', 'orders-api', '--env', 'qa'],
      'deployctl: unknown environment "qa" for service orders-api (configured: dev, prod)',
    ],
    [['--service', 'Orders', '--env', 'prod'], /"Orders" is not a service name/],
  ])('unknown or malformed service/env %j', async (argv, message) => {
    const out = await deployctl(['rollback', ...argv, '--config', config], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toMatch(message);
  });

  it('--service and --env are required', async () => {
    const out = await deployctl(['rollback', '--env', 'prod', '--config', config], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toMatch(/required option '--service <name>' not specified/);
  });
});

describeWithTools(['moto_server'], 'deployctl rollback against moto_server', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let env: NodeJS.ProcessEnv;
  const config = configFile();

  beforeAll(async () => {
    moto = await startMoto();
    const c = clients(moto);
    sfn = c.sfn;
    await createPipelineStack(c.cfn);
    env = cliEnv({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
  });
  afterAll(() => moto?.stop());

  it('starts a rollback run: trigger rollback, no stage, the request with the STS identity; each request its own execution', async () => {
    const args = ['rollback', '--service', 'orders-api', '--env', 'prod', '--commit', sha(5), '--config', config];
    const out = await deployctl([...args, '--to-revision', '41', '--reason', 'errors since 14:02', '--json'], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(out.stdout);
    expect(printed.outcome).toBe('started');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: printed.executionArn }));
    const input = executionInputSchema.parse(JSON.parse(described.input as string));
    expect(input).toEqual(printed.input);
    expect(input).toMatchObject({
      service: 'orders-api',
      environment: 'prod',
      trigger: 'rollback',
      changes: { app: false, infra: false, paths: null, source: 'manual' },
      rollbackRequest: { toRevision: 41, requestedBy: MOTO_CALLER, reason: 'errors since 14:02' },
      source: {
        provider: 'manual',
        repository: 'acme/orders-api',
        branch: 'main',
        commit: sha(5),
        author: MOTO_CALLER,
      },
    });
    expect(input.source.deliveryId).toMatch(/^rollback-[0-9a-f-]{36}$/);
    expect(printed.execution).toBe(
      executionName({
        service: 'orders-api',
        environment: 'prod',
        commit: sha(5),
        deliveryId: input.source.deliveryId,
      }),
    );

    const second = await deployctl(args, env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    const name = /^Started rollback (\S+)$/m.exec(second.stdout)?.[1];
    expect(name).toMatch(/^orders-api-prod-0505050-[0-9a-f]{12}$/);
    expect(name).not.toBe(printed.execution);
    expect(second.stdout).toContain(`orders-api in prod back to the previous revision, asked by ${MOTO_CALLER}`);
    expect(second.stdout).toContain(`Follow it: deployctl watch ${name}`);
    expect(second.stdout).toMatch(/Console: {3}https:\/\/eu-west-1\.console\.aws\.amazon\.com\/states\/.*execution/);
    const input2 = JSON.parse(
      (
        await sfn.send(
          new DescribeExecutionCommand({ executionArn: `${printed.executionArn.replace(/:[^:]+$/, '')}:${name}` }),
        )
      ).input as string,
    );
    expect(input2.rollbackRequest).toEqual({ requestedBy: MOTO_CALLER });
  });

  it('without --commit and no succeeded run in the history: refused, exit 1', async () => {
    const out = await deployctl(['rollback', '--service', 'billing', '--env', 'dev', '--config', config], env);
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(
      'deployctl: no succeeded run of billing in dev in the execution history: nothing this pipeline deployed to roll back (pass --commit to record the deployed commit anyway)',
    );
  });
});

describeWithTools(['moto_server'], 'deployedCommit: the commit of the newest succeeded run (moto runs it)', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto?.stop());

  it('reads the commit from the succeeded run of that service and environment', async () => {
    const res = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(res.ok).toBe(true);
    const sfn = new SFNClient({ ...moto.clientConfig, region: REGION });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'deploy-pipeline',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
      }),
    );
    const run = pushExecution('orders-api', 'prod', sha(3));
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: run.name, input: JSON.stringify(run.input) }),
    );
    for (let i = 0; i < 50; i += 1) {
      if ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'SUCCEEDED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await deployedCommit(sfn, stateMachineArn as string, 'orders-api', 'prod')).toBe(sha(3));
    await expect(deployedCommit(sfn, stateMachineArn as string, 'orders-api', 'dev')).rejects.toMatchObject({
      name: 'RefusedError',
    });
  });
});
