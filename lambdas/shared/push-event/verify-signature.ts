import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/** `sha256=<hex>` as GitHub sends it in `X-Hub-Signature-256`: HMAC-SHA256 of the raw body. */
export function signatureOf(body: Uint8Array | string, secret: string): string {
  return `${PREFIX}${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Whether `header` is the HMAC-SHA256 of the exact bytes of `body` under `secret`. Compares in
 * constant time; a missing, malformed or differently sized signature is simply not valid. An
 * empty secret never verifies, so a misconfigured installation cannot accept unsigned pushes.
 */
export function verifySignature(body: Uint8Array, header: string | undefined, secret: string): boolean {
  if (secret === '' || header === undefined || !header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length);
  if (!HEX_DIGEST.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
