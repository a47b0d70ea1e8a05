import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { renderSlackMessage } from '../../lambdas/shared/notifications/render-slack';
import {
  DEFAULT_RETRY_POLICY,
  type PostDeps,
  postWithRetry,
  type RetryPolicy,
  retryAfterMs,
} from '../../lambdas/slack-notifier/post-with-retry';
import { WebhookUrlUnavailable, webhookUrlFrom } from '../../lambdas/slack-notifier/webhook-url';
import type { PipelineEvent } from '../../lib/contracts/pipeline-event';
import { LogCapture } from '../push-trigger/log-capture';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { eventsByType } from './events';
import { StandInServer } from './stand-in-server';

/** The part of the webhook URL that is the secret: it must never appear in a log or a queue. */
const SECRET_PART = 'T00000000/B00000000/XXXXsecretXXXXsecretXXXX';

const slack = new StandInServer();
let base: string;
let url: URL;
let events: Record<string, PipelineEvent>;

beforeAll(async () => {
  base = await slack.start();
  url = new URL(`${base}/services/${SECRET_PART}`);
  events = await eventsByType();
});
afterAll(() => slack.stop());

/** Real fetch and clock; waits are recorded and skipped (except where a test uses real time). */
function deps(overrides: Partial<PostDeps> = {}): PostDeps & { waits: number[] } {
  const waits: number[] = [];
  return {
    fetch,
    sleep: async (ms) => {
      waits.push(ms);
    },
    now: Date.now,
    random: () => 0.5,
    waits,
    ...overrides,
  };
}

const body = () => JSON.stringify(renderSlackMessage(events.failed as PipelineEvent));

describe('posting to a Slack incoming webhook (a local server standing in for Slack)', () => {
  test('a post Slack takes: one request, the Block Kit body as JSON', async () => {
    slack.answer({ status: 200, body: 'ok' });
    const d = deps();
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, d);
    expect(outcome).toMatchObject({ delivered: true, attempts: [{ status: 200 }] });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]).toMatchObject({ method: 'POST', path: `/services/${SECRET_PART}` });
    expect(slack.requests[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(slack.requests[0]?.body ?? '')).toEqual(renderSlackMessage(events.failed as PipelineEvent));
    expect(d.waits).toEqual([]);
  });

  test('429 with Retry-After: waits exactly what Slack asked, then posts again', async () => {
    slack.answer({ status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } }, { status: 200, body: 'ok' });
    const d = deps();
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, d);
    expect(outcome.delivered).toBe(true);
    expect(outcome.attempts.map((a) => [a.status, a.retryAfterMs])).toEqual([
      [429, 3000],
      [200, undefined],
    ]);
    expect(d.waits).toEqual([3000]);
  });

  test('Retry-After is honoured in real time: the second request comes no sooner', async () => {
    slack.answer({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } }, { status: 200, body: 'ok' });
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, {
      fetch,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: Date.now,
      random: Math.random,
    });
    expect(outcome.delivered).toBe(true);
    const [first, second] = slack.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  test('Retry-After as an HTTP date; a header that is neither is ignored', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(retryAfterMs('Sat, 21 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  test('5xx: exponential backoff with full jitter, then success', async () => {
    slack.answer({ status: 500, body: 'internal_error' }, { status: 503 }, { status: 200, body: 'ok' });
    const d = deps();
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, d);
    expect(outcome.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    // random() = 0.5 of 1 s, then of 2 s.
    expect(d.waits).toEqual([500, 1000]);
  });

  test('a slow answer counts as a failed attempt and is retried', async () => {
    slack.answer({ status: 200, body: 'ok', delayMs: 1_500 }, { status: 200, body: 'ok' });
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, attemptTimeoutMs: 200 };
    const outcome = await postWithRetry(url, body(), policy, deps());
    expect(outcome.delivered).toBe(true);
    expect(outcome.attempts.map((a) => [a.status, a.error])).toEqual([
      [null, 'TimeoutError'],
      [200, undefined],
    ]);
  });

  test('always 500: gives up after the last attempt', async () => {
    slack.answer({ status: 500, body: 'internal_error' });
    const d = deps();
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, d);
    expect(outcome).toMatchObject({ delivered: false, reason: 'exhausted' });
    expect(slack.requests).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(d.waits).toEqual([500, 1000, 2000, 4000]);
  });

  test('a Retry-After longer than the time left ends it at once', async () => {
    slack.answer({ status: 429, body: 'rate_limited', headers: { 'retry-after': '120' } });
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, deps());
    expect(outcome).toMatchObject({
      delivered: false,
      reason: 'budget',
      attempts: [{ status: 429, retryAfterMs: 120_000 }],
    });
  });

  test('an answer retrying cannot change (404 channel_not_found) is not retried', async () => {
    slack.answer({ status: 404, body: 'channel_not_found' });
    const outcome = await postWithRetry(url, body(), DEFAULT_RETRY_POLICY, deps());
    expect(outcome).toMatchObject({
      delivered: false,
      reason: 'rejected',
      attempts: [{ status: 404, error: 'channel_not_found' }],
    });
    expect(slack.requests).toHaveLength(1);
  });

  test('no server: a network error, retried, named by its code', async () => {
    const gone = new StandInServer();
    const address = await gone.start();
    await gone.stop();
    const closed = new URL(`${address}/services/${SECRET_PART}`);
    const outcome = await postWithRetry(closed, body(), { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 }, deps());
    expect(outcome).toMatchObject({ delivered: false, reason: 'exhausted' });
    expect(outcome.attempts.map((a) => a.error)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });
});

describe('the webhook URL from its secret', () => {
  test('the URL itself or JSON {"url"}; https, or http to loopback only', () => {
    expect(webhookUrlFrom('https://hooks.slack.com/services/T/B/X').host).toBe('hooks.slack.com');
    expect(webhookUrlFrom('{"url": "https://hooks.slack.com/services/T/B/X"}').pathname).toBe('/services/T/B/X');
    expect(webhookUrlFrom(` ${url.href}\n`).href).toBe(url.href);
  });

  test.each([
    ['', 'the webhook secret is empty'],
    ['{"link": 1}', 'the webhook secret is not a URL'],
    ['{broken', 'the webhook secret is JSON without a "url" string'],
    ['not a url', 'the webhook secret is not a URL'],
    [`http://hooks.example.com/services/${SECRET_PART}`, 'the webhook URL must use https (it uses http:)'],
  ])('%j is refused without quoting it', (value, message) => {
    expect(() => webhookUrlFrom(value)).toThrow(new WebhookUrlUnavailable(message));
  });
});

describeWithTools(['moto_server'], 'the Slack notifier function (Secrets Manager and SQS in moto_server)', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  let queueUrl: string;
  let handler: (event: SNSEvent) => Promise<string[]>;
  const logs = new LogCapture();

  const snsEvent = (message: string): SNSEvent =>
    ({
      Records: [{ EventSource: 'aws:sns', Sns: { Message: message, MessageAttributes: {}, Type: 'Notification' } }],
    }) as unknown as SNSEvent;

  async function deadLetters(): Promise<Array<Record<string, unknown>>> {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    return (Messages ?? []).map((m) => JSON.parse(String(m.Body)));
  }

  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient(moto.clientConfig);
    const secrets = new SecretsManagerClient(moto.clientConfig);
    const secret = await secrets.send(new CreateSecretCommand({ Name: 'slack/prod-deploys', SecretString: url.href }));
    queueUrl = String((await sqs.send(new CreateQueueCommand({ QueueName: 'notifications-dead-letter' }))).QueueUrl);
    Object.assign(process.env, {
      WEBHOOK_SECRET_ARN: secret.ARN,
      DEAD_LETTER_QUEUE_URL: queueUrl,
      CHANNEL_NAME: 'prod-deploys',
    });
    handler = (await import('../../lambdas/slack-notifier/index')).handler;
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await moto?.stop();
  });

  test('an event is posted as Block Kit and logged by id, type and attempts', async () => {
    slack.answer({ status: 200, body: 'ok' });
    expect(await handler(snsEvent(JSON.stringify(events.succeeded)))).toEqual(['delivered']);
    expect(JSON.parse(slack.requests[0]?.body ?? '')).toEqual(renderSlackMessage(events.succeeded as PipelineEvent));
    expect(logs.records().at(-1)).toMatchObject({
      message: 'event delivered to Slack',
      channel: 'prod-deploys',
      eventId: events.succeeded?.id,
      attempts: 1,
    });
  });

  test('blocks Slack refuses are sent once more as plain text', async () => {
    slack.answer({ status: 400, body: 'invalid_blocks' }, { status: 200, body: 'ok' });
    expect(await handler(snsEvent(JSON.stringify(events.failed)))).toEqual(['delivered-as-text']);
    expect(JSON.parse(slack.requests[1]?.body ?? '')).toEqual({
      text: renderSlackMessage(events.failed as PipelineEvent).text,
    });
  });

  test('an event Slack will not take goes to the dead-letter queue with the attempts, never the URL', async () => {
    slack.answer({ status: 404, body: 'channel_not_found' });
    const message = JSON.stringify(events.rolled_back);
    expect(await handler(snsEvent(message))).toEqual(['dead-lettered']);
    const [dead] = await deadLetters();
    expect(dead).toMatchObject({
      channel: 'prod-deploys',
      reason: 'rejected',
      eventId: events.rolled_back?.id,
      attempts: [{ status: 404, error: 'channel_not_found' }],
      message,
    });
    expect(JSON.stringify(dead)).not.toContain(SECRET_PART);
  });

  test('after the last retry the event goes to the dead-letter queue (exhausted)', async () => {
    // Retry-After: 0 keeps the real policy's five attempts from waiting.
    slack.answer({ status: 429, body: 'rate_limited', headers: { 'retry-after': '0' } });
    expect(await handler(snsEvent(JSON.stringify(events.started)))).toEqual(['dead-lettered']);
    expect(slack.requests).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
    const [dead] = await deadLetters();
    expect(dead).toMatchObject({ reason: 'exhausted', eventId: events.started?.id });
    expect(dead?.attempts).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
  });

  test('a message that is no pipeline event is parked unread, without a post', async () => {
    slack.answer({ status: 200, body: 'ok' });
    expect(await handler(snsEvent('{"AlarmName":"x"}'))).toEqual(['dead-lettered']);
    expect(slack.requests).toHaveLength(0);
    expect((await deadLetters())[0]).toMatchObject({ reason: 'unreadable', eventId: null });
  });

  test('no log line and no dead letter carries the webhook URL or its secret part', () => {
    const everything = logs.lines.join('');
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(SECRET_PART);
    expect(everything).not.toContain('/services/');
    expect(everything).not.toContain(base);
  });
});
