import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { cachedValue } from '../shared/cached-value';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { type Delivery, deliverMessage } from './deliver-event';
import { DEFAULT_RETRY_POLICY, postWithRetry } from './post-with-retry';
import { fetchWebhookUrl } from './webhook-url';

const SECRET_READ_TIMEOUT_MS = 5_000;

const secretsManager = new SecretsManagerClient({});
const sqs = new SQSClient({});
const secretId = requiredEnv('WEBHOOK_SECRET_ARN');
const queueUrl = requiredEnv('DEAD_LETTER_QUEUE_URL');
const channel = requiredEnv('CHANNEL_NAME');
const webhookUrl = cachedValue(() =>
  fetchWebhookUrl(secretsManager, secretId, AbortSignal.timeout(SECRET_READ_TIMEOUT_MS)),
);

/** Subscribed to the pipeline topic (filtered to this channel's events): posts each event to Slack. */
export async function handler(event: SNSEvent): Promise<Delivery[]> {
  const results: Delivery[] = [];
  for (const record of event.Records) {
    results.push(
      await deliverMessage(record.Sns.Message, {
        channel,
        webhookUrl,
        post: (url, body) =>
          postWithRetry(url, body, DEFAULT_RETRY_POLICY, {
            fetch,
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            now: Date.now,
            random: Math.random,
          }),
        deadLetter: async (dead) => {
          await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(dead) }));
        },
        now: () => new Date(),
        logger,
      }),
    );
  }
  return results;
}
