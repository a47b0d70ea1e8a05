import { isUtf8 } from 'node:buffer';

/**
 * The one decoding step for every text file the product reads (coverage reports, Terraform plans,
 * webhook bodies, configuration): bytes in, a string out, or an error that names the encoding and
 * the byte offset. Pure: no file system, no AWS.
 *
 * Rules (the decision and its reasons):
 * - UTF-8, with or without a byte-order mark (EF BB BF), is the encoding of every format read here
 *   (JSON: RFC 8259 section 8.1 requires UTF-8 between systems; LCOV, Go profiles and the XML reports
 *   are written in UTF-8 by their tools). The mark is dropped.
 * - UTF-16LE or UTF-16BE **with** a byte-order mark is decoded. It is what Windows PowerShell 5.1's `>`
 *   and `Out-File` write by default; the mark names the encoding without guessing, and refusing would
 *   only send the user to re-save a file whose meaning is certain.
 * - UTF-16 **without** a mark (detected by two ASCII characters with a 0x00 byte beside each, which no
 *   UTF-8 text read here starts with) and UTF-32 (with a mark) are refused with a message naming the encoding: guessing the
 *   byte order is not safe, and no tool in the pipeline writes them.
 * - Invalid UTF-8 (or an unpaired surrogate in UTF-16) is refused with the byte offset of the first bad
 *   sequence. Nothing is ever replaced by U+FFFD, so a message never shows a replacement character.
 */

/** Encodings `decodeText` reads. */
export type TextEncodingName = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE';

/** The bytes are not text in an accepted encoding; `message` names the encoding and, where known, the byte offset. */
export class TextDecodingError extends Error {
  override readonly name = 'TextDecodingError';

  constructor(
    message: string,
    /** The encoding the bytes were read as or detected to be (e.g. `UTF-8`, `UTF-32LE`). */
    readonly encoding: string,
    /** Offset in bytes from the start of the input of the first byte that could not be decoded. */
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** What the first bytes of an input say about its encoding. */
export interface SniffedEncoding {
  readonly encoding: TextEncodingName;
  /** Bytes of byte-order mark at the start (0 when there is none). */
  readonly bomLength: number;
}

/** A printable ASCII character, tab or line break: what the first characters of every text format here are. */
const isAsciiText = (byte: number | undefined) =>
  byte !== undefined && (byte === 9 || byte === 10 || byte === 13 || (byte >= 0x20 && byte < 0x7f));

const hex = (byte: number) => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The encoding of an input from its first bytes (4 are enough). Throws `TextDecodingError` for UTF-32 and
 * for UTF-16 without a byte-order mark; anything else is taken as UTF-8 (validated when decoded).
 *
 * @param what names the input in error messages, e.g. `plan JSON at s3://bucket/key`.
 */
export function sniffEncoding(head: Uint8Array, what = 'input'): SniffedEncoding {
  const [b0, b1, b2, b3] = head;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'UTF-8', bomLength: 3 };
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) {
    throw new TextDecodingError(`${what} is UTF-32LE (byte-order mark FF FE 00 00); save it as UTF-8`, 'UTF-32LE', 0);
  }
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) {
    throw new TextDecodingError(`${what} is UTF-32BE (byte-order mark 00 00 FE FF); save it as UTF-8`, 'UTF-32BE', 0);
  }
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'UTF-16LE', bomLength: 2 };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'UTF-16BE', bomLength: 2 };
  if (isAsciiText(b0) && b1 === 0 && isAsciiText(b2) && b3 === 0) {
    throw new TextDecodingError(
      `${what} looks like UTF-16LE without a byte-order mark (bytes 1 and 3 are 0x00); save it as UTF-8`,
      'UTF-16LE',
      1,
    );
  }
  if (b0 === 0 && isAsciiText(b1) && b2 === 0 && isAsciiText(b3)) {
    throw new TextDecodingError(
      `${what} looks like UTF-16BE without a byte-order mark (bytes 0 and 2 are 0x00); save it as UTF-8`,
      'UTF-16BE',
      0,
    );
  }
  return { encoding: 'UTF-8', bomLength: 0 };
}

/** Length of a UTF-8 sequence that starts with `lead`, 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence (Unicode 15, table 3-7: overlongs,
 * surrogates and code points above U+10FFFF are ill-formed), or -1 when every sequence is complete and
 * well-formed. With `allowTruncatedEnd`, a sequence cut by the end of `bytes` is not an error (streams).
 */
export function firstInvalidUtf8(bytes: Uint8Array, allowTruncatedEnd = false): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0) return i;
    for (let k = 1; k < length; k += 1) {
      if (i + k >= bytes.length) return allowTruncatedEnd ? -1 : i;
      const next = bytes[i + k] as number;
      let low = 0x80;
      let high = 0xbf;
      if (k === 1) {
        if (lead === 0xe0) low = 0xa0;
        else if (lead === 0xed) high = 0x9f;
        else if (lead === 0xf0) low = 0x90;
        else if (lead === 0xf4) high = 0x8f;
      }
      if (next < low || next > high) return i;
    }
    i += length;
  }
  return -1;
}

/** `at` indexes `bytes`; `offset` is where that byte is in the whole input. */
function utf8Error(what: string, bytes: Uint8Array, at: number, offset = at): TextDecodingError {
  const shown = Array.from(bytes.subarray(at, at + 4), hex).join(' ');
  return new TextDecodingError(
    `${what} is not valid UTF-8: the sequence at byte offset ${offset} (bytes ${shown}) is not a UTF-8 character; save it as UTF-8`,
    'UTF-8',
    offset,
  );
}

function surrogateError(what: string, encoding: string, unit: number, offset: number): TextDecodingError {
  return new TextDecodingError(
    `${what} is not valid ${encoding}: an unpaired surrogate (0x${unit.toString(16).toUpperCase()}) at byte offset ${offset}`,
    encoding,
    offset,
  );
}

/**
 * Offset (in code units from `bytes`' start) of the first unpaired surrogate, or -1. With
 * `allowTruncatedEnd`, a high surrogate as the very last unit is not an error (streams).
 */
function firstUnpairedSurrogate(units: Uint16Array, allowTruncatedEnd = false): number {
  for (let i = 0; i < units.length; i += 1) {
    const unit = units[i] as number;
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 1 >= units.length) return allowTruncatedEnd ? -1 : i;
      const next = units[i + 1] as number;
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 1;
    }
  }
  return -1;
}

/** UTF-16 code units of `bytes` (even length) in the given byte order. */
function codeUnits(bytes: Uint8Array, bigEndian: boolean): Uint16Array {
  const units = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < units.length; i += 1) {
    const a = bytes[2 * i] as number;
    const b = bytes[2 * i + 1] as number;
    units[i] = bigEndian ? (a << 8) | b : (b << 8) | a;
  }
  return units;
}

function unitsToString(units: Uint16Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < units.length; i += CHUNK) {
    out += String.fromCharCode(...units.subarray(i, i + CHUNK));
  }
  return out;
}

function decodeUtf16(bytes: Uint8Array, start: number, encoding: 'UTF-16LE' | 'UTF-16BE', what: string): string {
  const body = bytes.subarray(start);
  if (body.length % 2 !== 0) {
    throw new TextDecodingError(
      `${what} is ${encoding} (byte-order mark) but has an odd number of bytes: the last byte, at offset ${bytes.length - 1}, is half a character`,
      encoding,
      bytes.length - 1,
    );
  }
  const units = codeUnits(body, encoding === 'UTF-16BE');
  const bad = firstUnpairedSurrogate(units);
  if (bad >= 0) throw surrogateError(what, encoding, units[bad] as number, start + 2 * bad);
  return unitsToString(units);
}

/**
 * Decodes a whole text file (see the rules at the top of this module). The byte-order mark is not part
 * of the result.
 *
 * @param bytes the file as read (a Buffer is a Uint8Array).
 * @param what names the input in error messages, e.g. `plan JSON at s3://bucket/key`.
 * @throws TextDecodingError naming the encoding and the byte offset of the first undecodable byte.
 */
export function decodeText(bytes: Uint8Array, what = 'input'): string {
  const { encoding, bomLength } = sniffEncoding(bytes, what);
  if (encoding !== 'UTF-8') return decodeUtf16(bytes, bomLength, encoding, what);
  const body = bytes.subarray(bomLength);
  // isUtf8 (simdutf) validates at memory speed; the byte scan below only runs to locate an error.
  if (!isUtf8(body)) {
    const bad = firstInvalidUtf8(body);
    throw utf8Error(what, bytes, bomLength + Math.max(0, bad));
  }
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/**
 * The same decoding step for a byte stream that is read chunk by chunk (coverage reports): `push` each
 * chunk and get back UTF-8 bytes without the byte-order mark (UTF-8 input is validated and passed on;
 * UTF-16 is converted), then call `end`. Offsets in errors count from the start of the stream.
 */
export class StreamingTextDecoder {
  private sniffed?: SniffedEncoding;
  /** Bytes held back: the start of the stream until the encoding is known, or an unfinished sequence. */
  private carry: Uint8Array = new Uint8Array(0);
  /** Stream offset of `carry[0]`. */
  private offset = 0;

  constructor(private readonly what = 'input') {}

  /** The encoding, once the first bytes have been seen. */
  get encoding(): TextEncodingName | undefined {
    return this.sniffed?.encoding;
  }

  /** UTF-8 bytes for this chunk (possibly empty while a sequence is unfinished). */
  push(chunk: Uint8Array): Buffer {
    let bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    if (this.sniffed === undefined) {
      // Four bytes tell UTF-32 from UTF-16; a shorter stream is sniffed at `end`.
      if (bytes.length < 4) {
        this.carry = Uint8Array.from(bytes);
        return Buffer.alloc(0);
      }
      this.sniffed = sniffEncoding(bytes, this.what);
      bytes = bytes.subarray(this.sniffed.bomLength);
      this.offset += this.sniffed.bomLength;
    }
    return this.convert(bytes, false);
  }

  /** The rest, once the stream has ended; throws when it ends inside a character. */
  end(): Buffer {
    if (this.sniffed === undefined) {
      const bytes = this.carry;
      this.carry = new Uint8Array(0);
      if (bytes.length === 0) return Buffer.alloc(0);
      this.sniffed = sniffEncoding(bytes, this.what);
      this.offset += this.sniffed.bomLength;
      return this.convert(bytes.subarray(this.sniffed.bomLength), true);
    }
    return this.convert(this.carry, true);
  }

  private convert(bytes: Uint8Array, final: boolean): Buffer {
    const sniffed = this.sniffed as SniffedEncoding;
    if (sniffed.encoding === 'UTF-8') {
      let cut = bytes.length;
      if (!isUtf8(bytes)) {
        const bad = firstInvalidUtf8(bytes, !final);
        if (bad >= 0) throw utf8Error(this.what, bytes, bad, this.offset + bad);
        // Valid up to a sequence the chunk cut off: keep its bytes for the next chunk.
        cut -= 1;
        while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut -= 1;
      }
      const out = Buffer.from(bytes.buffer, bytes.byteOffset, cut);
      this.keep(bytes, cut);
      return out;
    }
    const even = bytes.length - (bytes.length % 2);
    if (final && even !== bytes.length) {
      const at = this.offset + bytes.length - 1;
      throw new TextDecodingError(
        `${this.what} is ${sniffed.encoding} (byte-order mark) but ends with half a character (odd byte at offset ${at})`,
        sniffed.encoding,
        at,
      );
    }
    const units = codeUnits(bytes.subarray(0, even), sniffed.encoding === 'UTF-16BE');
    const bad = firstUnpairedSurrogate(units, !final);
    if (bad >= 0) throw surrogateError(this.what, sniffed.encoding, units[bad] as number, this.offset + 2 * bad);
    // A high surrogate at the end of a chunk waits for its pair.
    let usable = units.length;
    const last = units[usable - 1];
    if (!final && last !== undefined && last >= 0xd800 && last <= 0xdbff) usable -= 1;
    const out = Buffer.from(unitsToString(units.subarray(0, usable)), 'utf8');
    this.keep(bytes, usable * 2);
    return out;
  }

  /** Holds `bytes[cut..]` back for the next chunk and moves the stream offset past `bytes[..cut)`. */
  private keep(bytes: Uint8Array, cut: number): void {
    this.carry = Uint8Array.from(bytes.subarray(cut));
    this.offset += cut;
  }
}
