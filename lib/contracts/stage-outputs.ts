/**
 * What each CodeBuild stage hands back to the workflow: the variables its buildspec exports
 * (`env.exported-variables`), by user-facing state name. The buildspecs, the state machine's
 * `ResultSelector`s and the local drivers all follow this list.
 */
export const STAGE_EXPORTS = {
  /** S3 keys of the uploaded coverage report and of the push's changed-lines diff. */
  RunTests: ['COVERAGE_REPORT_KEY', 'CHANGED_LINES_KEY'],
  /** S3 keys of the saved plan and its JSON, and whether the plan changes anything (`true`/`false`). */
  TerraformPlan: ['PLAN_KEY', 'PLAN_JSON_KEY', 'PLAN_HAS_CHANGES'],
  /** The pushed image as `<repository>:<tag>` and its `sha256:` digest. */
  BuildImage: ['IMAGE_URI', 'IMAGE_DIGEST'],
  TerraformApply: [],
  /** Helm release revisions before and after the upgrade. */
  HelmDeploy: ['PREVIOUS_REVISION', 'HELM_REVISION'],
  HelmRollback: [],
} as const satisfies Record<string, readonly string[]>;

/** The CodeBuild stages, by state name. */
export type BuildStageName = keyof typeof STAGE_EXPORTS;

export const BUILD_STAGE_NAMES = Object.keys(STAGE_EXPORTS) as BuildStageName[];
