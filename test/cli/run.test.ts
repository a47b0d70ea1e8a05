import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { executionName, MAX_EXECUTION_NAME } from '../../lambdas/shared/execution-name';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { CONFIG, clients, createPipelineStack, REGION, sha } from './support/moto-pipeline';
import { cliEnv, deployctl, oneLine } from './support/run-deployctl';

/** Writes the test configuration where `--config` can read it. */
function configFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deployctl-config-'));
  const file = join(dir, 'pipeline.json');
  writeFileSync(file, JSON.stringify(CONFIG));
  return file;
}

/** The execution-name contract (lib/contracts, DESIGN.md): `<service>-<environment>-<sha7>-<id>`, at most 80 of [A-Za-z0-9_-]. */
function expectNameContract(
  name: string,
  input: { service: string; environment: string; source: { commit: string; deliveryId: string } },
) {
  expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  expect(name.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME);
  expect(name).toMatch(
    new RegExp(`^${input.service}-${input.environment}-${input.source.commit.slice(0, 7)}-[0-9a-f]{12}$`),
  );
  expect(name).toBe(
    executionName({
      service: input.service,
      environment: input.environment,
      commit: input.source.commit,
      deliveryId: input.source.deliveryId,
    }),
  );
}

describe('deployctl run --dry-run (no AWS): the webhook normalizer, the shared schema and name contract', () => {
  const config = configFile();
  const env = cliEnv();

  it('builds a manual execution input that passes executionInputSchema, named by the contract', async () => {
    const out = await deployctl(
      [
        'run',
        '--service',
        'orders-api',
        '--env',
        'prod',
        '--commit',
        sha(7).toUpperCase(),
        '--config',
        config,
        '--dry-run',
      ],
      env,
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const { execution, input } = JSON.parse(out.stdout);
    expect(executionInputSchema.parse(input)).toEqual(input);
    expect(input).toMatchObject({
      service: 'orders-api',
      environment: 'prod',
      trigger: 'manual',
      source: {
        provider: 'manual',
        repository: 'acme/orders-api',
        ref: 'refs/heads/main',
        branch: 'main',
        commit: sha(7),
        before: null,
        url: `https://github.com/acme/orders-api/commit/${sha(7)}`,
        deliveryId: expect.stringMatching(/^manual-[0-9a-f-]{36}$/),
      },
      changes: { app: true, infra: true, paths: null },
    });
    expectNameContract(execution, input);
  });

  it('two runs of the same commit get different names (a new delivery id each time)', async () => {
    const args = ['run', '--service', 'billing', '--env', 'dev', '--commit', sha(8), '--config', config, '--dry-run'];
    const [a, b] = await Promise.all([deployctl(args, env), deployctl(args, env)]);
    expect(JSON.parse(a.stdout).execution).not.toBe(JSON.parse(b.stdout).execution);
  });

  it.each([
    [
      ['--service', 'payments', '--env', 'prod', '--commit', sha(1)],
      'deployctl: unknown service "payments" (configured: orders-api, billing)',
    ],
    [
      ['--service', 'orders-api', '--env', 'qa', '--commit', sha(1)],
      'deployctl: unknown environment "qa" for service orders-api (configured: dev, prod)',
    ],
    [
      ['--service', 'orders-api', '--env', 'prod', '--commit', 'main'],
      'deployctl: --commit must be a commit id (7 to 40 hex digits), got "main"',
    ],
    [
      ['--service', 'orders-api', '--env', 'prod', '--commit', sha(1), '--branch', 'refs/heads/main'],
      `deployctl: option '--branch <name>' argument 'refs/heads/main' is invalid. "refs/heads/main" is not a branch name (without refs/heads/)`,
    ],
    [['--env', 'prod', '--commit', sha(1)], "deployctl: required option '--service <name>' not specified"],
  ])('exit 2 with one line: %j', async (args, message) => {
    const out = await deployctl(['run', ...args, '--config', config, '--dry-run'], env);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(oneLine(out.stderr)).toBe(message);
  });

  it('an invalid configuration file is named with its problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deployctl-bad-config-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ services: [] }));
    const out = await deployctl(
      ['run', '--service', 'a1', '--env', 'b1', '--commit', sha(1), '--config', join(dir, 'bad.json'), '--dry-run'],
      env,
    );
    expect(out.code).toBe(2);
    // A file's problems are listed one a line under the message.
    expect(out.stderr).toMatch(
      /^deployctl: Invalid pipeline configuration \(.*bad\.json\):\n {2}- services: must list at least one service\n$/,
    );
  });
});

describeWithTools(['git'], 'deployctl run resolves the commit with git', () => {
  const config = configFile();
  const env = cliEnv({ GIT_CONFIG_NOSYSTEM: '1' });
  let clone: string;
  let tip: string;
  let older: string;

  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), 'deployctl-git-'));
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
        cwd,
        encoding: 'utf8',
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    git(root, 'init', '--bare', '--initial-branch=main', 'origin.git');
    git(root, 'clone', join(root, 'origin.git'), 'clone');
    clone = join(root, 'clone');
    git(clone, 'checkout', '-b', 'main');
    writeFileSync(join(clone, 'a.txt'), 'one\n');
    git(clone, 'add', 'a.txt');
    git(clone, 'commit', '-m', 'First commit');
    older = git(clone, 'rev-parse', 'HEAD');
    writeFileSync(join(clone, 'a.txt'), 'two\n');
    git(clone, 'commit', '-am', 'Fix the export header');
    tip = git(clone, 'rev-parse', 'HEAD');
    git(clone, 'push', 'origin', 'main');
    // A local commit not pushed: a run takes the remote's tip, not what is checked out.
    writeFileSync(join(clone, 'a.txt'), 'three\n');
    git(clone, 'commit', '-am', 'Work in progress');
  });

  it("without --commit: the environment's branch tip on the remote, with its subject", async () => {
    const out = await deployctl(
      ['run', '--service', 'orders-api', '--env', 'dev', '--config', config, '--dry-run'],
      env,
      clone,
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const { input } = JSON.parse(out.stdout);
    expect(input.source).toMatchObject({ commit: tip, branch: 'main', message: 'Fix the export header' });
  });

  it('an abbreviated --commit is completed by the local clone', async () => {
    const out = await deployctl(
      [
        'run',
        '--service',
        'orders-api',
        '--env',
        'dev',
        '--commit',
        older.slice(0, 9),
        '--config',
        config,
        '--dry-run',
      ],
      env,
      clone,
    );
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).input.source).toMatchObject({ commit: older, message: 'First commit' });
  });

  it('a branch the remote does not have, or a commit the clone does not have: exit 2, one line', async () => {
    const branch = await deployctl(
      ['run', '--service', 'orders-api', '--env', 'dev', '--branch', 'release/9', '--config', config, '--dry-run'],
      env,
      clone,
    );
    expect(branch.code).toBe(2);
    expect(oneLine(branch.stderr)).toMatch(
      /^deployctl: could not read branch release\/9 from remote "origin" \(no such branch\): /,
    );
    const commit = await deployctl(
      ['run', '--service', 'orders-api', '--env', 'dev', '--commit', 'abcdef12', '--config', config, '--dry-run'],
      env,
      clone,
    );
    expect(commit.code).toBe(2);
    expect(oneLine(commit.stderr)).toMatch(/^deployctl: commit abcdef12 is not in the repository at /);
  });
});

describeWithTools(['moto_server'], 'deployctl run against moto_server', () => {
  let moto: MotoServer;
  let sfn: ReturnType<typeof clients>['sfn'];
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

  it('starts the execution: StartExecution with the contract name and an input that passes the schema', async () => {
    const out = await deployctl(
      ['run', '--service', 'orders-api', '--env', 'prod', '--commit', sha(9), '--config', config, '--json'],
      env,
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const printed = JSON.parse(out.stdout);
    expect(Object.keys(printed)).toEqual(['execution', 'executionArn', 'outcome', 'input']);
    expect(printed.outcome).toBe('started');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: printed.executionArn }));
    expect(described.name).toBe(printed.execution);
    expect(described.status).toBe('RUNNING');
    const input = executionInputSchema.parse(JSON.parse(described.input ?? ''));
    expect(input).toEqual(printed.input);
    expect(input.trigger).toBe('manual');
    expectNameContract(printed.execution, input);
  });

  it('prints what it started and how to follow it', async () => {
    const out = await deployctl(
      ['run', '--service', 'billing', '--env', 'dev', '--commit', sha(10), '--config', config],
      env,
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^Started billing-dev-${sha(10).slice(0, 7)}-[0-9a-f]{12}$`, 'm'));
    expect(out.stdout).toMatch(/^ {2}billing → dev {2}commit 0a0a0a0 \(main\), manual by \S+$/m);
    expect(out.stdout).toMatch(/^ {2}Follow it: deployctl watch billing-dev-0a0a0a0-[0-9a-f]{12}$/m);
    expect(out.stdout).toMatch(/^ {2}Console: {3}https:\/\/eu-west-1\.console\.aws\.amazon\.com\/states\/home/m);
  });
});
