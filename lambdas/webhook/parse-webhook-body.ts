import { decodeText, TextDecodingError } from '../../lib/contracts/decode-text';

/** The body cannot be read as a webhook payload. */
export class InvalidWebhookBody extends Error {
  override readonly name = 'InvalidWebhookBody';
}

/** The body's media type is not one GitHub sends. */
export class UnsupportedContentType extends Error {
  override readonly name = 'UnsupportedContentType';
}

/** JSON of UTF-8 bytes (RFC 8259 section 8.1; GitHub sends UTF-8), decoded by the one decoding step. */
function parseJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = decodeText(bytes, what);
  } catch (err) {
    if (err instanceof TextDecodingError) throw new InvalidWebhookBody(err.message);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes part of the input in its message; keep the body out of logs and replies.
    throw new InvalidWebhookBody(`${what} is not valid JSON`);
  }
}

const PLUS = 0x2b;
const PERCENT = 0x25;

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/**
 * The bytes of a form field value as the WHATWG urlencoded parser defines them (`+` is a space, `%XX` a
 * byte, a `%` not followed by two hex digits stays as it is), before any text decoding, so invalid UTF-8
 * is reported rather than replaced (URLSearchParams would turn it into U+FFFD).
 */
function percentDecode(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    if (byte === PLUS) {
      out[n++] = 0x20;
    } else if (byte === PERCENT && hexValue(bytes[i + 1]) >= 0 && hexValue(bytes[i + 2]) >= 0) {
      out[n++] = hexValue(bytes[i + 1]) * 16 + hexValue(bytes[i + 2]);
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return out.subarray(0, n);
}

/** The raw bytes of the first form field called `name`, or undefined. */
function formField(raw: Buffer, name: string): Buffer | undefined {
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf(0x26 /* & */, start);
    if (end < 0) end = raw.length;
    const pair = raw.subarray(start, end);
    const eq = pair.indexOf(0x3d /* = */);
    const key = percentDecode(eq < 0 ? pair : pair.subarray(0, eq)).toString('latin1');
    if (key === name) return percentDecode(eq < 0 ? Buffer.alloc(0) : pair.subarray(eq + 1));
    start = end + 1;
  }
  return undefined;
}

/**
 * The JSON payload of a verified webhook body, for the two content types GitHub offers:
 * `application/json` (the body is the payload) and `application/x-www-form-urlencoded`
 * (the payload is the url-encoded `payload` field). Either way the payload's bytes go through
 * `decodeText`: UTF-8 (a byte-order mark is dropped), UTF-16 with a mark decoded, anything else refused
 * with a message naming the encoding and the byte offset.
 */
export function parseWebhookBody(raw: Buffer, contentType: string | undefined): unknown {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) throw new InvalidWebhookBody('body is empty');
  if (mediaType === 'application/json') return parseJson(raw, 'body');
  if (mediaType === 'application/x-www-form-urlencoded') {
    const payload = formField(raw, 'payload');
    if (payload === undefined || payload.length === 0) throw new InvalidWebhookBody('form body has no payload field');
    return parseJson(payload, 'form field payload');
  }
  throw new UnsupportedContentType(
    `content type ${mediaType === '' ? '(none)' : mediaType} is not supported: use application/json or application/x-www-form-urlencoded`,
  );
}
