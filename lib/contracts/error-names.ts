/**
 * Every error name a pipeline stage fails with. These are what the state machine's `Catch` and
 * `Retry` match (`ErrorEquals`), what notifications show and what `deployctl status` prints, so they
 * are a public contract: add names, never rename one.
 *
 * Lambda stages throw errors whose `name` is one of these; CodeBuild stages fail with
 * `<State>Failed` (the build's own status goes in the cause).
 */
export const ErrorName = {
  /** The run's settings could not be read (unknown service or environment, SSM unavailable). */
  RunSettingsUnavailable: 'RunSettingsUnavailable',
  /** The coverage report is missing, empty, malformed or not a coverage report. */
  CoverageReportInvalid: 'CoverageReportInvalid',
  /** One or more coverage rules failed. */
  CoverageBelowThreshold: 'CoverageBelowThreshold',
  /** The saved plan's JSON is missing or is not `terraform show -json` output of a plan. */
  PlanUnreadable: 'PlanUnreadable',
  /** The plan deletes or replaces a protected resource and nobody approved it. */
  DestructiveChangeBlocked: 'DestructiveChangeBlocked',
  /** The RunTests build failed, stopped or timed out. */
  RunTestsFailed: 'RunTestsFailed',
  /** The TerraformPlan build failed, stopped or timed out. */
  TerraformPlanFailed: 'TerraformPlanFailed',
  /** The BuildImage build failed, stopped or timed out. */
  BuildImageFailed: 'BuildImageFailed',
  /** The TerraformApply build failed, stopped or timed out. */
  TerraformApplyFailed: 'TerraformApplyFailed',
  /** The HelmDeploy build failed, stopped or timed out. */
  HelmDeployFailed: 'HelmDeployFailed',
} as const;

export type ErrorName = (typeof ErrorName)[keyof typeof ErrorName];

/** All declared error names. */
export const ERROR_NAMES: readonly ErrorName[] = Object.values(ErrorName);
