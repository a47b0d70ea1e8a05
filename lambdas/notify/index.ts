import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { configuredEnvironments, filterPolicyOf } from '../../lib/contracts/pipeline-event';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import type { ChatbotRoute } from '../shared/notifications/publish-event';
import { requiredEnv } from '../shared/required-env';
import { handleNotify, type NotifyResult } from './handle-notify';

/** The history read gets this long; the function's timeout leaves room to publish after it. */
const HISTORY_TIMEOUT_MS = 10_000;

const sns = new SNSClient({});
const sfn = new SFNClient({});
const topicArn = requiredEnv('TOPIC_ARN');

/**
 * Chatbot channel topics by channel name (`CHATBOT_TOPIC_ARNS`, JSON), each with the filter policy of
 * the events it selects in the embedded configuration (the same policy a subscription would have).
 */
function chatbotRoutes(): ChatbotRoute[] {
  const arns = JSON.parse(process.env.CHATBOT_TOPIC_ARNS || '{}') as Record<string, string>;
  if (Object.keys(arns).length === 0) return [];
  const config = embeddedConfig();
  const environments = configuredEnvironments(config);
  return config.notifications.chatbot.map((channel) => {
    const topicArn = arns[channel.name];
    if (topicArn === undefined)
      throw new Error(`CHATBOT_TOPIC_ARNS has no topic for Chatbot channel "${channel.name}"`);
    return { name: channel.name, topicArn, filterPolicy: filterPolicyOf(channel.events, environments) };
  });
}
const routes = chatbotRoutes();

/** Invoked by the workflow's `Notify*` states: publishes the run's event for this moment. */
export async function handler(payload: unknown): Promise<NotifyResult> {
  return handleNotify(payload, {
    sns,
    sfn,
    topicArn,
    chatbotRoutes: routes,
    now: () => new Date(),
    historyTimeoutMs: HISTORY_TIMEOUT_MS,
    logger,
  });
}
