import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The deploy pipeline's ASL, kept as a file so the console, tests and the stack read one source. */
export const DEPLOY_PIPELINE_ASL_PATH = join(__dirname, '..', '..', 'state-machines', 'deploy-pipeline.asl.json');

/** The raw definition text with its `${Name}` placeholders. */
export function readDeployPipelineAsl(): string {
  return readFileSync(DEPLOY_PIPELINE_ASL_PATH, 'utf8');
}

/** The placeholder names the definition uses, sorted. */
export function aslPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1] as string))].sort();
}

/**
 * Fills every placeholder the way Step Functions' `DefinitionSubstitutions` does, for running the
 * definition locally. A missing or unused substitution is an error, so the file and its callers
 * cannot drift apart silently.
 */
export function substituteAsl(text: string, substitutions: Readonly<Record<string, string>>): string {
  const used = aslPlaceholders(text);
  const missing = used.filter((name) => !(name in substitutions));
  const unused = Object.keys(substitutions).filter((name) => !used.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(
      `ASL substitutions do not match the definition: missing [${missing.join(', ')}], unused [${unused.join(', ')}]`,
    );
  }
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => substitutions[name] as string);
}
