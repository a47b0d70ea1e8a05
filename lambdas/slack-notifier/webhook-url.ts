import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The webhook URL could not be read or is not usable; the message never contains the URL. */
export class WebhookUrlUnavailable extends Error {
  override readonly name = 'WebhookUrlUnavailable';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The webhook URL from a secret's value: the URL itself, or JSON `{ "url": "..." }`. It must be
 * `https:` (`http:` only to a loopback address, for local runs and tests).
 * @throws {@link WebhookUrlUnavailable} saying what is wrong, without the URL
 */
export function webhookUrlFrom(secretValue: string | undefined): URL {
  const text = (secretValue ?? '').trim();
  if (text === '') throw new WebhookUrlUnavailable('the webhook secret is empty');
  let candidate = text;
  if (text.startsWith('{')) {
    try {
      candidate = String((JSON.parse(text) as { url?: unknown }).url ?? '');
    } catch {
      throw new WebhookUrlUnavailable('the webhook secret is JSON without a "url" string');
    }
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new WebhookUrlUnavailable('the webhook secret is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new WebhookUrlUnavailable(`the webhook URL must use https (it uses ${url.protocol})`);
  }
  return url;
}

/** Reads the webhook URL from Secrets Manager. */
export async function fetchWebhookUrl(
  client: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
  abortSignal?: AbortSignal,
): Promise<URL> {
  let value: string | undefined;
  try {
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: secretId }),
      abortSignal === undefined ? {} : { abortSignal },
    );
    value = result.SecretString;
  } catch (err) {
    throw new WebhookUrlUnavailable(`cannot read the webhook secret: ${(err as Error).name}`);
  }
  return webhookUrlFrom(value);
}
