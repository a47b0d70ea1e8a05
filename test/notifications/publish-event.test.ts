import { SNSClient } from '@aws-sdk/client-sns';
import { PipelineEventNotPublished, publishEvent, subjectOf } from '../../lambdas/shared/notifications/publish-event';
import { filterPolicyOf, type PipelineEvent } from '../../lib/contracts/pipeline-event';
import { eventsByType } from './events';

let events: Awaited<ReturnType<typeof eventsByType>>;
beforeAll(async () => {
  events = await eventsByType();
});

/** An SNS client whose Publish fails for the listed topics and records the rest. */
function sns(failing: readonly string[]) {
  const client = new SNSClient({ region: 'us-east-1' });
  const published: Array<Record<string, unknown>> = [];
  client.send = (async (command: { input: Record<string, unknown> }) => {
    if (failing.includes(String(command.input.TopicArn)))
      throw Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' });
    published.push(command.input);
    return { MessageId: `m-${published.length}` };
  }) as never;
  return { client, published };
}

const routes = [
  { name: 'all-prod', topicArn: 'chatbot-prod', filterPolicy: filterPolicyOf({ prod: 'all' }, ['dev', 'prod']) },
  { name: 'dev-failures', topicArn: 'chatbot-dev', filterPolicy: filterPolicyOf({ dev: ['failed'] }, ['dev', 'prod']) },
];

describe('publishEvent', () => {
  test('once to the topic, and in Chatbot format to each channel that selects the event', async () => {
    const { client, published } = sns([]);
    const result = await publishEvent(events.failed, { sns: client, topicArn: 'main', chatbotRoutes: routes });
    expect(published.map((p) => p.TopicArn)).toEqual(['main', 'chatbot-dev']);
    expect(result).toMatchObject({ messageId: 'm-1', chatbot: ['dev-failures'], trimmed: [] });
    expect(JSON.parse(String(published[1]?.Message))).toMatchObject({ version: '1.0', source: 'custom' });
  });

  test('a failed publish is reported after every destination was tried', async () => {
    const { client, published } = sns(['main']);
    const attempt = publishEvent(events.failed, { sns: client, topicArn: 'main', chatbotRoutes: routes });
    await expect(attempt).rejects.toThrow(PipelineEventNotPublished);
    await expect(attempt).rejects.toThrow('was not published to topic: AuthorizationErrorException');
    expect(published.map((p) => p.TopicArn)).toEqual(['chatbot-dev']);
  });

  test('an event that does not match the schema is a publisher’s defect, refused before any publish', async () => {
    const { client, published } = sns([]);
    const broken = { ...events.failed, type: 'exploded' } as unknown as PipelineEvent;
    await expect(publishEvent(broken, { sns: client, topicArn: 'main', chatbotRoutes: [] })).rejects.toThrow(
      /^not a pipeline event: type/,
    );
    expect(published).toEqual([]);
  });

  test('the email subject is ASCII and under 100 characters', () => {
    expect(subjectOf(events.failed)).toBe('[failed] sample-service/dev 0123456');
    const subject = subjectOf({ ...events.failed, service: 'ü'.repeat(200) });
    expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  });
});
