import type { PipelineConfig } from '../../lib/contracts/pipeline-config';
import { validateConfig } from '../../lib/contracts/validate-config';

/**
 * The installation's pipeline configuration, compiled into each function at bundle time
 * (esbuild `define` of `process.env.EMBEDDED_PIPELINE_CONFIG`, see `PipelineFunction`), so it has
 * no size limit and needs no call at cold start. Tests set the variable before importing.
 */
let cached: PipelineConfig | undefined;

export function embeddedConfig(): PipelineConfig {
  if (cached === undefined) {
    const raw = process.env.EMBEDDED_PIPELINE_CONFIG;
    if (raw === undefined || raw === '')
      throw new Error('Missing required environment variable EMBEDDED_PIPELINE_CONFIG');
    cached = validateConfig(JSON.parse(raw), 'embedded');
  }
  return cached;
}

/** Forgets the parsed configuration (tests that change it between cases). */
export function resetEmbeddedConfig(): void {
  cached = undefined;
}
