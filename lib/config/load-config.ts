import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeText, TextDecodingError } from '../contracts/decode-text';
import type { PipelineConfig } from '../contracts/pipeline-config';
import { ConfigError, validateConfig } from '../contracts/validate-config';
import { DEFAULT_CONFIG } from './default-config';

export type { PipelineConfig };
export { ConfigError, validateConfig };

/**
 * Loads the configuration from a JSON file, or the embedded default when `path` is undefined.
 * Relative paths resolve against `cwd`. The file's bytes go through the product's one decoding step
 * (`decodeText`): UTF-8 with or without a byte-order mark, and UTF-16LE/BE with a byte-order mark (what
 * Windows PowerShell 5.1 writes), are read; anything else is refused with a message naming the encoding
 * and the byte offset.
 * @throws {@link ConfigError} when the file is missing, not in an accepted encoding, not JSON, or invalid.
 */
export function loadConfig(path?: string, cwd = process.cwd()): PipelineConfig {
  if (path === undefined || path === '') return validateConfig(DEFAULT_CONFIG, 'embedded default');
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new ConfigError(path, [`(file): not found at ${file}`]);
  let text: string;
  try {
    text = decodeText(readFileSync(file), 'the file');
  } catch (err) {
    if (err instanceof TextDecodingError) throw new ConfigError(path, [`(file): ${err.message}`]);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`(file): not valid JSON (${(err as Error).message})`]);
  }
  return validateConfig(raw, path);
}
