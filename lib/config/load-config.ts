import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PipelineConfig } from '../contracts/pipeline-config';
import { ConfigError, validateConfig } from '../contracts/validate-config';
import { DEFAULT_CONFIG } from './default-config';

export type { PipelineConfig };
export { ConfigError, validateConfig };

/**
 * Loads the configuration from a JSON file, or the embedded default when `path` is undefined.
 * Relative paths resolve against `cwd`.
 * @throws {@link ConfigError} when the file is missing, not JSON, or invalid.
 */
export function loadConfig(path?: string, cwd = process.cwd()): PipelineConfig {
  if (path === undefined || path === '') return validateConfig(DEFAULT_CONFIG, 'embedded default');
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new ConfigError(path, [`(file): not found at ${file}`]);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, [`(file): not valid JSON (${(err as Error).message})`]);
  }
  return validateConfig(raw, path);
}
