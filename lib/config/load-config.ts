import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DEFAULT_CONFIG } from './default-config';
import { type PipelineConfig, pipelineConfigSchema } from './pipeline-config';

export type { PipelineConfig };

/** A configuration that cannot be used; `problems` has one `path: message` line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid pipeline configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `['services', 0, 'environments', 1, 'branch']` -> `services[0].environments[1].branch`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue) return issue.message;
  return issue.message;
}

/** Validates a parsed configuration object; throws {@link ConfigError} listing every problem. */
export function validateConfig(raw: unknown, source = 'inline'): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? issue.path : issue.path;
    return `${formatPath(path)}: ${describeIssue(issue)}`;
  });
  throw new ConfigError(source, problems);
}

/**
 * Loads the configuration from a JSON file, or the embedded default when `path` is undefined.
 * Relative paths resolve against `cwd`.
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
