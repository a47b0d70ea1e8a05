import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The webhook secret could not be read or is empty. */
export class WebhookSecretUnavailable extends Error {
  override readonly name = 'WebhookSecretUnavailable';
}

/** Reads the secret's string value; an empty value is an error, never a secret that matches anything. */
export async function fetchWebhookSecret(
  client: SecretsManagerClient,
  secretArn: string,
  abortSignal?: AbortSignal,
): Promise<string> {
  let value: string | undefined;
  try {
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: secretArn }),
      abortSignal === undefined ? {} : { abortSignal },
    );
    value = result.SecretString;
  } catch (err) {
    throw new WebhookSecretUnavailable(`cannot read the webhook secret: ${(err as Error).name}`);
  }
  if (value === undefined || value === '') throw new WebhookSecretUnavailable('the webhook secret is empty');
  return value;
}
