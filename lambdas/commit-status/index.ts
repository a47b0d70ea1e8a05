import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { cachedValue } from '../shared/cached-value';
import { parseCredentials } from '../shared/github-credentials';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { gitHubCommitStatusApi } from './github-api';
import { type StatusOutcome, setCommitStatus } from './set-commit-status';

const SECRET_READ_TIMEOUT_MS = 5_000;
const GITHUB_TIMEOUT_MS = 10_000;

const secretsManager = new SecretsManagerClient({});
const auth = requiredEnv('GITHUB_AUTH');
if (auth !== 'token' && auth !== 'app') throw new Error(`GITHUB_AUTH must be "token" or "app", got "${auth}"`);
const secretId = requiredEnv('GITHUB_SECRET_ARN');
const baseUrl = requiredEnv('GITHUB_API_URL');

const credentials = cachedValue(async () => {
  const result = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }), {
    abortSignal: AbortSignal.timeout(SECRET_READ_TIMEOUT_MS),
  });
  return parseCredentials(auth, result.SecretString);
});
const github = gitHubCommitStatusApi({ credentials, baseUrl, now: () => new Date(), timeoutMs: GITHUB_TIMEOUT_MS });

/** Subscribed to the pipeline topic: sets `deploy/<service>/<environment>` on the commit. Never fails. */
export async function handler(event: SNSEvent): Promise<StatusOutcome[]> {
  const outcomes: StatusOutcome[] = [];
  for (const record of event.Records) outcomes.push(await setCommitStatus(record.Sns.Message, { github, logger }));
  return outcomes;
}
