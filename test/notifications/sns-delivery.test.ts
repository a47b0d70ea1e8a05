import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { publishEvent } from '../../lambdas/shared/notifications/publish-event';
import {
  filterPolicyMatches,
  filterPolicyOf,
  messageAttributesOf,
  type NotificationEvents,
  PIPELINE_EVENT_TYPES,
  type PipelineEvent,
  pipelineEventSchema,
} from '../../lib/contracts/pipeline-event';
import { validateConfig } from '../../lib/contracts/validate-config';
import { LogCapture } from '../push-trigger/log-capture';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { pushInput, runScenario } from '../workflow/harness';
import { eventsByType } from './events';
import { CONFIG_WITH_CHATBOT } from './test-config';

interface Delivered {
  readonly body: Record<string, unknown>;
  readonly attributes: Record<string, string>;
  readonly subject?: string;
}

describeWithTools(['moto_server'], 'pipeline events through SNS to SQS in moto_server', () => {
  let moto: MotoServer;
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;
  let chatbotTopicArn: string;
  let events: Awaited<ReturnType<typeof eventsByType>>;
  const logs = new LogCapture();

  /** A queue subscribed to `topic` with `filterPolicy` (none: every message). */
  async function subscribedQueue(name: string, topic: string, filterPolicy?: object): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: filterPolicy === undefined ? {} : { FilterPolicy: JSON.stringify(filterPolicy) },
      }),
    );
    return String(QueueUrl);
  }

  /** Every message on the queue (moto delivers at publish time), as the SNS envelope's parts. */
  async function drain(queueUrl: string): Promise<Delivered[]> {
    const out: Delivered[] = [];
    for (;;) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      if (!Messages || Messages.length === 0) return out;
      for (const m of Messages) {
        const envelope = JSON.parse(String(m.Body)) as {
          Message: string;
          Subject?: string;
          MessageAttributes?: Record<string, { Value: string }>;
        };
        out.push({
          body: JSON.parse(envelope.Message),
          attributes: Object.fromEntries(
            Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
          ),
          ...(envelope.Subject ? { subject: envelope.Subject } : {}),
        });
      }
      // moto hides received messages for the visibility timeout, so one pass reads each once.
    }
  }

  beforeAll(async () => {
    moto = await startMoto();
    sns = new SNSClient(moto.clientConfig);
    sqs = new SQSClient(moto.clientConfig);
    topicArn = String((await sns.send(new CreateTopicCommand({ Name: 'pipeline-events' }))).TopicArn);
    chatbotTopicArn = String((await sns.send(new CreateTopicCommand({ Name: 'chatbot-deploys' }))).TopicArn);
    events = await eventsByType();
  });

  afterAll(async () => {
    logs.stop();
    await moto?.stop();
  });

  test('a workflow failure publishes exactly one failure message, with the type, service, environment and event attributes', async () => {
    const all = await subscribedQueue('all-events', topicArn);
    const chatbot = await subscribedQueue('chatbot-deploys', chatbotTopicArn);
    // What NotificationsStage.bindEventPublisher gives the function for the fixture's Chatbot channel.
    const channel = validateConfig(CONFIG_WITH_CHATBOT).notifications.chatbot[0];
    Object.assign(process.env, {
      TOPIC_ARN: topicArn,
      CHATBOT_ROUTES: JSON.stringify([
        { name: 'deploys', topicArn: chatbotTopicArn, filterPolicy: filterPolicyOf(channel?.events, ['dev', 'prod']) },
      ]),
    });
    // The real handler, its SDK clients pointed at moto by AWS_ENDPOINT_URL, behind the real ASL's Notify states.
    const { handler } = await import('../../lambdas/notify/index');
    const notify = async (params: unknown) => ({ Payload: await handler((params as { Payload: unknown }).Payload) });
    logs.start();
    const run = await runScenario(
      { input: pushInput(), stages: { HelmDeploy: 'fail' } },
      { NotifyStarted: notify, NotifySucceeded: notify, NotifyFailed: notify },
    );
    logs.stop();
    expect(run.status).toBe('FAILED');

    const delivered = await drain(all);
    expect(delivered.map((d) => d.body.type)).toEqual(['started', 'failed']);
    const failed = delivered.filter((d) => d.body.type === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes).toEqual({
      type: 'failed',
      service: 'sample-service',
      environment: 'dev',
      route: 'dev:failed',
      event: 'failed',
    });
    expect(failed[0]?.subject).toBe('[failed] sample-service/dev 0123456');
    const event = pipelineEventSchema.parse(failed[0]?.body);
    expect(event.failure).toMatchObject({ stage: 'HelmDeploy', error: 'HelmDeployFailed' });

    // The Chatbot channel selects dev failures only: one custom notification, for the failure.
    const toChatbot = await drain(chatbot);
    expect(toChatbot).toHaveLength(1);
    expect(toChatbot[0]?.body).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: expect.stringContaining('failed in HelmDeploy') },
      metadata: { eventType: 'failed', threadId: event.execution.name },
    });
    // The history of an execution moto never ran cannot be read: the event goes without a timeline, with a warning.
    expect(
      logs.records().filter((r) => r.message === 'execution history not read: the event has no stage timeline'),
    ).toHaveLength(2);
    expect(
      logs
        .records()
        .filter((r) => r.message === 'pipeline event published')
        .map((r) => r.chatbot),
    ).toEqual([[], ['deploys']]);
  });

  const ENVIRONMENTS = ['dev', 'prod', 'staging'];
  /** Each selection and how many of the 8 types x 3 environments it selects. */
  const SELECTIONS: Record<string, [NotificationEvents | undefined, number]> = {
    everything: [undefined, 24],
    'dev-failures-prod-all': [{ dev: ['failed', 'rolled_back', 'rollback_failed'], prod: 'all' }, 11],
    'prod-only': [{ prod: 'all' }, 8],
    'dev-failed-others-succeeded': [{ dev: ['failed'], '*': ['succeeded'] }, 3],
  };

  test('filter policies deliver exactly what each channel selects, the same as the code decides, and never an alarm', async () => {
    const policies = Object.fromEntries(
      Object.entries(SELECTIONS).map(([name, [selection]]) => [name, filterPolicyOf(selection, ENVIRONMENTS)]),
    );
    const queues = Object.fromEntries(
      await Promise.all(
        Object.entries(policies).map(async ([name, policy]) => [
          name,
          await subscribedQueue(`filter-${name}`, topicArn, policy),
        ]),
      ),
    ) as Record<string, string>;
    const sent: PipelineEvent[] = [];
    for (const environment of ENVIRONMENTS) {
      for (const type of PIPELINE_EVENT_TYPES) {
        const event = { ...events[type], environment, id: `${environment}/${type}` };
        sent.push(event);
        await publishEvent(event, { sns, topicArn, chatbotRoutes: [] });
      }
    }
    // A CloudWatch alarm publishes to the same topic without attributes.
    await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify({ AlarmName: 'x', NewStateValue: 'ALARM' }) }),
    );

    for (const [name, [, count]] of Object.entries(SELECTIONS)) {
      const got = (await drain(queues[name] as string)).map((d) => String(d.body.id)).sort();
      const decided = sent
        .filter((e) => filterPolicyMatches(policies[name] as never, messageAttributesOf(e)))
        .map((e) => e.id);
      expect({ name, got }).toEqual({ name, got: decided.sort() });
      expect({ name, count: got.length }).toEqual({ name, count });
    }
  });

  test('a subscription still filtering on the deprecated event attribute keeps getting its three types', async () => {
    const legacy = await subscribedQueue('legacy-event-attribute', topicArn, { event: ['failed', 'succeeded'] });
    for (const type of PIPELINE_EVENT_TYPES) await publishEvent(events[type], { sns, topicArn, chatbotRoutes: [] });
    expect((await drain(legacy)).map((d) => d.body.type).sort()).toEqual(['failed', 'succeeded']);
  });

  test('an event over 256 KiB is trimmed before it is published and arrives whole and valid', async () => {
    const queue = await subscribedQueue('large-events', topicArn);
    const huge = { ...events.failed, source: { ...events.failed.source, message: '部署'.repeat(100_000) } };
    const result = await publishEvent(huge, { sns, topicArn, chatbotRoutes: [] });
    // The first step (only failed stages stay) is not enough; the message is the next.
    expect(result.trimmed).toEqual(['stages', 'source.message']);
    expect(result.bytes).toBeLessThanOrEqual(262_144);
    const [delivered] = await drain(queue);
    const event = pipelineEventSchema.parse(delivered?.body);
    expect(event.trimmed).toEqual(['stages', 'source.message']);
    expect(event.stages.map((s) => s.name)).toEqual(['HelmDeploy']);
  });
});
