import { type PipelineConfig, pipelineConfigSchema } from './pipeline-config';
import { formatIssues } from './validation-issues';

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

/**
 * Validates a parsed configuration object and fills in defaults.
 * @param source names the configuration in the error (a file path, `embedded default`, ...).
 * @throws {@link ConfigError} listing every problem, one `field.path: problem` line each.
 */
export function validateConfig(raw: unknown, source = 'inline'): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(source, formatIssues(result.error.issues));
}
