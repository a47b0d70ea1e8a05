import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStateMachineCommand, DeleteStateMachineCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { clients, createPipelineStack, pushExecution, REGION, sha, start } from './support/moto-pipeline';
import { cliEnv, deployctl, oneLine } from './support/run-deployctl';

describeWithTools(['moto_server'], 'deployctl history and installation discovery against moto_server', () => {
  let moto: MotoServer;
  let sfn: ReturnType<typeof clients>['sfn'];
  let cfn: ReturnType<typeof clients>['cfn'];
  let machine: string;
  const names: Record<string, string> = {};
  const awsEnv = () => ({
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto();
    ({ sfn, cfn } = clients(moto));
    ({ stateMachineArn: machine } = await createPipelineStack(cfn));
    // Oldest first; moto lists newest first, as Step Functions does.
    const runs: [string, string, string, number, string][] = [
      ['ordersProd1', 'orders-api', 'prod', 1, 'Jane Doe'],
      ['billingProd', 'billing', 'prod', 2, 'Ravi Patel'],
      ['ordersDev', 'orders-api', 'dev', 3, 'Jane Doe'],
      ['ordersProd2', 'orders-api', 'prod', 4, 'Li Wei'],
    ];
    for (const [key, service, environment, n, author] of runs) {
      const planned = pushExecution(service, environment, sha(n), author);
      names[key] = planned.name;
      await start(sfn, machine, planned);
    }
    // An execution someone started by hand with other input: listed, with what cannot be known as null.
    const foreign = pushExecution('orders-api', 'prod', sha(5));
    names.foreign = 'adhoc-smoke-test';
    await start(sfn, machine, { ...foreign, name: 'adhoc-smoke-test', input: {} as never });
    await sfn.send(
      new StopExecutionCommand({
        executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${names.ordersProd1}`,
      }),
    );
  });
  afterAll(() => moto?.stop());
  beforeEach(() => {
    env = cliEnv(awsEnv());
  });

  it('--json lists runs newest first, each with the documented keys, from names and inputs', async () => {
    const out = await deployctl(['history', '--json'], env);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const { runs } = JSON.parse(out.stdout);
    expect(runs.map((r: { execution: string }) => r.execution)).toEqual([
      'adhoc-smoke-test',
      names.ordersProd2,
      names.ordersDev,
      names.billingProd,
      names.ordersProd1,
    ]);
    expect(Object.keys(runs[1])).toEqual([
      'execution',
      'executionArn',
      'service',
      'environment',
      'commit',
      'branch',
      'author',
      'trigger',
      'status',
      'startedAt',
      'stoppedAt',
      'durationSeconds',
    ]);
    expect(runs[1]).toMatchObject({
      service: 'orders-api',
      environment: 'prod',
      commit: sha(4),
      branch: 'main',
      author: 'Li Wei',
      trigger: 'push',
      status: 'RUNNING',
      stoppedAt: null,
    });
    expect(runs[4]).toMatchObject({ status: 'ABORTED', stoppedAt: expect.stringMatching(/Z$/) });
    expect(runs[0]).toMatchObject({ service: null, environment: null, commit: null, trigger: null });
  });

  it('--service, --env, --status and --limit narrow the list', async () => {
    const prod = JSON.parse(
      (await deployctl(['history', '--service', 'orders-api', '--env', 'prod', '--json'], env)).stdout,
    );
    expect(prod.runs.map((r: { execution: string }) => r.execution)).toEqual([names.ordersProd2, names.ordersProd1]);
    const one = JSON.parse(
      (await deployctl(['history', '--service', 'orders-api', '--limit', '1', '--json'], env)).stdout,
    );
    expect(one.runs.map((r: { execution: string }) => r.execution)).toEqual([names.ordersProd2]);
    const aborted = JSON.parse((await deployctl(['history', '--status', 'ABORTED', '--json'], env)).stdout);
    expect(aborted.runs.map((r: { execution: string }) => r.execution)).toEqual([names.ordersProd1]);
    const billing = JSON.parse(
      (await deployctl(['history', '--env', 'prod', '--service', 'billing', '--json'], env)).stdout,
    );
    expect(billing.runs).toHaveLength(1);
  });

  it('the table has the issue columns and the execution name to pass to status', async () => {
    const out = await deployctl(['history', '--service', 'orders-api', '--env', 'prod'], env);
    expect(out.code).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[1]).toMatch(
      /│ service +│ environment +│ commit +│ author +│ trigger +│ status +│ started +│ duration +│ execution +│/,
    );
    const row = new RegExp(
      `│ orders-api +│ prod +│ ${sha(4).slice(0, 7)} │ Li Wei +│ push +│ RUNNING +│ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d │ \\S+ +│ ${names.ordersProd2} │`,
    );
    expect(out.stdout).toMatch(row);
    expect(out.stdout).not.toContain('\u001b[');
    const none = await deployctl(['history', '--service', 'payments'], env);
    expect(none).toMatchObject({ code: 0, stdout: 'No runs found.\n' });
  });

  it('finds the state machine from the stack outputs and caches them per profile, Region and stack', async () => {
    const out = await deployctl(['history', '--limit', '1', '--json'], env);
    expect(out.code).toBe(0);
    const cacheFile = join(env.DEPLOYCTL_CACHE_DIR as string, 'installations.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(Object.keys(cache.entries)).toEqual([`default|${REGION}|DeployPipeline`]);
    expect(cache.entries[`default|${REGION}|DeployPipeline`]).toMatchObject({
      stackName: 'DeployPipeline',
      region: REGION,
      stateMachineArn: machine,
      topicArn: expect.stringMatching(/^arn:aws:sns:eu-west-1:123456789012:/),
    });
  });

  it('a cached installation is used without DescribeStacks; a stale one is read again from the stack', async () => {
    const cacheDir = env.DEPLOYCTL_CACHE_DIR as string;
    mkdirSync(cacheDir, { recursive: true });
    const other = await sfn.send(
      new CreateStateMachineCommand({
        name: 'elsewhere',
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    const entry = (stateMachineArn: string, stackName: string) => ({
      stackName,
      region: REGION,
      stateMachineArn,
      topicArn: null,
      resolvedAt: '2025-01-01T00:00:00.000Z',
    });
    const gone = `arn:aws:states:${REGION}:123456789012:stateMachine:replaced-long-ago`;
    writeFileSync(
      join(cacheDir, 'installations.json'),
      JSON.stringify({
        version: 1,
        entries: {
          // No stack "Elsewhere" exists: only the cache can answer.
          [`default|${REGION}|Elsewhere`]: entry(other.stateMachineArn as string, 'Elsewhere'),
          [`default|${REGION}|DeployPipeline`]: entry(gone, 'DeployPipeline'),
        },
      }),
    );
    const cached = await deployctl(['history', '--stack', 'Elsewhere', '--json'], env);
    expect(cached).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(cached.stdout).runs).toEqual([]);

    const refreshed = await deployctl(['history', '--limit', '1', '--json'], env);
    expect(refreshed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(refreshed.stdout).runs).toHaveLength(1);
    const cache = JSON.parse(readFileSync(join(cacheDir, 'installations.json'), 'utf8'));
    expect(cache.entries[`default|${REGION}|DeployPipeline`].stateMachineArn).toBe(machine);
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: other.stateMachineArn }));
  });

  it('--profile reads Region and credentials from the shared files (the standard chain)', async () => {
    const home = env.HOME as string;
    writeFileSync(join(home, 'config'), `[profile ci]\nregion = ${REGION}\n`);
    writeFileSync(join(home, 'credentials'), '[ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const profileEnv = cliEnv({
      ...awsEnv(),
      AWS_REGION: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      DEPLOYCTL_CACHE_DIR: join(home, 'profile-cache'),
    });
    const out = await deployctl(['history', '--profile', 'ci', '--limit', '2', '--json'], profileEnv);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(out.stdout).runs).toHaveLength(2);
    const cache = JSON.parse(readFileSync(join(home, 'profile-cache', 'installations.json'), 'utf8'));
    expect(Object.keys(cache.entries)).toEqual([`ci|${REGION}|DeployPipeline`]);
  });

  it('a stack without the outputs is named as such', async () => {
    await createPipelineStack(cfn, 'NotThePipeline', false);
    const out = await deployctl(['history', '--stack', 'NotThePipeline'], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe(
      `deployctl: stack "NotThePipeline" in ${REGION} (profile default) has no StateMachineArn output: is it the deploy pipeline's stack?`,
    );
  });

  it.each([
    [
      'an unknown stack',
      ['--stack', 'Nope'],
      {},
      `deployctl: no stack "Nope" in ${REGION} (profile default): deploy it with "npx cdk deploy", or pass --stack, --region or --profile`,
    ],
    [
      'no Region anywhere',
      [],
      { AWS_REGION: undefined },
      'deployctl: no AWS region: pass --region, set AWS_REGION, or set "region" in your AWS profile',
    ],
    [
      'no credentials anywhere',
      [],
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      /^deployctl: no usable AWS credentials \(.+\): set AWS_PROFILE or --profile, run "aws sso login", or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$/,
    ],
    [
      'a malformed --limit',
      ['--limit', '0'],
      {},
      `deployctl: option '--limit <n>' argument '0' is invalid. --limit must be a whole number from 1 to 1000, got "0"`,
    ],
    [
      'a malformed --region',
      ['--region', 'Europe'],
      {},
      `deployctl: option '--region <region>' argument 'Europe' is invalid. "Europe" is not an AWS Region name (e.g. eu-west-1)`,
    ],
    [
      'an unknown --status',
      ['--status', 'DONE'],
      {},
      /^deployctl: option '--status <status>' argument 'DONE' is invalid\. Allowed choices are RUNNING, SUCCEEDED/,
    ],
  ])('%s: exit 2, one line on stderr, nothing on stdout', async (_what, args, overrides, message) => {
    const out = await deployctl(['history', ...args], cliEnv({ ...awsEnv(), ...overrides }));
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    const line = oneLine(out.stderr);
    if (typeof message === 'string') expect(line).toBe(message);
    else expect(line).toMatch(message);
  });
});
