import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { BuildStageName } from '../contracts/stage-outputs';

/**
 * The portable stage logic: one bash script per CodeBuild stage in `lib/stages/scripts/`, run
 * unchanged by CodeBuild (each buildspec only calls its script), by `deployctl local` (the drivers in
 * `lib/local/drivers/`) and by GitHub Actions (`docs/github-actions.example.yml`). This module has no
 * CDK in it, so the local runner can use it.
 */
export const STAGE_SCRIPTS_DIR = join(__dirname, 'scripts');

/**
 * The id of the scripts' secondary source on every stage project; CodeBuild unpacks the source at
 * `$CODEBUILD_SRC_DIR_<id>` (letters, digits and underscores only).
 */
export const STAGE_SCRIPTS_SOURCE_ID = 'stage_scripts';

/** The script of each CodeBuild stage, by state name (file names under {@link STAGE_SCRIPTS_DIR}). */
export const STAGE_SCRIPTS: { readonly [S in BuildStageName]: string } = {
  RunTests: 'run-tests.sh',
  TerraformPlan: 'terraform-plan.sh',
  BuildImage: 'build-image.sh',
  TerraformApply: 'terraform-apply.sh',
  HelmDeploy: 'helm-deploy.sh',
  HelmRollback: 'helm-rollback.sh',
};

/** Absolute path of a stage's script in this checkout. */
export function stageScriptPath(stage: BuildStageName): string {
  return join(STAGE_SCRIPTS_DIR, STAGE_SCRIPTS[stage]);
}

/**
 * The RunTests project's own variables (per-run values arrive as overrides): how the service's tests
 * are run and where their Cobertura report lands, relative to the service's directory.
 */
export const RUN_TESTS_PROJECT_ENVIRONMENT: Readonly<Record<'TEST_COMMAND' | 'COVERAGE_REPORT', string>> = {
  TEST_COMMAND: 'npm test -- --coverage',
  COVERAGE_REPORT: 'coverage/cobertura-coverage.xml',
};

/**
 * The defaults a buildspec gives its script (`env.variables` of `lib/buildspecs/<name>.yml`), so a
 * local run uses the same ones (e.g. BuildImage's BASE_IMAGE_MIRROR).
 */
export function buildspecVariables(name: string): Readonly<Record<string, string>> {
  const spec = parse(readFileSync(join(__dirname, '..', 'buildspecs', `${name}.yml`), 'utf8')) as {
    env?: { variables?: Record<string, string> };
  };
  return spec.env?.variables ?? {};
}
