import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type PipelineConfig } from '../config/load-config';
import { UsageError } from './cli-errors';

/**
 * The installation's configuration, found the way `cdk deploy` finds it: `--config <file>`, else
 * the `config` context key of `./cdk.json`, else the embedded default (bin/app.ts). The CLI needs it
 * to check service and environment names and to know each service's repository and branches.
 *
 * @throws UsageError naming the file and every problem when the configuration cannot be used.
 */
export function loadPipelineConfig(path: string | undefined, cwd = process.cwd()): PipelineConfig {
  let source = path;
  if (source === undefined) {
    const cdkJson = join(cwd, 'cdk.json');
    if (existsSync(cdkJson)) {
      try {
        const context = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: { config?: unknown } }).context;
        if (typeof context?.config === 'string') source = context.config;
      } catch {
        // A cdk.json that is not JSON is cdk's problem; the default configuration still applies.
      }
    }
  }
  try {
    return loadConfig(source, cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
