import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeText,
  firstInvalidUtf8,
  StreamingTextDecoder,
  sniffEncoding,
  TextDecodingError,
} from '../../lib/contracts/decode-text';

const REGRESSIONS = join(__dirname, '..', 'fixtures', 'regressions');
const BOM_PLAN = readFileSync(join(REGRESSIONS, 'plan_deposed_utf8_bom.json'));

/** The same text as PowerShell writes it: UTF-16 with a byte-order mark, either byte order. */
function utf16(text: string, order: 'LE' | 'BE'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const body = order === 'LE' ? le : Buffer.from(le).swap16();
  return Buffer.concat([Buffer.from(order === 'LE' ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
}

function caught(fn: () => unknown): TextDecodingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TextDecodingError) return err;
    throw err;
  }
  throw new Error('expected a TextDecodingError');
}

/** Streams `bytes` through the streaming decoder in pieces of `size` bytes. */
function streamed(bytes: Uint8Array, size: number, what = 'report'): string {
  const decoder = new StreamingTextDecoder(what);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(decoder.push(bytes.subarray(i, i + size)));
  out.push(decoder.end());
  return Buffer.concat(out).toString('utf8');
}

describe('decodeText', () => {
  const plainText = BOM_PLAN.subarray(3).toString('utf8');

  it('the regression plan really starts with a UTF-8 byte-order mark', () => {
    expect([...BOM_PLAN.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(plainText.startsWith('{"format_version"')).toBe(true);
  });

  it('drops a UTF-8 byte-order mark and decodes the same text as without it', () => {
    expect(decodeText(BOM_PLAN)).toBe(plainText);
    expect(decodeText(BOM_PLAN.subarray(3))).toBe(plainText);
    expect(JSON.parse(decodeText(BOM_PLAN)).terraform_version).toBe('1.11.4');
  });

  it.each(['LE', 'BE'] as const)('decodes UTF-16%s with a byte-order mark (PowerShell `>`)', (order) => {
    expect(decodeText(utf16(plainText, order))).toBe(plainText);
    const japanese = 'ファイル名 🚀 ü';
    expect(decodeText(utf16(japanese, order))).toBe(japanese);
  });

  it('keeps multi-byte UTF-8 text intact', () => {
    const text = '機能/ログイン ü 🚀';
    expect(decodeText(Buffer.from(text, 'utf8'))).toBe(text);
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x7b, 0x22, 0x80, 0x22, 0x7d]), 2],
    ['an overlong encoding of "/"', Buffer.from([0x61, 0xc0, 0xaf]), 1],
    ['a UTF-16 surrogate encoded in UTF-8', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), 2],
    ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    [
      'a sequence cut by the end of the input',
      Buffer.concat([Buffer.from('ok '), Buffer.from('日').subarray(0, 2)]),
      3,
    ],
    ['Latin-1 text (é as 0xE9)', Buffer.from('caf\xe9 au lait', 'latin1'), 3],
  ])('refuses invalid UTF-8 (%s) naming the encoding and the byte offset', (_label, bytes, offset) => {
    const err = caught(() => decodeText(bytes, 'plan JSON at s3://b/k'));
    expect(err.encoding).toBe('UTF-8');
    expect(err.offset).toBe(offset);
    expect(err.message).toContain('plan JSON at s3://b/k is not valid UTF-8');
    expect(err.message).toContain(`byte offset ${offset}`);
    expect(err.message).not.toContain('\ufffd');
  });

  it('counts the offset from the start of the file, byte-order mark included', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"'), Buffer.from([0xff])]);
    expect(caught(() => decodeText(bytes)).offset).toBe(9);
  });

  it.each([
    ['UTF-32LE', Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0])],
    ['UTF-32BE', Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x7b])],
    ['UTF-16LE', Buffer.from('{"a":1}', 'utf16le')],
    ['UTF-16BE', Buffer.from(Buffer.from('{"a":1}', 'utf16le')).swap16()],
  ])('refuses %s it cannot decode safely, naming it', (encoding, bytes) => {
    const err = caught(() => decodeText(bytes, 'report'));
    expect(err.encoding).toBe(encoding);
    expect(err.message).toContain(encoding);
    expect(err.message).not.toContain('\ufffd');
  });

  it('refuses UTF-16 with an odd byte count or an unpaired surrogate, naming the offset', () => {
    const odd = Buffer.concat([utf16('{}', 'LE'), Buffer.from([0x7d])]);
    expect(caught(() => decodeText(odd))).toMatchObject({ encoding: 'UTF-16LE', offset: 6 });
    const lone = Buffer.concat([utf16('ab', 'BE'), Buffer.from([0xd8, 0x3d, 0x00, 0x61])]);
    const err = caught(() => decodeText(lone));
    expect(err).toMatchObject({ encoding: 'UTF-16BE', offset: 6 });
    expect(err.message).toMatch(/unpaired surrogate \(0xD83D\) at byte offset 6/);
  });

  it('takes binary junk and empty input as UTF-8 to be validated, not as UTF-16', () => {
    expect(sniffEncoding(Buffer.from([0, 0xef, 0xde, 0xcd]))).toEqual({ encoding: 'UTF-8', bomLength: 0 });
    expect(decodeText(Buffer.alloc(0))).toBe('');
  });
});

describe('firstInvalidUtf8', () => {
  it('finds nothing wrong in valid text and, when allowed, in a sequence cut at the end', () => {
    expect(firstInvalidUtf8(Buffer.from('añ日🚀'))).toBe(-1);
    const cut = Buffer.from('a🚀').subarray(0, 3);
    expect(firstInvalidUtf8(cut)).toBe(1);
    expect(firstInvalidUtf8(cut, true)).toBe(-1);
  });
});

describe('StreamingTextDecoder', () => {
  const text = `TN:\nSF:src/機能/ログイン.ts\nDA:1,1\n${'DA:2,0 🚀\n'.repeat(50)}end_of_record\n`;

  it.each([1, 2, 3, 5, 7, 64])(
    'gives the same UTF-8 for UTF-8 (with BOM), UTF-16LE and UTF-16BE cut every %i bytes',
    (size) => {
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
      expect(streamed(bom, size)).toBe(text);
      expect(streamed(Buffer.from(text), size)).toBe(text);
      expect(streamed(utf16(text, 'LE'), size)).toBe(text);
      expect(streamed(utf16(text, 'BE'), size)).toBe(text);
    },
  );

  it('reports invalid UTF-8 at its offset in the whole stream, however it is cut', () => {
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28]), Buffer.from('more')]);
    for (const size of [1, 3, 100]) {
      let err: unknown;
      try {
        streamed(bytes, size, 'coverage report s3://b/k');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TextDecodingError);
      expect(err).toMatchObject({ encoding: 'UTF-8', offset: Buffer.byteLength(text) });
      expect((err as Error).message).toContain('coverage report s3://b/k is not valid UTF-8');
    }
  });

  it('refuses a stream that ends inside a character', () => {
    const cut = Buffer.concat([Buffer.from('abc'), Buffer.from('日').subarray(0, 2)]);
    expect(() => streamed(cut, 2)).toThrow(/not valid UTF-8: the sequence at byte offset 3/);
    const odd = Buffer.concat([utf16('abc', 'LE'), Buffer.from([0x61])]);
    expect(() => streamed(odd, 3)).toThrow(/UTF-16LE .*half a character \(odd byte at offset 8\)/);
  });

  it('sniffs a stream shorter than four bytes at its end', () => {
    expect(streamed(Buffer.from('ab'), 1)).toBe('ab');
    expect(streamed(Buffer.from([0xef, 0xbb, 0xbf]), 1)).toBe('');
  });
});
