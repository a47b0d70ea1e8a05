/** The body cannot be read as a webhook payload. */
export class InvalidWebhookBody extends Error {
  override readonly name = 'InvalidWebhookBody';
}

/** The body's media type is not one GitHub sends. */
export class UnsupportedContentType extends Error {
  override readonly name = 'UnsupportedContentType';
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes part of the input in its message; keep the body out of logs and replies.
    throw new InvalidWebhookBody(`${what} is not valid JSON`);
  }
}

/**
 * The JSON payload of a verified webhook body, for the two content types GitHub offers:
 * `application/json` (the body is the payload) and `application/x-www-form-urlencoded`
 * (the payload is the url-encoded `payload` field).
 */
export function parseWebhookBody(raw: Buffer, contentType: string | undefined): unknown {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) throw new InvalidWebhookBody('body is empty');
  if (mediaType === 'application/json') return parseJson(raw.toString('utf8'), 'body');
  if (mediaType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
    if (payload === null || payload === '') throw new InvalidWebhookBody('form body has no payload field');
    return parseJson(payload, 'form field payload');
  }
  throw new UnsupportedContentType(
    `content type ${mediaType === '' ? '(none)' : mediaType} is not supported: use application/json or application/x-www-form-urlencoded`,
  );
}
