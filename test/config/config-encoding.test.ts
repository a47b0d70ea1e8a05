import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, loadConfig } from '../../lib/config/load-config';

/** The default configuration with a non-ASCII branch, so a wrong decoding would show in the result. */
const config = structuredClone(DEFAULT_CONFIG) as any;
config.services[0].environments[0].branch = '機能/ログイン';
const json = JSON.stringify(config, null, 2);

const dir = mkdtempSync(join(tmpdir(), 'config-encoding-'));
function fileOf(name: string, bytes: Uint8Array): string {
  writeFileSync(join(dir, name), bytes);
  return name;
}

/** UTF-16 bytes of `text` with a byte-order mark, as Windows PowerShell 5.1's `>` and `Out-File` write them. */
function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  return bigEndian ? Buffer.from(le).swap16() : le;
}

function problemsOf(name: string): readonly string[] {
  try {
    loadConfig(name, dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

describe('loadConfig reads the file through the one decoding step (issue 11, item 6)', () => {
  test.each([
    ['UTF-8 without a byte-order mark', Buffer.from(json, 'utf8')],
    ['UTF-8 with a byte-order mark (PowerShell 5.1 Out-File -Encoding utf8)', Buffer.from(`\ufeff${json}`, 'utf8')],
    ['UTF-16LE with a byte-order mark (PowerShell 5.1 >)', utf16(json, false)],
    ['UTF-16BE with a byte-order mark', utf16(json, true)],
  ])('%s loads, non-ASCII text intact', (label, bytes) => {
    const name = fileOf(`${label.replace(/\W+/g, '-')}.json`, bytes);
    expect(loadConfig(name, dir).services[0]?.environments[0]?.branch).toBe('機能/ログイン');
  });

  test('invalid UTF-8 (a Latin-1 é) is refused naming the encoding and the byte offset, never showing U+FFFD', () => {
    // The default configuration is ASCII: one Latin-1 byte is the only thing that is not UTF-8.
    const text = JSON.stringify(DEFAULT_CONFIG, null, 2).replace('"main"', '"caf\u00e9"');
    const bytes = Buffer.from(text, 'latin1');
    const offset = bytes.indexOf(0xe9);
    const problems = problemsOf(fileOf('latin1.json', bytes));
    expect(problems).toEqual([
      `(file): the file is not valid UTF-8: the sequence at byte offset ${offset} (bytes 0xE9 0x22 0x2C 0x0A) is not a UTF-8 character; save it as UTF-8`,
    ]);
    expect(problems.join('')).not.toContain('\ufffd');
    expect(() => loadConfig('latin1.json', dir)).toThrow(/^Invalid pipeline configuration \(latin1\.json\):/);
  });

  test.each([
    [
      'UTF-16LE without a byte-order mark',
      Buffer.from(json, 'utf16le'),
      '(file): the file looks like UTF-16LE without a byte-order mark (bytes 1 and 3 are 0x00); save it as UTF-8',
    ],
    [
      'UTF-32LE',
      Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('{}')]),
      '(file): the file is UTF-32LE (byte-order mark FF FE 00 00); save it as UTF-8',
    ],
  ])('%s is refused naming the encoding', (label, bytes, message) => {
    expect(problemsOf(fileOf(`${label.replace(/\W+/g, '-')}.json`, bytes))).toEqual([message]);
  });

  test('a decodable file that is not JSON still says so', () => {
    expect(problemsOf(fileOf('bom-broken.json', Buffer.from('\ufeff{ "services": [', 'utf8')))[0]).toMatch(
      /^\(file\): not valid JSON \(/,
    );
  });
});
