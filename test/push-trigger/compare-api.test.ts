import { randomUUID } from 'node:crypto';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../../lambdas/shared/logger';
import { COMPARE_MAX_FILES, gitHubApiRootOf, gitHubCompareLookup } from '../../lambdas/webhook/compare-api';
import { handleWebhook, type WebhookDeps } from '../../lambdas/webhook/handle-webhook';
import { validateConfig } from '../../lib/config/load-config';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { compareAnswer, StandInGitHub } from './compare-api-stand-in';
import {
  BEFORE,
  branchCreated,
  CONFIG,
  CONFIG_INPUT,
  GHES_HOST,
  ghesBranchPush,
  HEAD,
  httpApiEvent,
  normalPush,
  type Payload,
  REPO,
  sign,
} from './fixtures';
import { LogCapture } from './log-capture';

const TOKEN = 'ghp_StandInToken7Hq2xZ9vLmP4sK8wR1tY6uB3nC5dE0';
const WEBHOOK_SECRET = 'whsec-compare-7Qm2';
const GITHUB_API = 'https://api.github.com';

describe('gitHubApiRootOf: the REST root of each kind of GitHub host', () => {
  it.each([
    ['github.com', 'https://api.github.com'],
    ['github.example.com', 'https://github.example.com/api/v3'],
    ['octo.ghe.com', 'https://api.octo.ghe.com'],
  ])('%s -> %s', (host, root) => expect(gitHubApiRootOf(host)).toBe(root));
});

describe('gitHubCompareLookup against a local stand-in for the compare API', () => {
  const github = new StandInGitHub();
  const signal = () => AbortSignal.timeout(2_000);
  const lookup = (tokenApiRoot = GITHUB_API) =>
    gitHubCompareLookup({ token: async () => TOKEN, tokenApiRoot, fetch: github.fetch });
  const request = { host: 'github.com', repository: REPO, base: BEFORE, head: HEAD };

  beforeAll(() => github.start());
  afterAll(() => github.stop());
  beforeEach(() => {
    github.requests.length = 0;
  });

  it('asks GET /repos/{owner}/{repo}/compare/{base}...{head} with the token, one small page, and lists the files', async () => {
    github.answer = () => ({ body: compareAnswer(['app/src/b.ts', 'app/src/a.ts']) });
    await expect(lookup()({ ...request, signal: signal() })).resolves.toEqual({
      kind: 'files',
      paths: ['app/src/a.ts', 'app/src/b.ts'],
    });
    expect(github.requests).toEqual([
      {
        method: 'GET',
        intendedUrl: `${GITHUB_API}/repos/${REPO}/compare/${BEFORE}...${HEAD}?per_page=1`,
        path: `/repos/${REPO}/compare/${BEFORE}...${HEAD}?per_page=1`,
        authorization: `token ${TOKEN}`,
      },
    ]);
  });

  it('counts a renamed file under both names', async () => {
    github.answer = () => ({
      body: compareAnswer([{ filename: 'app/new.ts', previous_filename: 'terraform/old.ts', status: 'renamed' }]),
    });
    await expect(lookup()({ ...request, signal: signal() })).resolves.toEqual({
      kind: 'files',
      paths: ['app/new.ts', 'terraform/old.ts'],
    });
  });

  it(`treats ${COMPARE_MAX_FILES} files as capped (unknown) and ${COMPARE_MAX_FILES - 1} as the whole list`, async () => {
    const files = (n: number) => Array.from({ length: n }, (_, i) => `app/f${i}.ts`);
    github.answer = () => ({ body: compareAnswer(files(COMPARE_MAX_FILES)) });
    await expect(lookup()({ ...request, signal: signal() })).resolves.toEqual({
      kind: 'unknown',
      reason: 'compare API listed 300 files (it lists at most 300)',
    });
    github.answer = () => ({ body: compareAnswer(files(COMPARE_MAX_FILES - 1)) });
    const below = await lookup()({ ...request, signal: signal() });
    expect(below.kind === 'files' && below.paths.length).toBe(COMPARE_MAX_FILES - 1);
  });

  it('a forced push (base has commits head lacks) also compares the other way and joins both lists', async () => {
    github.answer = (path) =>
      path.includes(`${BEFORE}...${HEAD}`)
        ? { body: compareAnswer(['app/src/index.ts'], { behindBy: 2 }) }
        : { body: compareAnswer(['terraform/main.tf'], { aheadBy: 2 }) };
    await expect(lookup()({ ...request, signal: signal() })).resolves.toEqual({
      kind: 'files',
      paths: ['app/src/index.ts', 'terraform/main.tf'],
    });
    expect(github.requests.map((r) => r.path)).toEqual([
      `/repos/${REPO}/compare/${BEFORE}...${HEAD}?per_page=1`,
      `/repos/${REPO}/compare/${HEAD}...${BEFORE}?per_page=1`,
    ]);
  });

  it('an HTTP error is unknown with its status, and no word of GitHub’s message or the token', async () => {
    github.answer = () => ({ status: 500, body: { message: `boom ${TOKEN}` } });
    const outcome = await lookup()({ ...request, signal: signal() });
    expect(outcome).toEqual({ kind: 'unknown', reason: 'compare API failed (HttpError 500)' });
  });

  it('a compare API that does not answer in time is unknown', async () => {
    github.answer = () => ({ delayMs: 1_500, body: compareAnswer(['app/a.ts']) });
    await expect(lookup()({ ...request, signal: AbortSignal.timeout(100) })).resolves.toEqual({
      kind: 'unknown',
      reason: 'compare API did not answer in time',
    });
  });

  it('never sends the token to a host it was not configured for', async () => {
    const outcome = await lookup(GITHUB_API)({ ...request, host: GHES_HOST, signal: signal() });
    expect(outcome).toEqual({
      kind: 'unknown',
      reason: `the configured GitHub token is for ${GITHUB_API}, not https://${GHES_HOST}/api/v3`,
    });
    expect(github.requests).toEqual([]);
  });

  it('a token that cannot be read is unknown, without a request', async () => {
    const broken = gitHubCompareLookup({
      token: async () => {
        throw new Error('AccessDenied');
      },
      tokenApiRoot: GITHUB_API,
      fetch: github.fetch,
    });
    await expect(broken({ ...request, signal: signal() })).resolves.toEqual({
      kind: 'unknown',
      reason: 'GitHub token unavailable (Error)',
    });
    expect(github.requests).toEqual([]);
  });
});

const CONFIG_WITH_GHES = validateConfig(
  {
    ...CONFIG_INPUT,
    services: [
      ...CONFIG_INPUT.services,
      {
        name: 'hello-ghes',
        repository: { provider: 'github', name: REPO, host: GHES_HOST },
        helm: { chart: 'app/chart', release: 'hello', namespace: 'hello' },
        ecrRepository: 'hello-ghes',
        environments: [
          { name: 'dev', branch: 'master', eksCluster: 'dev', terraformDir: 'terraform/environments/dev' },
        ],
      },
    ],
  },
  'test',
);

describeWithTools(['moto_server'], 'webhook with the compare API (stand-in GitHub, moto Step Functions)', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let stateMachineArn: string;
  const github = new StandInGitHub();
  const logs = new LogCapture();

  beforeAll(async () => {
    moto = await startMoto();
    sfn = new SFNClient(moto.clientConfig);
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'deploy-pipeline-compare',
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    stateMachineArn = String(created.stateMachineArn);
    await github.start();
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await github.stop();
    await moto?.stop();
  });

  beforeEach(() => {
    github.requests.length = 0;
  });

  function deps(overrides: Partial<WebhookDeps> & { tokenApiRoot?: string; withToken?: boolean } = {}): WebhookDeps {
    const { tokenApiRoot = GITHUB_API, withToken = true, ...rest } = overrides;
    return {
      config: CONFIG,
      secret: async () => WEBHOOK_SECRET,
      sfn,
      stateMachineArn,
      maxBodyBytes: 1024 * 1024,
      timeoutMs: 8_000,
      logger,
      ...(withToken
        ? { compare: gitHubCompareLookup({ token: async () => TOKEN, tokenApiRoot, fetch: github.fetch }) }
        : {}),
      ...rest,
    };
  }

  async function deliver(payload: Payload, d: WebhookDeps, headers: Record<string, string> = {}) {
    const body = JSON.stringify(payload);
    const res = await handleWebhook(
      httpApiEvent({
        body,
        headers: {
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'content-type': 'application/json',
          'x-hub-signature-256': sign(body, WEBHOOK_SECRET),
          ...headers,
        },
      }),
      d,
    );
    return { res, reply: JSON.parse(String(res.body)) as Payload };
  }

  async function inputOf(res: APIGatewayProxyStructuredResultV2, index = 0) {
    const arn = (JSON.parse(String(res.body)) as Payload).executions[index].executionArn;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    return executionInputSchema.parse(JSON.parse(String(described.input)));
  }

  const newBranch = (): Payload => ({
    ...branchCreated(),
    ref: 'refs/heads/feature/x',
    before: '0000000000000000000000000000000000000000',
    repository: { ...branchCreated().repository, default_branch: 'master' },
  });

  it('a new branch is compared with the default branch and narrowed to the app stages', async () => {
    github.answer = () => ({ body: compareAnswer(['app/src/index.ts']) });
    const payload = newBranch();
    const { res, reply } = await deliver(payload, deps());
    expect(res.statusCode).toBe(201);
    expect(reply.executions.map((e: Payload) => `${e.service}/${e.environment}`)).toEqual(['hello/preview']);
    expect((await inputOf(res)).changes).toEqual({
      app: true,
      infra: false,
      paths: ['app/src/index.ts'],
      source: 'compare-api',
    });
    expect(github.requests.map((r) => r.intendedUrl)).toEqual([
      `${GITHUB_API}/repos/${REPO}/compare/master...${payload.after}?per_page=1`,
    ]);
  });

  it('a commit whose file list is capped (3,000 files) is compared before...after', async () => {
    github.answer = () => ({ body: compareAnswer(['app/src/index.ts']) });
    const capped = normalPush({ commits: [{ added: Array.from({ length: 3000 }, (_, i) => `terraform/f${i}.tf`) }] });
    const { res } = await deliver(capped, deps());
    expect(res.statusCode).toBe(201);
    expect(github.requests.map((r) => r.path)).toEqual([`/repos/${REPO}/compare/${BEFORE}...${HEAD}?per_page=1`]);
    expect((await inputOf(res)).changes).toMatchObject({ app: true, infra: false, source: 'compare-api' });
  });

  it.each([
    ['an error', { status: 502, body: { message: 'Bad Gateway' } }, 'compare API failed (HttpError 502)'],
    ['no answer in time', { delayMs: 1_500, body: compareAnswer(['app/a.ts']) }, 'compare API did not answer in time'],
  ])('%s from the compare API: everything runs with source unknown', async (_, answer, reason) => {
    github.answer = () => answer;
    const { res } = await deliver(newBranch(), deps({ compareTimeoutMs: 200 }));
    expect(res.statusCode).toBe(201);
    expect(github.requests).toHaveLength(1);
    expect((await inputOf(res)).changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
    const line = logs
      .records()
      .filter((r) => r.message === 'webhook request')
      .pop();
    expect(line?.changes).toEqual({ source: 'unknown', reason: `new branch; ${reason}` });
  });

  it('without a configured token nothing is asked and everything runs', async () => {
    const { res } = await deliver(newBranch(), deps({ withToken: false }));
    expect(res.statusCode).toBe(201);
    expect(github.requests).toEqual([]);
    expect((await inputOf(res)).changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
  });

  it('a push whose payload lists the files is not compared (source payload)', async () => {
    const { res } = await deliver(normalPush(), deps());
    expect(github.requests).toEqual([]);
    expect((await inputOf(res)).changes.source).toBe('payload');
  });

  it('a GitHub Enterprise Server push asks https://HOST/api/v3 with the token configured for it', async () => {
    github.answer = () => ({ body: compareAnswer(['app/src/index.ts']) });
    const payload = { ...ghesBranchPush(), forced: true };
    const { res } = await deliver(
      payload,
      deps({ config: CONFIG_WITH_GHES, tokenApiRoot: `https://${GHES_HOST}/api/v3` }),
      { 'x-github-enterprise-host': GHES_HOST },
    );
    expect(res.statusCode).toBe(201);
    expect(github.requests.map((r) => r.intendedUrl)).toEqual([
      `https://${GHES_HOST}/api/v3/repos/${REPO}/compare/${BEFORE}...${HEAD}?per_page=1`,
    ]);
    expect((await inputOf(res)).changes.source).toBe('compare-api');
  });

  describe('an empty commit (no file listed): the payload cannot tell it from a commit too large to list', () => {
    const empty = () => normalPush({ commits: [{ message: 'Redeploy' }] });

    it('with a token, the compare API decides: no changed file starts nothing', async () => {
      github.answer = () => ({ body: compareAnswer([]) });
      const { res, reply } = await deliver(empty(), deps());
      expect(res.statusCode).toBe(202);
      expect(reply.reason).toBe('no-relevant-changes');
      expect(github.requests).toHaveLength(1);
    });

    it('with a token, a large commit the payload left empty gets its real files', async () => {
      github.answer = () => ({ body: compareAnswer(['terraform/main.tf']) });
      const { res } = await deliver(empty(), deps());
      expect((await inputOf(res)).changes).toEqual({
        app: false,
        infra: true,
        paths: ['terraform/main.tf'],
        source: 'compare-api',
      });
    });

    it('without a token, it is unknown: everything runs', async () => {
      const { res } = await deliver(empty(), deps({ withToken: false }));
      expect(res.statusCode).toBe(201);
      expect((await inputOf(res)).changes.source).toBe('unknown');
    });
  });

  it('the token never appears in a log line or a reply', async () => {
    github.answer = () => ({ status: 401, body: { message: `Bad credentials ${TOKEN}` } });
    const { res } = await deliver(newBranch(), deps());
    expect(String(res.body)).not.toContain(TOKEN);
    expect(github.requests[0]?.authorization).toBe(`token ${TOKEN}`);
    expect(logs.lines.join('')).not.toContain(TOKEN);
    expect(logs.lines.join('')).toContain('compare API failed (HttpError 401)');
  });
});
