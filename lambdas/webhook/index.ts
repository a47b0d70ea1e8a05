import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { cachedValue } from '../shared/cached-value';
import { embeddedConfig } from '../shared/embedded-config';
import { parseCredentials } from '../shared/github-credentials';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { DEFAULT_MAX_BODY_BYTES } from './body-limit';
import { type ChangedFilesLookup, gitHubCompareLookup } from './compare-api';
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

/**
 * The compare API lookup, when the stack gave the function the commit-status token's secret
 * (`GITHUB_TOKEN_SECRET_ARN`, set for `notifications.commitStatuses` with `auth: "token"`): the token is
 * read once per container, the API root is the one commit statuses use.
 */
function compareLookup(): ChangedFilesLookup | undefined {
  const tokenSecretArn = process.env.GITHUB_TOKEN_SECRET_ARN;
  const commitStatuses = embeddedConfig().notifications.commitStatuses;
  if (tokenSecretArn === undefined || tokenSecretArn === '' || commitStatuses?.auth !== 'token') return undefined;
  const token = cachedValue(async () => {
    const result = await secretsManager.send(new GetSecretValueCommand({ SecretId: tokenSecretArn }), {
      abortSignal: AbortSignal.timeout(SECRET_READ_TIMEOUT_MS),
    });
    const credentials = parseCredentials('token', result.SecretString);
    if (credentials.kind !== 'token') throw new Error('not a token');
    return credentials.token;
  });
  return gitHubCompareLookup({ token, tokenApiRoot: commitStatuses.apiUrl });
}
let compare: ChangedFilesLookup | undefined | null = null;

/** `POST /webhooks/github`: verifies a GitHub delivery and starts the deploy executions of a push. */
export async function handler(
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const remaining = context?.getRemainingTimeInMillis() ?? ANSWER_WITHIN_MS;
  if (compare === null) compare = compareLookup();
  return handleWebhook(event, {
    config: embeddedConfig(),
    secret,
    sfn,
    stateMachineArn,
    maxBodyBytes,
    timeoutMs: Math.min(ANSWER_WITHIN_MS, remaining - 1_000),
    logger,
    ...(compare === undefined ? {} : { compare }),
  });
}
