import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { pricingSchema } from '../../lib/contracts/pricing';
import { logger } from '../shared/logger';
import { chatbotRoutesFrom } from '../shared/notifications/publish-event';
import { requiredEnv } from '../shared/required-env';
import { handleNotify, type NotifyResult } from './handle-notify';

/** The history read gets this long; the function's timeout leaves room to publish after it. */
const HISTORY_TIMEOUT_MS = 10_000;

const sns = new SNSClient({});
const sfn = new SFNClient({});
const topicArn = requiredEnv('TOPIC_ARN');
/** Chatbot channels: their topics and filter policies (NotificationsStage.bindEventPublisher). */
const chatbotRoutes = chatbotRoutesFrom(process.env.CHATBOT_ROUTES);
/** The configuration's `pricing` (JSON, set by the stack); absent: the us-east-1 list prices. */
const pricing = pricingOf(process.env.RUN_PRICING);

function pricingOf(raw: string | undefined) {
  if (raw === undefined || raw === '') return pricingSchema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error('RUN_PRICING is not JSON');
  }
  const result = pricingSchema.safeParse(value);
  if (!result.success) {
    throw new Error(
      `RUN_PRICING is not a price table: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** Invoked by the workflow's `Notify*` states: publishes the run's event for this moment. */
export async function handler(payload: unknown): Promise<NotifyResult> {
  return handleNotify(payload, {
    sns,
    sfn,
    topicArn,
    chatbotRoutes,
    now: () => new Date(),
    historyTimeoutMs: HISTORY_TIMEOUT_MS,
    logger,
    pricing,
  });
}
