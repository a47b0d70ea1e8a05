import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { handleLock } from '../../lambdas/deploy-lock/handle-lock';
import { MemoryLockTable } from '../../lambdas/shared/deploy-lock/memory-lock-table';
import type { DeployPolicy } from '../../lib/contracts/deploy-lock';
import type { ExecutionInput } from '../../lib/contracts/execution-input';
import type { PipelineEvent } from '../../lib/contracts/pipeline-event';
import { parseStageOutputs, STAGE_EXPORTS, type STAGE_OUTPUTS } from '../../lib/contracts/stage-outputs';
import { DirectoryArtifactStore } from '../../lib/local/artifact-stores';
import { TaskFailure } from '../../lib/local/codebuild-results';
import { localSubstitutions } from '../../lib/local/local-substitutions';
import { runLocalPipeline, type TaskOverride } from '../../lib/local/run-local-pipeline';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';
import type { ArtifactStore } from '../../lib/local/stage-driver';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';
import { type ScanScript, type ScanTrace, scanGateHandlers } from './scan-gate-driver';

/**
 * The workflow suites' harness, on the local runner (`lib/local/`): the real ASL in
 * aws-local-stepfunctions, the real CoverageGate and PlanGuard logic, the notify function's own
 * event builder behind the `Notify*` states, and the simulated stage drivers
 * (`lib/local/simulated-drivers.ts`) told per scenario how each build ends and what it exports. One
 * harness for the tests and `deployctl local`.
 */

export const ARTIFACTS_BUCKET = 'pipeline-artifacts';

/** The values the local runner fills the definition's placeholders with (for suites that deploy the ASL elsewhere, e.g. moto). */
export const TEST_SUBSTITUTIONS: Readonly<Record<string, string>> = localSubstitutions(
  readDeployPipelineAsl(),
  ARTIFACTS_BUCKET,
);

/** The execution every scenario runs as, unless it names its own. */
export const EXECUTION_NAME = 'sample-service-dev-0123456-abcdef012345';
export const executionArnOf = (name: string) =>
  `arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:${name}`;
/** Every run starts at this time (`$$.Execution.StartTime`); the functions' clock stands a minute later. */
export const EXECUTION_START = '2026-11-21T12:00:00.000Z';
const CLOCK = new Date('2026-11-21T12:01:00.000Z');
const LOCK_LEASE_SECONDS = 11_100;

/** The lock policy of `sample-service` (any environment) in the workflow scenarios; other services are unknown. */
export const LOCK_POLICY: DeployPolicy = {
  lock: { mode: 'SUPERSEDED' },
  approval: { required: false, onDestructive: false, timeoutSeconds: 86_400 },
  promoteTo: [],
};
const lockPolicyOf = (service: string) => (service === 'sample-service' ? LOCK_POLICY : undefined);

/**
 * The deploy lock Lambda as a `lambda:invoke` task returns it, for another run's calls or a wrapped
 * `AcquireLock`: the real handler on `table`, with the scenarios' policy and clock.
 */
export function deployLockHandler(table: MemoryLockTable) {
  return async (params: unknown) => {
    const { Payload } = params as { Payload: unknown };
    const output = await handleLock(Payload, {
      store: table,
      policyOf: lockPolicyOf,
      leaseSeconds: LOCK_LEASE_SECONDS,
      now: () => CLOCK,
      logger: { info: () => undefined, warn: () => undefined },
      sleep: async () => undefined,
    });
    return lambdaResult(output);
  };
}

/** The CodeBuild stages a push runs, in pipeline order. */
export const CODEBUILD_STAGES = ['RunTests', 'TerraformPlan', 'BuildImage', 'TerraformApply', 'HelmDeploy'] as const;
export type CodeBuildStage = (typeof CODEBUILD_STAGES)[number];
/** Every CodeBuild stage a scenario can steer: a push's, and the rollback build (`RollbackRelease`, `RollbackOnRequest`). */
export const SCENARIO_STAGES = [...CODEBUILD_STAGES, 'HelmRollback'] as const;
export type ScenarioStage = (typeof SCENARIO_STAGES)[number];
/**
 * `fail`, `stopped` and `build-timeout`: the build ends FAILED, STOPPED or TIMED_OUT (CodeBuild's
 * own timeout); `timeout`: the task outlives its `TimeoutSeconds` (Step Functions' States.Timeout).
 */
export type StageOutcome = 'succeed' | 'fail' | 'stopped' | 'build-timeout' | 'timeout';

/**
 * What each stage's build exports when a scenario does not say otherwise, typed by the declared
 * outputs in lib/contracts/stage-outputs.ts (a stage that declares a variable must have a sample).
 */
const SAMPLE_OUTPUTS: { readonly [S in ScenarioStage]: z.input<(typeof STAGE_OUTPUTS)[S]> } = {
  RunTests: { COVERAGE_REPORT_KEY: 'runs/x/coverage/report', CHANGED_LINES_KEY: 'runs/x/coverage/changed-lines.diff' },
  TerraformPlan: {
    PLAN_KEY: 'runs/x/terraform/plan.tfplan',
    PLAN_JSON_KEY: 'runs/x/terraform/plan.json',
    PLAN_HAS_CHANGES: 'true',
  },
  BuildImage: {
    IMAGE_URI: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service@sha256:${'ab'.repeat(32)}`,
    IMAGE_DIGEST: `sha256:${'ab'.repeat(32)}`,
  },
  TerraformApply: {},
  // `/version` in the cluster reports the pushed commit (pushInput's).
  HelmDeploy: {
    PREVIOUS_REVISION: '4',
    HELM_REVISION: '5',
    DEPLOYED_COMMIT: '0123456789abcdef0123456789abcdef01234567',
  },
  HelmRollback: { ROLLBACK_OUTCOME: 'rolled-back' },
};

/**
 * The variables a stage's build exports in a scenario: the samples with the scenario's overrides
 * (`undefined` = the build left the variable unset), checked against the stage's declared outputs
 * so a scenario cannot export what no buildspec would.
 */
export function exportedBy<S extends ScenarioStage>(
  stage: S,
  overrides: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...SAMPLE_OUTPUTS[stage], ...overrides };
  const values = Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  parseStageOutputs(stage, values);
  return values;
}

export const RUN_SETTINGS = {
  sourceType: 'GITHUB',
  sourceLocation: 'https://github.com/example-org/sample-service.git',
  appPath: 'app',
  terraformDir: 'terraform/environments/dev',
  terraformStateKey: 'sample-service/dev/infra.tfstate',
  chart: 'app/chart',
  release: 'sample-service',
  namespace: 'sample-service',
  valuesFile: 'values-dev.yaml',
  eksCluster: 'deploy-dev',
  ecrRepositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service',
  coveragePolicy: { minLinePct: 80 },
  scanPolicy: {},
  scanType: 'basic',
  deployProject: 'helm-deploy',
  rollbackProject: 'helm-rollback',
  deploy: { timeoutMinutes: 10, bakeSeconds: 60, alarms: [] as string[] },
};

export function pushInput(overrides: Partial<ExecutionInput> = {}): ExecutionInput {
  return {
    service: 'sample-service',
    environment: 'dev',
    trigger: 'push',
    source: {
      provider: 'github',
      repository: 'example-org/sample-service',
      ref: 'refs/heads/main',
      branch: 'main',
      commit: '0123456789abcdef0123456789abcdef01234567',
      before: 'fedcba9876543210fedcba9876543210fedcba98',
      message: 'Add items endpoint',
      author: 'octocat',
      url: 'https://github.com/example-org/sample-service/commit/0123456789abcdef0123456789abcdef01234567',
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    },
    changes: { app: true, infra: true, paths: null },
    ...overrides,
  };
}

export interface Scenario {
  readonly input: ExecutionInput;
  /** Outcome of each CodeBuild stage; unlisted stages succeed. */
  readonly stages?: Partial<Record<ScenarioStage, StageOutcome>>;
  /**
   * Exported variables to override per stage; `undefined` leaves a variable unset (absent). Unset for
   * HelmRollback: the simulated build reports the outcome of the decision's action.
   */
  readonly exported?: Partial<Record<ScenarioStage, Record<string, string | undefined>>>;
  /**
   * More for the local tasks, by stage or by state name (the state's own entry wins, e.g.
   * `BuildDeferredImage` over `BuildImage`): the simulated drivers' wishes (e.g. `{ reportBody }`; see
   * lib/local/simulated-drivers.ts) and the local functions' (`VerifyDeployment: { alarms }`,
   * `WaitForApproval: { answer }`; see lib/local/release-tasks.ts).
   */
  readonly wishes?: Readonly<Record<string, Record<string, unknown>>>;
  /** The deploy policy (lock mode, approval, promotion) of `sample-service`; default {@link LOCK_POLICY}. */
  readonly policy?: DeployPolicy;
  /** Settings the SSM parameter returns; `null` = parameter not found. */
  readonly settings?: Record<string, unknown> | null;
  /** The deploy lock's table (to share it between runs or hold the lock beforehand); default: an empty one. */
  readonly lockTable?: MemoryLockTable;
  /** The execution's name; default {@link EXECUTION_NAME}. */
  readonly executionName?: string;
  /**
   * How the image's scan goes, played by the real registration, scan-event and poll handlers behind
   * WaitForScan and PollScan (test/workflow/scan-gate-driver.ts). Unset: the local runner's own scan
   * tasks judge the simulated build's clean findings.
   */
  readonly scan?: ScanScript;
}

/** A Lambda task as the `lambda:invoke` integration returns it. */
export function lambdaResult(payload: unknown) {
  return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: payload };
}

export interface ScenarioRun {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output: unknown;
  readonly error?: { Error: string; Cause: unknown };
  /** State names in the order they were entered (all branches). */
  readonly entered: readonly string[];
  /** Parameters each task was called with, by state name. */
  readonly calls: Readonly<Record<string, readonly unknown[]>>;
  /** The events the `Notify*` states built (the notify function's own code, captured, not published). */
  readonly notifications: PipelineEvent[];
  /** The deploy lock's table after the run. */
  readonly lockTable: MemoryLockTable;
  /** With a scenario's `scan` script: what the scan gate's handlers read from ECR and answered. */
  readonly scan: ScanTrace;
  /** State transitions as Step Functions bills them: states entered plus retries. */
  readonly transitions: number;
  /** Log lines of each Task state, by state name. */
  readonly logs: Readonly<Record<string, readonly string[]>>;
}

const BUILD_STATUS = { fail: 'FAILED', stopped: 'STOPPED', 'build-timeout': 'TIMED_OUT' } as const;

/**
 * Runs the real definition on the local runner. `extraHandlers` replace Task states' handlers;
 * `artifacts` defaults to a fresh temporary directory (bucket `pipeline-artifacts`).
 */
export async function runScenario(
  scenario: Scenario,
  extraHandlers: Record<string, TaskOverride> = {},
  options: { readonly artifacts?: ArtifactStore } = {},
): Promise<ScenarioRun> {
  // Checked before the run starts: a bad scenario is a test error, not a failed build.
  const stageWishes: Record<string, Record<string, unknown>> = { ...scenario.wishes };
  for (const stage of SCENARIO_STAGES) {
    const outcome = scenario.stages?.[stage] ?? 'succeed';
    const failure =
      outcome === 'succeed' || outcome === 'timeout' ? {} : { outcome: 'fail', buildStatus: BUILD_STATUS[outcome] };
    // Every declared variable is named, so one the scenario leaves unset stays unset.
    const unset = Object.fromEntries(STAGE_EXPORTS[stage].map((name) => [name, undefined]));
    const exported =
      stage === 'HelmRollback' && scenario.exported?.[stage] === undefined
        ? {}
        : { exported: { ...unset, ...exportedBy(stage, scenario.exported?.[stage]) } };
    stageWishes[stage] = { ...exported, ...failure, ...scenario.wishes?.[stage] };
  }
  // A timed-out stage, by the states that run its build (the rollback build runs in two).
  const statesOf = (stage: ScenarioStage) =>
    stage === 'HelmRollback' ? ['RollbackRelease', 'RollbackOnRequest'] : [stage];
  const timeouts = Object.fromEntries(
    SCENARIO_STAGES.filter((stage) => scenario.stages?.[stage] === 'timeout').flatMap((stage) =>
      statesOf(stage).map((state) => [
        state,
        async () => {
          throw new TaskFailure('States.Timeout', 'Task timed out');
        },
      ]),
    ),
  );
  const lockTable = scenario.lockTable ?? new MemoryLockTable();
  const scan: ScanTrace = { reads: [], answers: [], events: [] };
  const scanHandlers = scenario.scan ? scanGateHandlers(scenario.scan, scan) : {};
  const scratch = options.artifacts ? undefined : await mkdtemp(join(tmpdir(), 'workflow-test-'));
  try {
    const run = await runLocalPipeline({
      input: scenario.input,
      settingsFor: () => (scenario.settings === null ? undefined : (scenario.settings ?? RUN_SETTINGS)),
      drivers: simulatedDrivers(),
      stageWishes,
      overrides: { ...timeouts, ...scanHandlers, ...extraHandlers },
      artifacts: options.artifacts ?? new DirectoryArtifactStore(scratch as string, ARTIFACTS_BUCKET),
      execution: { name: scenario.executionName ?? EXECUTION_NAME, startTime: EXECUTION_START },
      lock: {
        table: lockTable,
        policyOf: (service) => (service === 'sample-service' ? (scenario.policy ?? LOCK_POLICY) : undefined),
        leaseSeconds: LOCK_LEASE_SECONDS,
      },
      lockWaitMs: 0,
      clock: () => CLOCK,
    });
    const { result } = run;
    return {
      status: result.status,
      output: run.output,
      ...(result.error ? { error: { Error: result.error.error, Cause: result.error.cause } } : {}),
      entered: run.entered,
      calls: run.calls,
      notifications: result.notifications.map((n) => n.event),
      lockTable,
      scan,
      transitions: result.transitions,
      logs: run.logs,
    };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
