import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { cachedValue } from '../shared/cached-value';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { DEFAULT_MAX_BODY_BYTES } from './body-limit';
import { handleWebhook } from './handle-webhook';
import { fetchWebhookSecret } from './webhook-secret';

/** GitHub waits 10 s for an answer; leave room to send it. */
const ANSWER_WITHIN_MS = 8_000;
const SECRET_READ_TIMEOUT_MS = 3_000;

const secretsManager = new SecretsManagerClient({});
const sfn = new SFNClient({});
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');
const secretArn = requiredEnv('WEBHOOK_SECRET_ARN');
const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES);
if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
  throw new Error(`MAX_BODY_BYTES must be a positive integer, got "${process.env.MAX_BODY_BYTES}"`);
}
const secret = cachedValue(() =>
  fetchWebhookSecret(secretsManager, secretArn, AbortSignal.timeout(SECRET_READ_TIMEOUT_MS)),
);

/** `POST /webhooks/github`: verifies a GitHub delivery and starts the deploy executions of a push. */
export async function handler(
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const remaining = context?.getRemainingTimeInMillis() ?? ANSWER_WITHIN_MS;
  return handleWebhook(event, {
    config: embeddedConfig(),
    secret,
    sfn,
    stateMachineArn,
    maxBodyBytes,
    timeoutMs: Math.min(ANSWER_WITHIN_MS, remaining - 1_000),
    logger,
  });
}
