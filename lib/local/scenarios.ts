import type { ErrorName } from '../contracts/error-names';
import type { EnvironmentConfig } from '../contracts/pipeline-config';

/** Which parts of the repository a local run treats as changed (`--changes`). */
export const CHANGE_SETS = {
  all: { app: true, infra: true },
  app: { app: true, infra: false },
  infra: { app: false, infra: true },
} as const;

export type ChangeSet = keyof typeof CHANGE_SETS;

/** A named story a local run plays: what each stage is asked to do, and how the run should end. */
export interface LocalScenario {
  readonly name: string;
  /** One line for `deployctl local --help` and error messages. */
  readonly summary: string;
  /**
   * The change the scenario's point needs: a run without it skips the stage the scenario is about
   * (e.g. `tests-fail` with only infrastructure changed never runs the tests).
   */
  readonly needs?: 'app' | 'infra';
  /**
   * What each CodeBuild stage's driver is asked for (its `StageRunContext.scenario`); every driver
   * documents what it reads (see lib/local/simulated-drivers.ts). Unlisted stages get `{}`.
   */
  readonly stages: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Settings the scenario gives the run's environment on top of the configuration's (e.g.
   * `{ approval: true }` for a run that must stop for approval, the alarms a bake watches).
   */
  readonly environmentSettings?: Readonly<Partial<EnvironmentConfig>>;
  /**
   * `rollback`: the run is a rollback a person asked for (`trigger: "rollback"`, `rollbackRequest`),
   * as `deployctl rollback` starts it. @default a push's run
   */
  readonly request?: 'rollback';
  /**
   * `superseded`: another run holds the deploy lock when this one starts, and a newer push arrives
   * while this one waits, replacing it (SUPERSEDED mode). @default none: the lock is free
   */
  readonly lock?: 'superseded';
  /** How the run ends when every stage runs (`--changes all`); test/local/scenarios.test.ts checks it. */
  readonly expect: {
    readonly status: 'SUCCEEDED' | 'FAILED';
    readonly error?: ErrorName;
    /** The stage the failure notification names. */
    readonly stage?: string;
  };
}

/** The scenarios `deployctl local --scenario` knows, by name. Later stages add theirs here. */
export const SCENARIOS: Readonly<Record<string, LocalScenario>> = {
  happy: {
    name: 'happy',
    summary: 'every stage passes; the commit is deployed',
    stages: {},
    expect: { status: 'SUCCEEDED' },
  },
  'tests-fail': {
    name: 'tests-fail',
    summary: 'the test build fails: nothing is applied or deployed',
    needs: 'app',
    stages: { RunTests: { outcome: 'fail' } },
    expect: { status: 'FAILED', error: 'RunTestsFailed', stage: 'RunTests' },
  },
  'coverage-low': {
    name: 'coverage-low',
    summary: 'the tests pass with 42% line coverage: the coverage gate stops the run',
    needs: 'app',
    stages: { RunTests: { linePct: 42 } },
    expect: { status: 'FAILED', error: 'CoverageBelowThreshold', stage: 'CoverageGate' },
  },
  'plan-destructive': {
    name: 'plan-destructive',
    summary: 'the Terraform plan replaces the database: the plan guard blocks it',
    needs: 'infra',
    stages: { TerraformPlan: { plan: 'destructive' } },
    expect: { status: 'FAILED', error: 'DestructiveChangeBlocked', stage: 'PlanGuard' },
  },
  'scan-fails': {
    name: 'scan-fails',
    summary: 'the image scan finds a CRITICAL vulnerability: the scan gate stops the run before the deploy',
    needs: 'app',
    stages: { BuildImage: { scanFindings: 'critical' } },
    expect: { status: 'FAILED', error: 'ScanFindingsAboveThreshold', stage: 'WaitForScan' },
  },
  'scan-event-lost': {
    name: 'scan-event-lost',
    summary: 'the scan event never arrives: the wait times out and the polling fallback finds the clean scan',
    needs: 'app',
    stages: { BuildImage: { scanEvent: 'lost' } },
    expect: { status: 'SUCCEEDED' },
  },
  'deploy-fails': {
    name: 'deploy-fails',
    summary: 'every check passes but the Helm deploy fails',
    needs: 'app',
    stages: { HelmDeploy: { outcome: 'fail', releaseRevision: 3 } },
    expect: { status: 'FAILED', error: 'HelmDeployFailed', stage: 'HelmDeploy' },
  },
  'bake-alarm': {
    name: 'bake-alarm',
    summary: 'the deploy succeeds but a CloudWatch alarm fires during the bake: the release is rolled back',
    needs: 'app',
    environmentSettings: { deploy: { alarms: ['sample-service-5xx'] } as EnvironmentConfig['deploy'] },
    stages: { HelmDeploy: { releaseRevision: 3 }, VerifyDeployment: { alarms: { 'sample-service-5xx': 'ALARM' } } },
    expect: { status: 'FAILED', error: 'RolledBack', stage: 'VerifyDeployment' },
  },
  'version-mismatch': {
    name: 'version-mismatch',
    summary: 'Helm reports success but /version does not report the pushed commit: the release is rolled back',
    needs: 'app',
    stages: { HelmDeploy: { deployedCommit: 'wrong', releaseRevision: 3 } },
    expect: { status: 'FAILED', error: 'RolledBack', stage: 'VerifyDeployment' },
  },
  'first-install-fails': {
    name: 'first-install-fails',
    summary: 'the first install of the release fails: nothing ran before, so the release is uninstalled',
    needs: 'app',
    stages: { HelmDeploy: { outcome: 'fail' } },
    expect: { status: 'FAILED', error: 'HelmDeployFailed', stage: 'HelmDeploy' },
  },
  'rollback-fails': {
    name: 'rollback-fails',
    summary:
      '/version does not report the pushed commit and the rollback build fails too: the run ends RollbackFailed, asking for a person',
    needs: 'app',
    stages: { HelmDeploy: { deployedCommit: 'wrong', releaseRevision: 3 }, HelmRollback: { outcome: 'fail' } },
    expect: { status: 'FAILED', error: 'RollbackFailed', stage: 'Rollback' },
  },
  approved: {
    name: 'approved',
    summary:
      'the environment requires approval: the run stops at WaitForApproval after its plan, is approved, and deploys',
    environmentSettings: { approval: true },
    stages: { WaitForApproval: { answer: 'approve' } },
    expect: { status: 'SUCCEEDED' },
  },
  'approval-rejected': {
    name: 'approval-rejected',
    summary: 'the environment requires approval and the approver rejects the run: nothing is applied or deployed',
    environmentSettings: { approval: true },
    stages: { WaitForApproval: { answer: 'reject' } },
    expect: { status: 'FAILED', error: 'ApprovalRejected', stage: 'WaitForApproval' },
  },
  'approval-timeout': {
    name: 'approval-timeout',
    summary: 'the environment requires approval and nobody answers in time: nothing is applied or deployed',
    environmentSettings: { approval: true },
    stages: { WaitForApproval: { answer: 'timeout' } },
    expect: { status: 'FAILED', error: 'ApprovalTimedOut', stage: 'WaitForApproval' },
  },
  'destructive-approved': {
    name: 'destructive-approved',
    summary: 'the plan replaces the database and the environment sends such plans to approval: approved, it is applied',
    needs: 'infra',
    environmentSettings: { approveDestructive: true },
    stages: { TerraformPlan: { plan: 'destructive' }, WaitForApproval: { answer: 'approve' } },
    expect: { status: 'SUCCEEDED' },
  },
  'fresh-account': {
    name: 'fresh-account',
    summary:
      'a first push to a new account: no ECR repository, no Terraform state, no Helm release; the image is built once Terraform created its repository',
    stages: { BuildImage: { repository: 'missing' }, BuildDeferredImage: {} },
    expect: { status: 'SUCCEEDED' },
  },
  'manual-rollback': {
    name: 'manual-rollback',
    summary:
      'a person asks to roll the release back (deployctl rollback): the run takes the lock, rolls back to the revision before the deployed one, and ends Succeeded',
    request: 'rollback',
    stages: { HelmRollback: { releaseRevision: 3 } },
    expect: { status: 'SUCCEEDED' },
  },
  superseded: {
    name: 'superseded',
    summary:
      'another run holds the lock and a newer push replaces this waiting one: it ends Succeeded, deploying nothing',
    stages: {},
    lock: 'superseded',
    expect: { status: 'SUCCEEDED' },
  },
};

/** Scenario names, in registration order. */
export const SCENARIO_NAMES = Object.keys(SCENARIOS);

/**
 * The scenario called `name`.
 * @throws Error listing the known names when there is none.
 */
export function scenarioNamed(name: string): LocalScenario {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) {
    throw new Error(`unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`);
  }
  return scenario;
}
