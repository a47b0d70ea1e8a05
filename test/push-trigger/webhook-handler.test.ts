import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { executionName } from '../../lambdas/shared/execution-name';
import { logger } from '../../lambdas/shared/logger';
import { EXECUTION_INPUT_BUDGET_BYTES } from '../../lambdas/shared/push-event/fit-execution-input';
import { handleWebhook } from '../../lambdas/webhook/handle-webhook';
import { validateConfig } from '../../lib/config/load-config';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import {
  branchCreated,
  branchDeleted,
  CONFIG,
  CONFIG_INPUT,
  GHES_HOST,
  ghesBranchPush,
  HEAD,
  httpApiEvent,
  normalPush,
  type Payload,
  sign,
  tagCreated,
} from './fixtures';
import { LogCapture } from './log-capture';

const SECRET = 'whsec-Zq8f3JmT2x9LkPq4vN7s';
const SECRET_NAME = 'deploy-pipeline/github-webhook';
const MAX_BODY = 256 * 1024;
const SM_NAME = 'deploy-pipeline';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

interface Delivery {
  readonly body?: string;
  readonly event?: string;
  readonly delivery?: string;
  readonly contentType?: string;
  readonly signature?: string | null;
  readonly base64?: boolean;
  readonly method?: string;
  readonly extraHeaders?: Record<string, string>;
  /** Send the body's characters as single Latin-1 bytes (base64-encoded, as API Gateway hands over binary). */
  readonly latin1?: boolean;
}

/** Headers GitHub sends with a delivery, lowercased as API Gateway payload 2.0 hands them over. */
function delivery(d: Delivery): APIGatewayProxyEventV2 {
  const body = d.body ?? JSON.stringify(normalPush(), null, 2);
  const headers: Record<string, string> = {
    'x-github-event': d.event ?? 'push',
    'x-github-delivery': d.delivery ?? randomUUID(),
    'x-github-hook-id': '292430182',
    'x-github-hook-installation-target-type': 'repository',
    'content-type': d.contentType ?? 'application/json',
    ...d.extraHeaders,
  };
  const bytes = Buffer.from(body, d.latin1 === true ? 'latin1' : 'utf8');
  if (d.signature !== null) headers['x-hub-signature-256'] = d.signature ?? sign(bytes, SECRET);
  if (d.event === '') delete headers['x-github-event'];
  if (d.delivery === '') delete headers['x-github-delivery'];
  if (d.contentType === '') delete headers['content-type'];
  const event = httpApiEvent({ body, headers, method: d.method, base64: d.base64 });
  return d.latin1 === true ? { ...event, body: bytes.toString('base64'), isBase64Encoded: true } : event;
}

const parse = (res: APIGatewayProxyStructuredResultV2) => JSON.parse(String(res.body)) as Payload;

/** The headers GitHub Enterprise Server adds to a delivery (docs.github.com, "Delivery headers"). */
const GHES_HEADERS = { 'x-github-enterprise-host': GHES_HOST, 'x-github-enterprise-version': '3.5.0' };

describeWithTools(['moto_server'], 'webhook handler against moto_server', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let stateMachineArn: string;
  let handler: Handler;
  const logs = new LogCapture();

  async function executions() {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    return out.executions ?? [];
  }

  beforeAll(async () => {
    moto = await startMoto();
    sfn = new SFNClient(moto.clientConfig);
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: SM_NAME,
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    stateMachineArn = String(created.stateMachineArn);
    Object.assign(process.env, {
      EMBEDDED_PIPELINE_CONFIG: JSON.stringify(CONFIG_INPUT),
      STATE_MACHINE_ARN: stateMachineArn,
      WEBHOOK_SECRET_ARN: SECRET_NAME,
      MAX_BODY_BYTES: String(MAX_BODY),
    });
    // The handler reads its environment and builds its clients at import, as in Lambda.
    handler = (await import('../../lambdas/webhook/index')).handler;
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await moto?.stop();
  });

  it('answers 500 while the secret cannot be read, starts nothing, and does not cache the failure', async () => {
    const res = await handler(delivery({}));
    expect(res.statusCode).toBe(500);
    expect(parse(res).reason).toBe('secret-unavailable');
    expect(await executions()).toHaveLength(0);

    await new SecretsManagerClient(moto.clientConfig).send(
      new CreateSecretCommand({ Name: SECRET_NAME, SecretString: SECRET }),
    );
    const retry = await handler(delivery({ event: 'ping', body: '{"zen":"Keep it logically awesome."}' }));
    expect(retry.statusCode).toBe(200);
  });

  it('a signed push as API Gateway delivers it starts one execution per environment with the documented name and input', async () => {
    const id = randomUUID();
    const res = await handler(delivery({ delivery: id }));
    expect(res.statusCode).toBe(201);
    const expectedNames = ['dev', 'prod'].map((environment) =>
      executionName({ service: 'hello', environment, commit: HEAD, deliveryId: id }),
    );
    const body = parse(res);
    expect(body.executions.map((e: { name: string }) => e.name)).toEqual(expectedNames);

    const listed = await executions();
    expect(listed.map((e) => e.name).sort()).toEqual([...expectedNames].sort());
    for (const e of body.executions) {
      expect(listed.find((l) => l.name === e.name)?.executionArn).toBe(e.executionArn);
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      const input = executionInputSchema.parse(JSON.parse(String(described.input)));
      expect(input).toMatchObject({
        service: 'hello',
        environment: e.environment,
        trigger: 'push',
        source: { provider: 'github', commit: HEAD, branch: 'master', deliveryId: id },
        changes: { app: true, infra: false, paths: ['app/src/index.ts'] },
      });
    }
  });

  it('GitHub’s own branch-created example, base64-encoded by API Gateway, starts every matching service with unknown paths', async () => {
    const before = (await executions()).length;
    const body = JSON.stringify(branchCreated());
    const res = await handler(delivery({ body, base64: true }));
    expect(res.statusCode).toBe(201);
    const started = parse(res).executions as Array<{ service: string; environment: string; executionArn: string }>;
    expect(started.map((e) => `${e.service}/${e.environment}`)).toEqual(['hello/dev', 'hello/prod', 'docs-site/dev']);
    expect(await executions()).toHaveLength(before + 3);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started[2]?.executionArn }));
    expect(JSON.parse(String(described.input)).changes).toEqual({
      app: true,
      infra: true,
      paths: null,
      source: 'unknown',
    });
  });

  it('a form-encoded delivery (payload=<urlencoded json>) is verified over the raw form body and starts', async () => {
    const payload = normalPush({ commits: [{ message: 'Ünïcode & spaces + plus', modified: ['terraform/x.tf'] }] });
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await handler(delivery({ body, contentType: 'application/x-www-form-urlencoded' }));
    expect(res.statusCode).toBe(201);
    const [first] = parse(res).executions;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(JSON.parse(String(described.input))).toMatchObject({
      source: { message: 'Ünïcode & spaces + plus' },
      changes: { app: false, infra: true },
    });
  });

  it('the same delivery twice starts one execution per environment; after they end, a redelivery gets 200 and the existing ARNs', async () => {
    const id = randomUUID();
    const body = JSON.stringify(normalPush({ commits: [{ message: 'redelivered', modified: ['app/x.ts'] }] }));
    const first = await handler(delivery({ delivery: id, body }));
    const count = (await executions()).length;
    const second = await handler(delivery({ delivery: id, body }));
    expect(first.statusCode).toBe(201);
    // Step Functions answers a repeated start of a running execution with the same ARN.
    expect(parse(second).executions).toEqual(parse(first).executions);
    expect(await executions()).toHaveLength(count);

    for (const e of parse(first).executions) {
      await sfn.send(new StopExecutionCommand({ executionArn: e.executionArn }));
    }
    const third = await handler(delivery({ delivery: id, body }));
    expect(third.statusCode).toBe(200);
    expect(parse(third)).toMatchObject({ message: 'already started' });
    expect(
      parse(third).executions.map((e: Record<string, unknown>) => [e.executionArn, e.alreadyStarted, e.status]),
    ).toEqual(parse(first).executions.map((e: Record<string, unknown>) => [e.executionArn, true, 'ABORTED']));
    expect(await executions()).toHaveLength(count);
  });

  const good = JSON.stringify(normalPush(), null, 2);
  const signedWith = (mutate: (p: Payload) => void): Delivery => {
    const payload = normalPush();
    mutate(payload);
    return { body: JSON.stringify(payload) };
  };
  const huge = `{"ref":"refs/heads/master","padding":"${'x'.repeat(MAX_BODY)}"}`;

  const hostile: Array<[string, Delivery, number, string]> = [
    ['no signature header', { signature: null }, 401, 'missing-signature'],
    ['empty signature', { signature: '' }, 401, 'missing-signature'],
    ['signature made with another secret', { signature: sign(good, 'not-the-secret') }, 401, 'invalid-signature'],
    ['truncated signature', { signature: sign(good, SECRET).slice(0, 50) }, 401, 'invalid-signature'],
    ['signature over a different body', { signature: sign(`${good} `, SECRET) }, 401, 'invalid-signature'],
    [
      'signature of the compact form of the same JSON',
      { signature: sign(JSON.stringify(normalPush()), SECRET) },
      401,
      'invalid-signature',
    ],
    [
      'sha1-only x-hub-signature header',
      { signature: null, extraHeaders: { 'x-hub-signature': `sha1=${'ab'.repeat(20)}` } },
      401,
      'missing-signature',
    ],
    ['sha1 scheme in x-hub-signature-256', { signature: `sha1=${'ab'.repeat(20)}` }, 401, 'invalid-signature'],
    ['hex without the sha256= prefix', { signature: sign(good, SECRET).slice(7) }, 401, 'invalid-signature'],
    [
      'two signatures joined by API Gateway',
      { signature: `${sign(good, SECRET)},sha256=${'0'.repeat(64)}` },
      401,
      'invalid-signature',
    ],
    [
      'base64 delivery signed over the base64 text instead of the bytes',
      { base64: true, signature: sign(Buffer.from(good).toString('base64'), SECRET) },
      401,
      'invalid-signature',
    ],
    ['empty body, unsigned', { body: '', signature: null }, 401, 'missing-signature'],
    ['huge body, unsigned', { body: huge, signature: null }, 413, 'payload-too-large'],
    ['huge body, signed', { body: huge }, 413, 'payload-too-large'],
    ['GET', { method: 'GET' }, 405, 'method-not-allowed'],
    ['PUT', { method: 'PUT' }, 405, 'method-not-allowed'],
    ['empty body, signed', { body: '' }, 400, 'invalid-body'],
    ['malformed JSON', { body: '{"ref": "refs/heads/master",' }, 400, 'invalid-body'],
    ['text/plain content type', { contentType: 'text/plain' }, 415, 'unsupported-content-type'],
    ['no content type', { contentType: '' }, 415, 'unsupported-content-type'],
    [
      'form body without payload=',
      { body: 'ref=refs%2Fheads%2Fmaster', contentType: 'application/x-www-form-urlencoded' },
      400,
      'invalid-body',
    ],
    [
      'form payload that is not JSON',
      { body: 'payload=%7Bnope', contentType: 'application/x-www-form-urlencoded' },
      400,
      'invalid-body',
    ],
    ['JSON body declared as form', { contentType: 'application/x-www-form-urlencoded' }, 400, 'invalid-body'],
    ['no X-GitHub-Event header', { event: '' }, 400, 'missing-event'],
    ['unknown event', { event: 'issues' }, 202, 'event-not-handled'],
    ['workflow_run event', { event: 'workflow_run' }, 202, 'event-not-handled'],
    ['no X-GitHub-Delivery header', { delivery: '' }, 400, 'missing-delivery-id'],
    ['JSON array body', { body: '[]' }, 400, 'invalid-payload'],
    ['JSON null body', { body: 'null' }, 400, 'invalid-payload'],
    ['missing ref', signedWith((p) => delete p.ref), 400, 'invalid-payload'],
    ['numeric ref', signedWith((p) => (p.ref = 7)), 400, 'invalid-payload'],
    ['object ref', signedWith((p) => (p.ref = { $gt: '' })), 400, 'invalid-payload'],
    ['after that is not a commit id', signedWith((p) => (p.after = 'HEAD~1')), 400, 'invalid-payload'],
    ['numeric repository name', signedWith((p) => (p.repository.full_name = 1)), 400, 'invalid-payload'],
    ['commits as a string', signedWith((p) => (p.commits = 'all')), 400, 'invalid-payload'],
    ['file list with a number', signedWith((p) => (p.commits[0].modified = [42])), 400, 'invalid-payload'],
    ['tag push (GitHub example)', { body: JSON.stringify(tagCreated()) }, 202, 'tag'],
    ['branch deletion', { body: JSON.stringify(branchDeleted()) }, 202, 'branch-deleted'],
    ['[skip ci] head commit', signedWith((p) => (p.head_commit.message = 'docs [skip ci]')), 202, 'skip-ci'],
    ['[no ci] head commit', signedWith((p) => (p.head_commit.message = 'docs [no ci]')), 202, 'skip-ci'],
    [
      'skip-checks: true trailer',
      signedWith((p) => (p.head_commit.message = 'docs\n\nskip-checks: true')),
      202,
      'skip-ci',
    ],
    ['JSON body in Latin-1 (not UTF-8)', { body: '{"ref":"caf\u00e9"}', latin1: true }, 400, 'invalid-body'],
    [
      'form payload whose percent-encoded bytes are not UTF-8',
      { body: 'payload=%7B%22ref%22%3A%22caf%E9%22%7D', contentType: 'application/x-www-form-urlencoded' },
      400,
      'invalid-body',
    ],
    ['unknown repository', signedWith((p) => (p.repository.full_name = 'evil/repo')), 202, 'unknown-repository'],
    [
      'GHES push of the configured github.com owner/repo (X-GitHub-Enterprise-Host)',
      { body: JSON.stringify(ghesBranchPush()), extraHeaders: GHES_HEADERS },
      202,
      'unknown-repository-host',
    ],
    [
      'GHES push of the configured github.com owner/repo, without the header',
      { body: JSON.stringify(ghesBranchPush()) },
      202,
      'unknown-repository-host',
    ],
    [
      'X-GitHub-Enterprise-Host naming another host than the signed payload',
      { extraHeaders: GHES_HEADERS },
      400,
      'invalid-payload',
    ],
    ['branch without environment', signedWith((p) => (p.ref = 'refs/heads/develop')), 202, 'no-environment-for-branch'],
    [
      'push touching no service path',
      signedWith((p) => {
        p.commits[0].modified = ['README.md'];
      }),
      202,
      'no-relevant-changes',
    ],
  ];

  it(`has at least 30 hostile or ignorable requests (${hostile.length})`, () => {
    expect(hostile.length).toBeGreaterThanOrEqual(30);
  });

  it.each(hostile.map(([label, d, status, reason]) => [label, status, reason, d] as const))(
    '%s -> %i %s, nothing started',
    async (_label, status, reason, d) => {
      const before = (await executions()).length;
      const res = await handler(delivery(d));
      expect({ status: res.statusCode, reason: parse(res).reason }).toEqual({ status, reason });
      expect(await executions()).toHaveLength(before);
    },
  );

  describe('the sender’s host is part of the repository’s identity (issue 11, item 3)', () => {
    it('a GHES push whose owner/repo matches a github.com service is answered "unknown repository host" and starts nothing', async () => {
      const before = await executions();
      const res = await handler(delivery({ body: JSON.stringify(ghesBranchPush()), extraHeaders: GHES_HEADERS }));
      expect(res.statusCode).toBe(202);
      expect(parse(res)).toEqual({
        reason: 'unknown-repository-host',
        message:
          'unknown repository host octocoders.github.io: no service is configured on it (configured GitHub hosts: github.com)',
      });
      expect(await executions()).toEqual(before);
      const logged = logs.records().filter((r) => r.reason === 'unknown-repository-host');
      expect(logged.at(-1)).toMatchObject({ host: GHES_HOST, repository: 'Codertocat/Hello-World', status: 202 });
    });

    it('with the GHES host configured, its push starts the GHES service only, with the GHES commit URL', async () => {
      const config = validateConfig(
        {
          ...CONFIG_INPUT,
          services: [
            ...CONFIG_INPUT.services,
            {
              name: 'hello-ghes',
              repository: { provider: 'github', name: 'Codertocat/Hello-World', host: GHES_HOST },
              helm: { chart: 'app/chart', release: 'hello-ghes', namespace: 'hello' },
              ecrRepository: 'hello-ghes',
              environments: [{ name: 'dev', branch: 'master', eksCluster: 'dev', terraformDir: 'terraform/dev' }],
            },
          ],
        },
        'test',
      );
      const before = (await executions()).length;
      const res = await handleWebhook(
        delivery({ body: JSON.stringify(ghesBranchPush()), extraHeaders: GHES_HEADERS }),
        {
          config,
          secret: async () => SECRET,
          maxBodyBytes: MAX_BODY,
          logger,
          sfn,
          stateMachineArn,
          timeoutMs: 5_000,
        },
      );
      expect(res.statusCode).toBe(201);
      const started = parse(res).executions as Array<{ service: string; environment: string; executionArn: string }>;
      expect(started.map((e) => `${e.service}/${e.environment}`)).toEqual(['hello-ghes/dev']);
      expect(await executions()).toHaveLength(before + 1);
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started[0]?.executionArn }));
      expect(JSON.parse(String(described.input)).source.url).toBe(
        `https://${GHES_HOST}/Codertocat/Hello-World/commit/${HEAD}`,
      );
    });
  });

  it('refuses a body that is not UTF-8 naming the encoding and the byte offset, never showing U+FFFD', async () => {
    const res = await handler(delivery({ body: '{"ref":"caf\u00e9"}', latin1: true }));
    expect(res.statusCode).toBe(400);
    expect(parse(res).message).toBe(
      'body is not valid UTF-8: the sequence at byte offset 11 (bytes 0xE9 0x22 0x7D) is not a UTF-8 character; save it as UTF-8',
    );
    expect(String(res.body)).not.toContain('\ufffd');
  });

  it('accepts a UTF-8 body with a byte-order mark', async () => {
    const body = `\ufeff${JSON.stringify(normalPush({ commits: [{ message: 'bom', modified: ['app/bom.ts'] }] }))}`;
    expect((await handler(delivery({ body }))).statusCode).toBe(201);
  });

  describe(`the body limit counts bytes of the raw body (${MAX_BODY}), with multi-byte text and base64`, () => {
    /** A signed push whose body is exactly `size` bytes, most of them Japanese characters (3 bytes, 1 UTF-16 unit). */
    function bodyOf(size: number): string {
      const payload = normalPush({ commits: [{ message: 'limit', modified: ['app/limit.ts'] }] });
      payload.padding = '';
      const room = size - Buffer.byteLength(JSON.stringify(payload));
      payload.padding = `${'日'.repeat(Math.floor(room / 3))}${'a'.repeat(room % 3)}`;
      const body = JSON.stringify(payload);
      expect(Buffer.byteLength(body)).toBe(size);
      expect(body.length).toBeLessThan(size / 2);
      return body;
    }

    it.each([false, true])('exactly the limit is accepted, one byte more is 413 (base64: %s)', async (base64) => {
      const atLimit = await handler(delivery({ body: bodyOf(MAX_BODY), base64 }));
      expect(atLimit.statusCode).toBe(201);
      const over = await handler(delivery({ body: bodyOf(MAX_BODY + 1), base64 }));
      expect({ status: over.statusCode, reason: parse(over).reason }).toEqual({
        status: 413,
        reason: 'payload-too-large',
      });
      expect(parse(over).message).toBe(`body of ${MAX_BODY + 1} bytes is larger than the limit of ${MAX_BODY}`);
    });
  });

  describe('execution inputs over Step Functions’ limit start, trimmed in the documented order (issue 11)', () => {
    const big = () => ({ config: CONFIG, secret: async () => SECRET, maxBodyBytes: 5 * 1024 * 1024, logger });

    it.each([
      [
        '2,000 files with Japanese names',
        normalPush({
          commits: [
            {
              message: 'ファイル一括追加',
              added: Array.from(
                { length: 2000 },
                (_, i) => `app/src/機能/共通コンポーネント/詳細設定/入力フォーム検証ルール定義ファイル-${i}.tsx`,
              ),
            },
          ],
        }),
        ['changes.paths'],
      ],
      [
        'a 150 KB squash message and 1,500 paths',
        normalPush({
          commits: [
            {
              message: Array.from(
                { length: 2100 },
                (_, i) => `* コミット${i}: 入力検証とエラーメッセージ表示の修正`,
              ).join('\n'),
              modified: Array.from(
                { length: 1500 },
                (_, i) => `app/src/features/login/form-fields/validation-rules/f-${i}.tsx`,
              ),
            },
          ],
        }),
        ['source.message'],
      ],
    ])('%s', async (_label, payload, trimmed) => {
      const res = await handleWebhook(delivery({ body: JSON.stringify(payload) }), {
        ...big(),
        sfn,
        stateMachineArn,
        timeoutMs: 5_000,
      });
      expect(res.statusCode).toBe(201);
      for (const e of parse(res).executions) {
        expect(e.trimmed).toEqual(trimmed);
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
        const sent = String(described.input);
        expect(Buffer.byteLength(sent, 'utf8')).toBeLessThanOrEqual(EXECUTION_INPUT_BUDGET_BYTES);
        expect(executionInputSchema.parse(JSON.parse(sent)).source.commit).toBe(HEAD);
      }
    });
  });

  it('header names are matched whatever their case', async () => {
    const body = JSON.stringify(normalPush({ commits: [{ message: 'mixed case', modified: ['app/y.ts'] }] }));
    const event = httpApiEvent({
      body,
      headers: {
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': randomUUID(),
        'X-Hub-Signature-256': sign(body, SECRET),
        'Content-Type': 'application/json; charset=utf-8',
      },
    });
    expect((await handler(event)).statusCode).toBe(201);
  });

  it('logs one structured line per request, with delivery, event, repository, ref and decision, and never the secret or a signature', () => {
    const records = logs.records().filter((r) => r.message === 'webhook request');
    expect(records.length).toBeGreaterThanOrEqual(hostile.length + 5);
    const started = records.find((r) => r.decision === 'started');
    expect(started).toMatchObject({
      event: 'push',
      repository: 'Codertocat/Hello-World',
      ref: 'refs/heads/master',
      status: 201,
    });
    expect(typeof started?.deliveryId).toBe('string');
    expect(records.find((r) => r.reason === 'invalid-signature')).toMatchObject({ status: 401, decision: 'rejected' });

    const all = logs.lines.join('');
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/sha256=[0-9a-f]{16}/i);
    expect(all).not.toMatch(/sha1=[0-9a-f]{16}/i);
    expect(all).not.toContain('x-hub-signature');
    // Nor the body: the pushed file list and the huge padding never appear.
    expect(all).not.toContain('app/src/index.ts');
    expect(all).not.toContain('xxxxxxxxxxxxxxxx');
  });

  describe('when Step Functions fails or hangs (real clients, real sockets)', () => {
    const base = () => ({ config: CONFIG, secret: async () => SECRET, maxBodyBytes: MAX_BODY, logger });

    it('a refused start answers 502 so GitHub shows the failure and the push can be redelivered', async () => {
      const res = await handleWebhook(delivery({}), {
        ...base(),
        sfn: new SFNClient({}),
        stateMachineArn: stateMachineArn.replace(SM_NAME, 'no-such-machine'),
        timeoutMs: 5_000,
      });
      expect(res.statusCode).toBe(502);
      expect(parse(res).reason).toBe('start-failed');
    });

    it('a Step Functions endpoint that never answers gets 504 within the time budget', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      try {
        const t0 = Date.now();
        const res = await handleWebhook(delivery({}), {
          ...base(),
          sfn: new SFNClient({ ...moto.clientConfig, endpoint: `http://127.0.0.1:${port}` }),
          stateMachineArn,
          timeoutMs: 300,
        });
        expect(res.statusCode).toBe(504);
        expect(parse(res).reason).toBe('start-timeout');
        expect(Date.now() - t0).toBeLessThan(3_000);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    });
  });
});
