/**
 * Every error name a pipeline run fails with. These are what the state machine's `Catch` and
 * `Retry` match (`ErrorEquals`), what the failure notification and the execution's own error show
 * and what `deployctl status` prints, so they are a public contract: add names, never rename one.
 *
 * The rule: a stage fails as `<State>Failed` (the Step Functions or build error it caught goes in
 * the cause) unless it has a more specific name. Lambda stages throw their specific names from
 * error classes whose `name` is one of these; CodeBuild stages have none, so a failed, stopped or
 * timed-out build is always `<State>Failed` with the build's status in the cause.
 */
export const ErrorName = {
  /** The run's settings could not be read (unknown service or environment, SSM unavailable). */
  RunSettingsUnavailable: 'RunSettingsUnavailable',
  /**
   * A newer push replaced this run while it waited for the deploy lock (SUPERSEDED mode). The run
   * ends Succeeded with a `superseded` notification; the name is what `AcquireLock` matches.
   */
  LockSuperseded: 'LockSuperseded',
  /** QUEUED mode: the deploy lock's waiting line is full. */
  LockQueueFull: 'LockQueueFull',
  /** Every attempt to write the deploy lock lost to another writer, also after the state's retries. */
  LockContention: 'LockContention',
  /**
   * Another run holds the deploy lock (or is ahead in line): `AcquireLock` throws it and its `Retry`
   * waits and asks again, so waiting costs no states. The cause is JSON `LockBusyCause` (lib/contracts/deploy-lock.ts).
   */
  LockBusy: 'LockBusy',
  /** The lock request is malformed or names an unknown service or environment. */
  InvalidLockRequest: 'InvalidLockRequest',
  /** The lock function itself failed (crashed, timed out, throttled): no answer. */
  AcquireLockFailed: 'AcquireLockFailed',
  /**
   * `ReleaseLock` by a run that does not hold the lock (its lease was taken over). Recorded at
   * `$.lockRelease`; it never changes how the run ends.
   */
  LockNotHeld: 'LockNotHeld',
  /** The RunTests build failed, stopped or timed out. */
  RunTestsFailed: 'RunTestsFailed',
  /** The coverage report is missing, empty, malformed or not a coverage report. */
  CoverageReportInvalid: 'CoverageReportInvalid',
  /** One or more coverage rules failed. */
  CoverageBelowThreshold: 'CoverageBelowThreshold',
  /** The coverage gate itself failed (crashed, timed out, throttled): no verdict. */
  CoverageGateFailed: 'CoverageGateFailed',
  /** The TerraformPlan build failed, stopped or timed out. */
  TerraformPlanFailed: 'TerraformPlanFailed',
  /** The saved plan's JSON is missing or is not `terraform show -json` output of a plan. */
  PlanUnreadable: 'PlanUnreadable',
  /** The plan deletes or replaces a protected resource and nobody approved it. */
  DestructiveChangeBlocked: 'DestructiveChangeBlocked',
  /** The plan guard itself failed (crashed, timed out, throttled): no verdict. */
  PlanGuardFailed: 'PlanGuardFailed',
  /** The BuildImage build failed, stopped or timed out. */
  BuildImageFailed: 'BuildImageFailed',
  /** The image's scan has more gating findings than the environment's scan policy allows (the cause is the JSON report). */
  ScanFindingsAboveThreshold: 'ScanFindingsAboveThreshold',
  /** The image's scan ended in a status the policy does not accept (`FAILED`, `UNSUPPORTED_IMAGE`, ...). */
  ScanNotUsable: 'ScanNotUsable',
  /** No scan event arrived and the polls never saw a final scan (the cause is the last poll's reason). */
  ScanTimedOut: 'ScanTimedOut',
  /** The scan gate gave no verdict: its registration or poll function failed, was throttled or got bad input. */
  WaitForScanFailed: 'WaitForScanFailed',
  /** A Verify branch failed without naming its stage (a defect of the workflow; the cause has the raw error). */
  VerifyFailed: 'VerifyFailed',
  /** The TerraformApply build failed, stopped or timed out. */
  TerraformApplyFailed: 'TerraformApplyFailed',
  /** The HelmDeploy build failed, stopped or timed out. */
  HelmDeployFailed: 'HelmDeployFailed',
  /** A watched CloudWatch alarm was in ALARM at the end of the bake, or entered ALARM during it. */
  AlarmDuringBake: 'AlarmDuringBake',
  /** The service's `/version` reported another commit than the one deployed. */
  VersionMismatch: 'VersionMismatch',
  /** The bake could not check (an alarm does not exist, `/version` did not answer, the check crashed). */
  VerificationFailed: 'VerificationFailed',
  /** The deploy succeeded, a later step failed, and the release is back on its previous revision (or uninstalled). */
  RolledBack: 'RolledBack',
  /** The release could not be put back: the environment needs a person (the cause has the commands). */
  RollbackFailed: 'RollbackFailed',
  /** A person rejected the run at `WaitForApproval` (`deployctl reject`). */
  ApprovalRejected: 'ApprovalRejected',
  /** Nobody approved or rejected within the environment's approval timeout. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** The approval function itself failed (crashed, throttled, bad input): no request was stored, nothing was changed. */
  WaitForApprovalFailed: 'WaitForApprovalFailed',
} as const;

export type ErrorName = (typeof ErrorName)[keyof typeof ErrorName];

/** All declared error names. */
export const ERROR_NAMES: readonly ErrorName[] = Object.values(ErrorName);

/**
 * The state each error name comes from: the `stage` of the failure notification. A later step
 * (rollback, the lock) can tell from the name alone how far a run got.
 */
export const ERROR_STAGE: Readonly<Record<ErrorName, string>> = {
  RunSettingsUnavailable: 'LoadRunSettings',
  LockSuperseded: 'AcquireLock',
  LockQueueFull: 'AcquireLock',
  LockContention: 'AcquireLock',
  LockBusy: 'AcquireLock',
  InvalidLockRequest: 'AcquireLock',
  AcquireLockFailed: 'AcquireLock',
  LockNotHeld: 'ReleaseLock',
  RunTestsFailed: 'RunTests',
  CoverageReportInvalid: 'CoverageGate',
  CoverageBelowThreshold: 'CoverageGate',
  CoverageGateFailed: 'CoverageGate',
  TerraformPlanFailed: 'TerraformPlan',
  PlanUnreadable: 'PlanGuard',
  DestructiveChangeBlocked: 'PlanGuard',
  PlanGuardFailed: 'PlanGuard',
  BuildImageFailed: 'BuildImage',
  ScanFindingsAboveThreshold: 'WaitForScan',
  ScanNotUsable: 'WaitForScan',
  ScanTimedOut: 'WaitForScan',
  WaitForScanFailed: 'WaitForScan',
  VerifyFailed: 'Verify',
  TerraformApplyFailed: 'TerraformApply',
  HelmDeployFailed: 'HelmDeploy',
  AlarmDuringBake: 'VerifyDeployment',
  VersionMismatch: 'VerifyDeployment',
  VerificationFailed: 'VerifyDeployment',
  RolledBack: 'VerifyDeployment',
  RollbackFailed: 'Rollback',
  ApprovalRejected: 'WaitForApproval',
  ApprovalTimedOut: 'WaitForApproval',
  WaitForApprovalFailed: 'WaitForApproval',
};

/**
 * What the state machine records at `$.error.failure` on every failure path, what the failure
 * notification carries as `stage`/`error`/`cause`, and what a Verify branch passes out of the
 * parallel state as JSON in its `Fail` state's cause.
 */
export interface FailureRecord {
  /** The state that failed, e.g. `RunTests`. */
  readonly stage: string;
  /** One of {@link ErrorName}. */
  readonly error: ErrorName;
  /** What went wrong, in words; for caught Step Functions errors `<Error>: <Cause>`. */
  readonly cause: string;
}
