import { generateKeyPairSync, verify } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { COMMIT_STATE, commitStatusOf, MAX_DESCRIPTION_CHARS } from '../../lambdas/commit-status/commit-status-of';
import { gitHubCommitStatusApi } from '../../lambdas/commit-status/github-api';
import { setCommitStatus } from '../../lambdas/commit-status/set-commit-status';
import { GitHubCredentialsInvalid, parseCredentials } from '../../lambdas/shared/github-credentials';
import { PIPELINE_EVENT_TYPES, type PipelineEvent, type PipelineEventType } from '../../lib/contracts/pipeline-event';
import { LogCapture } from '../push-trigger/log-capture';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { pushInput, runScenario } from '../workflow/harness';
import { eventsByType } from './events';
import { type RecordedRequest, StandInServer } from './stand-in-server';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const STATUS_PATH = `/repos/example-org/sample-service/statuses/${SHA}`;
const TOKEN = 'ghp_notARealTokenButLongEnough0123456789';

const github = new StandInServer();
let apiUrl: string;
let events: Record<PipelineEventType, PipelineEvent>;

beforeAll(async () => {
  apiUrl = await github.start();
  events = await eventsByType();
});
afterAll(() => github.stop());

const bodyOf = (r: RecordedRequest | undefined) => JSON.parse(r?.body ?? '{}') as Record<string, unknown>;

describe('the commit status of each event', () => {
  test.each(PIPELINE_EVENT_TYPES)('%s', (type) => {
    const status = commitStatusOf(events[type]);
    expect(status).toEqual({
      owner: 'example-org',
      repo: 'sample-service',
      sha: SHA,
      state: COMMIT_STATE[type],
      context: 'deploy/sample-service/dev',
      description: expect.any(String),
      targetUrl: events[type].execution.consoleUrl,
    });
    expect(status?.description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
  });

  test('pending on start, success or failure at the end, with words that say why', () => {
    expect(COMMIT_STATE).toEqual({
      started: 'pending',
      approval_required: 'pending',
      succeeded: 'success',
      failed: 'failure',
      rolled_back: 'failure',
      rollback_failed: 'failure',
      superseded: 'success',
      lock_released_by_watchdog: 'error',
    });
    expect(commitStatusOf(events.succeeded)?.description).toBe('Deployed to dev in 6m 12s');
    expect(commitStatusOf(events.failed)?.description).toBe('Not deployed to dev: HelmDeploy failed: HelmDeployFailed');
    expect(commitStatusOf(events.superseded)?.description).toBe(
      'Superseded in dev by fedcba9 (not deployed on its own)',
    );
  });

  test('no status for a source that is not GitHub, or without a full commit id', () => {
    const codecommit = {
      ...events.started,
      source: { ...events.started.source, provider: 'codecommit', repository: 'billing' },
    };
    expect(commitStatusOf(codecommit)).toBeNull();
    expect(commitStatusOf({ ...events.started, source: { ...events.started.source, commit: 'abc' } })).toBeNull();
  });

  test('a long failure is cut to GitHub’s 140 characters', () => {
    const long = { ...events.failed, failure: { stage: 'S'.repeat(100), error: 'E'.repeat(100), cause: '' } };
    expect(commitStatusOf(long)?.description).toHaveLength(MAX_DESCRIPTION_CHARS);
  });
});

describe('GitHub credentials from the secret', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

  test('a token, plain or as JSON; an app as JSON with the key (escaped newlines too)', () => {
    expect(parseCredentials('token', TOKEN)).toEqual({ kind: 'token', token: TOKEN });
    expect(parseCredentials('token', JSON.stringify({ token: TOKEN }))).toEqual({ kind: 'token', token: TOKEN });
    const app = parseCredentials(
      'app',
      JSON.stringify({ appId: 123, privateKey: pem.replace(/\n/g, '\\n'), installationId: '42' }),
    );
    expect(app).toMatchObject({ kind: 'app', appId: '123', installationId: 42 });
  });

  test.each([
    ['token', '', 'the GitHub secret is empty'],
    ['token', 'two words', 'the GitHub secret has no token'],
    ['app', TOKEN, 'a GitHub App secret must be JSON'],
    ['app', '{"privateKey": "x"}', 'the GitHub App secret has no "appId"'],
    ['app', '{"appId": 1, "privateKey": "not a key"}', 'is not a PEM private key'],
  ] as const)('%s %j is refused without quoting it', (kind, value, message) => {
    expect(() => parseCredentials(kind, value)).toThrow(GitHubCredentialsInvalid);
    expect(() => parseCredentials(kind, value)).toThrow(message);
  });

  test('an installation id that is not a positive whole number is refused', () => {
    const value = JSON.stringify({ appId: 1, privateKey: pem, installationId: -1 });
    expect(() => parseCredentials('app', value)).toThrow('"installationId" must be a positive whole number');
  });
});

describe('setting statuses through @octokit/rest (a local server standing in for the GitHub API)', () => {
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  beforeEach(() => jest.clearAllMocks());

  test('with a token: one POST of state, context, description and target URL', async () => {
    github.answer({ status: 201, body: '{}', headers: { 'content-type': 'application/json' } });
    const api = gitHubCommitStatusApi({
      credentials: async () => ({ kind: 'token', token: TOKEN }),
      baseUrl: apiUrl,
      now: () => new Date(),
      timeoutMs: 5_000,
    });
    expect(await setCommitStatus(JSON.stringify(events.started), { github: api, logger })).toBe('set');
    expect(github.requests).toHaveLength(1);
    const [request] = github.requests;
    expect(request).toMatchObject({ method: 'POST', path: STATUS_PATH });
    expect(request?.headers.authorization).toBe(`token ${TOKEN}`);
    expect(bodyOf(request)).toEqual({
      state: 'pending',
      context: 'deploy/sample-service/dev',
      description: 'Deploying to dev',
      target_url: events.started.execution.consoleUrl,
    });
  });

  test('as a GitHub App: a signed JWT finds the installation and gets a token, which is kept for the next status', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = new Date('2026-11-21T12:06:12.000Z');
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    github.answer();
    github.route = (r) => {
      if (r.path === '/repos/example-org/sample-service/installation')
        return { status: 200, body: '{"id": 42}', headers: json };
      if (r.path === '/app/installations/42/access_tokens') {
        return { status: 201, body: JSON.stringify({ token: 'ghs_installation', expires_at: expires }), headers: json };
      }
      return { status: 201, body: '{}', headers: json };
    };
    const json = { 'content-type': 'application/json' };
    try {
      const api = gitHubCommitStatusApi({
        credentials: async () => ({ kind: 'app', appId: '123', privateKey }),
        baseUrl: apiUrl,
        now: () => now,
        timeoutMs: 5_000,
      });
      await setCommitStatus(JSON.stringify(events.started), { github: api, logger });
      await setCommitStatus(JSON.stringify(events.succeeded), { github: api, logger });
    } finally {
      github.route = undefined;
    }
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/example-org/sample-service/installation',
      'POST /app/installations/42/access_tokens',
      `POST ${STATUS_PATH}`,
      `POST ${STATUS_PATH}`,
    ]);
    // The JWT: RS256, signed by the app's key, issued 60 s back, expiring 9 minutes ahead.
    const jwt = String(github.requests[0]?.headers.authorization).replace(/^bearer /i, '');
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toEqual({ iss: '123', iat: now.getTime() / 1000 - 60, exp: now.getTime() / 1000 + 540 });
    expect(
      verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')),
    ).toBe(true);
    expect(github.requests[2]?.headers.authorization).toBe('token ghs_installation');
    expect(bodyOf(github.requests[3])).toMatchObject({ state: 'success', description: 'Deployed to dev in 6m 12s' });
  });

  test.each([
    [500, 'Server Error'],
    [422, 'Validation Failed'],
    [401, 'Bad credentials'],
  ])('GitHub answering %i is logged with its status and never thrown', async (status, message) => {
    github.answer({ status, body: JSON.stringify({ message }), headers: { 'content-type': 'application/json' } });
    const api = gitHubCommitStatusApi({
      credentials: async () => ({ kind: 'token', token: TOKEN }),
      baseUrl: apiUrl,
      now: () => new Date(),
      timeoutMs: 5_000,
    });
    await expect(setCommitStatus(JSON.stringify(events.failed), { github: api, logger })).resolves.toBe('failed');
    expect(logger.error).toHaveBeenCalledWith(
      'commit status not set',
      expect.objectContaining({ httpStatus: status, state: 'failure', context: 'deploy/sample-service/dev' }),
    );
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain(TOKEN);
  });

  test('credentials that cannot be read are logged, never thrown; a non-GitHub event is skipped', async () => {
    const api = gitHubCommitStatusApi({
      credentials: async () => {
        throw new GitHubCredentialsInvalid('the GitHub secret is empty');
      },
      baseUrl: apiUrl,
      now: () => new Date(),
      timeoutMs: 5_000,
    });
    await expect(setCommitStatus(JSON.stringify(events.failed), { github: api, logger })).resolves.toBe('failed');
    const codecommit = { ...events.failed, source: { ...events.failed.source, provider: 'codecommit' } };
    await expect(setCommitStatus(JSON.stringify(codecommit), { github: api, logger })).resolves.toBe('skipped');
    await expect(setCommitStatus('not json', { github: api, logger })).resolves.toBe('skipped');
  });
});

describeWithTools(['moto_server'], 'the commit-status function (Secrets Manager in moto_server)', () => {
  let moto: MotoServer;
  let handler: (event: SNSEvent) => Promise<string[]>;
  const logs = new LogCapture();
  const snsEvent = (event: PipelineEvent): SNSEvent =>
    ({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(event) } }] }) as unknown as SNSEvent;

  beforeAll(async () => {
    moto = await startMoto();
    const secrets = new SecretsManagerClient(moto.clientConfig);
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: 'deploy-pipeline/github-token', SecretString: TOKEN }),
    );
    Object.assign(process.env, { GITHUB_AUTH: 'token', GITHUB_SECRET_ARN: secret.ARN, GITHUB_API_URL: apiUrl });
    handler = (await import('../../lambdas/commit-status/index')).handler;
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await moto?.stop();
  });

  test('a run shows pending, then success, on its commit', async () => {
    github.answer({ status: 201, body: '{}', headers: { 'content-type': 'application/json' } });
    // The events a real run publishes: the real ASL in aws-local-stepfunctions, its Notify payloads built into events.
    const run = await runScenario({ input: pushInput() });
    expect(run.status).toBe('SUCCEEDED');
    for (const event of run.notifications) expect(await handler(snsEvent(event))).toEqual(['set']);
    expect(github.requests.map((r) => [r.path, bodyOf(r).state, bodyOf(r).context])).toEqual([
      [STATUS_PATH, 'pending', 'deploy/sample-service/dev'],
      [STATUS_PATH, 'success', 'deploy/sample-service/dev'],
    ]);
  });

  test('a GitHub API error leaves the run’s result unchanged: logged, never thrown', async () => {
    github.answer({ status: 502, body: 'Bad Gateway' });
    const run = await runScenario({ input: pushInput() });
    for (const event of run.notifications) expect(await handler(snsEvent(event))).toEqual(['failed']);
    expect(run.status).toBe('SUCCEEDED');
    expect(
      logs
        .records()
        .filter((r) => r.message === 'commit status not set')
        .map((r) => r.httpStatus),
    ).toEqual([502, 502]);
    expect(logs.lines.join('')).not.toContain(TOKEN);
  });
});
