import { StateMachine } from 'aws-local-stepfunctions';
import type { z } from 'zod';
import { buildPipelineEvent } from '../../lambdas/notify/build-pipeline-event';
import { parseNotifyRequest } from '../../lambdas/notify/notify-request';
import type { ExecutionInput } from '../../lib/contracts/execution-input';
import type { PipelineEvent } from '../../lib/contracts/pipeline-event';
import { parseStageOutputs, type STAGE_OUTPUTS } from '../../lib/contracts/stage-outputs';
import { readDeployPipelineAsl, substituteAsl } from '../../lib/workflow/deploy-pipeline-definition';
import { page } from '../scan-gate/scan-builders';
import { failedBuild, succeededBuild, timedOutBuild } from './codebuild-results';
import { type ScanScript, type ScanTrace, scanGateHandlers } from './scan-gate-driver';

/** Values the stack fills in; here they only need to be well-formed. */
export const TEST_SUBSTITUTIONS: Record<string, string> = {
  SettingsParameterPrefix: '/deploy-pipeline/settings',
  RunTestsProject: 'run-tests',
  TerraformPlanProject: 'terraform-plan',
  TerraformApplyProject: 'terraform-apply',
  BuildImageProject: 'build-image',
  ...Object.fromEntries(
    ['RunTests', 'TerraformPlan', 'TerraformApply', 'BuildImage', 'HelmDeploy'].map((stage) => [
      `${stage}Buildspec`,
      `version: 0.2 # ${stage}`,
    ]),
  ),
  ArtifactsBucket: 'pipeline-artifacts',
  CoverageGateFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:coverage-gate',
  PlanGuardFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:plan-guard',
  NotifyFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:notify',
  ScanRegistrationFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:scan-registration',
  ScanPollFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:scan-poll',
};

export const CODEBUILD_STAGES = ['RunTests', 'TerraformPlan', 'BuildImage', 'TerraformApply', 'HelmDeploy'] as const;
export type CodeBuildStage = (typeof CODEBUILD_STAGES)[number];
/**
 * `fail`, `stopped` and `build-timeout`: the build ends FAILED, STOPPED or TIMED_OUT (CodeBuild's
 * own timeout); `timeout`: the task outlives its `TimeoutSeconds` (Step Functions' States.Timeout).
 */
export type StageOutcome = 'succeed' | 'fail' | 'stopped' | 'build-timeout' | 'timeout';

/**
 * What each stage's build exports when a scenario does not say otherwise, typed by the declared
 * outputs in lib/contracts/stage-outputs.ts (a stage that declares a variable must have a sample).
 */
const SAMPLE_OUTPUTS: { readonly [S in CodeBuildStage]: z.input<(typeof STAGE_OUTPUTS)[S]> } = {
  RunTests: { COVERAGE_REPORT_KEY: 'runs/x/coverage/report', CHANGED_LINES_KEY: 'runs/x/coverage/changed-lines.diff' },
  TerraformPlan: {
    PLAN_KEY: 'runs/x/terraform/plan.tfplan',
    PLAN_JSON_KEY: 'runs/x/terraform/plan.json',
    PLAN_HAS_CHANGES: 'true',
  },
  BuildImage: {
    IMAGE_URI: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service:0123456789abcdef0123456789abcdef01234567',
    IMAGE_DIGEST: `sha256:${'ab'.repeat(32)}`,
  },
  TerraformApply: {},
  HelmDeploy: { PREVIOUS_REVISION: '4', HELM_REVISION: '5' },
};

/**
 * The variables a stage's build exports in a scenario: the samples with the scenario's overrides
 * (`undefined` = the build left the variable unset), checked against the stage's declared outputs
 * so a scenario cannot export what no buildspec would.
 */
export function exportedBy<S extends CodeBuildStage>(
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
  readonly stages?: Partial<Record<CodeBuildStage, StageOutcome>>;
  /** Exported variables to override per stage; `undefined` leaves a variable unset (absent). */
  readonly exported?: Partial<Record<CodeBuildStage, Record<string, string | undefined>>>;
  /** Settings the SSM parameter returns; `null` = parameter not found. */
  readonly settings?: Record<string, unknown> | null;
  /** How the image's scan goes; default: already complete without findings when the registration reads it. */
  readonly scan?: ScanScript;
}

/** A basic scan that completed with no findings. */
export const CLEAN_SCAN: ScanScript = { replies: [page({ findings: [] })] };

/** A Lambda task as the `lambda:invoke` integration returns it. */
export function lambdaResult(payload: unknown) {
  return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: payload };
}

/** Stand-in for the coverage gate where a scenario is not about coverage (its own suite runs the real handler). */
const PASSING_GATE = {
  passed: true,
  lines: { covered: 90, valid: 100, pct: 90 },
  branches: null,
  nextBaseline: {
    linePct: 90,
    branchPct: null,
    commit: '0123456789abcdef0123456789abcdef01234567',
    recordedAt: '2026-11-21T12:00:00.000Z',
  },
};

export interface ScenarioRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly error?: { Error: string; Cause: unknown };
  /** State names in the order they were entered (all branches). */
  readonly entered: string[];
  /** Parameters each overridden task was called with, by state name. */
  readonly calls: Record<string, unknown[]>;
  /** The events the Notify states published, built by the notify function's own code from their payloads. */
  readonly notifications: PipelineEvent[];
  /** What the scan gate's handlers read from ECR and answered Step Functions. */
  readonly scan: ScanTrace;
}

function record(calls: Record<string, unknown[]>, state: string, params: unknown): void {
  calls[state] = [...(calls[state] ?? []), params];
}

function stageHandler(stage: CodeBuildStage, scenario: Scenario, calls: Record<string, unknown[]>) {
  // Checked before the run starts: a bad scenario is a test error, not a failed build.
  const exported = exportedBy(stage, scenario.exported?.[stage]);
  return async (params: unknown) => {
    record(calls, stage, params);
    const outcome = scenario.stages?.[stage] ?? 'succeed';
    if (outcome === 'fail') throw failedBuild(stage);
    if (outcome === 'stopped') throw failedBuild(stage, 'STOPPED');
    if (outcome === 'build-timeout') throw failedBuild(stage, 'TIMED_OUT');
    if (outcome === 'timeout') throw timedOutBuild();
    return succeededBuild(stage, exported) as never;
  };
}

/** Runs the real definition in aws-local-stepfunctions with every Task state overridden. */
export async function runScenario(
  scenario: Scenario,
  extraHandlers: Record<string, (p: unknown) => Promise<unknown>> = {},
): Promise<ScenarioRun> {
  const definition = JSON.parse(substituteAsl(readDeployPipelineAsl(), TEST_SUBSTITUTIONS));
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
  const calls: Record<string, unknown[]> = {};
  const notifications: PipelineEvent[] = [];
  const scan: ScanTrace = { reads: [], answers: [], events: [] };
  const publish = (state: string) => async (params: unknown) => {
    record(calls, state, params);
    const { Payload } = params as { Payload: unknown };
    const event = buildPipelineEvent(parseNotifyRequest(Payload), { now: new Date(), stages: [] });
    notifications.push(event);
    return lambdaResult({ id: event.id, type: event.type, messageId: `msg-${notifications.length}` });
  };
  const handlers: Record<string, (p: unknown) => Promise<unknown>> = {
    LoadRunSettings: async (params) => {
      record(calls, 'LoadRunSettings', params);
      if (scenario.settings === null)
        throw Object.assign(new Error('Parameter not found'), { name: 'Ssm.ParameterNotFoundException' });
      return { Parameter: { Value: JSON.stringify(scenario.settings ?? RUN_SETTINGS) } };
    },
    CoverageGate: async (params) => {
      record(calls, 'CoverageGate', params);
      return lambdaResult(PASSING_GATE);
    },
    PlanGuard: async (params) => {
      record(calls, 'PlanGuard', params);
      return lambdaResult({
        add: 1,
        change: 0,
        destroy: 0,
        replace: 0,
        protectedChanges: [],
        summary: '1 to add, 0 to change, 0 to destroy',
      });
    },
    RecordCoverageBaseline: async (params) => {
      record(calls, 'RecordCoverageBaseline', params);
      return { ETag: '"etag"' };
    },
    NotifyStarted: publish('NotifyStarted'),
    NotifySucceeded: publish('NotifySucceeded'),
    NotifyFailed: publish('NotifyFailed'),
    ...Object.fromEntries(CODEBUILD_STAGES.map((s) => [s, stageHandler(s, scenario, calls)])),
    ...Object.fromEntries(
      Object.entries(scanGateHandlers(scenario.scan ?? CLEAN_SCAN, scan)).map(([state, handler]) => [
        state,
        async (params: unknown) => {
          record(calls, state, params);
          return handler(params);
        },
      ]),
    ),
    ...extraHandlers,
  };
  const execution = machine.run(scenario.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: {},
      // Polls wait 30 s and more between reads in AWS; here the backoff is checked, not slept.
      waitTimeOverrides: { WaitBeforePoll: 0 },
    },
    context: {
      Execution: {
        Name: 'sample-service-dev-0123456-abcdef012345',
        Id: 'arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:sample-service-dev-0123456-abcdef012345',
        StartTime: '2026-11-21T12:00:00.000Z',
      },
      // The engine runs no real `.waitForTaskToken`; `$$.Task.Token` comes from here.
      Task: { Token: 'AQCEAAAAKgAAAAMAAAAAAAAAAW+nLiaLocalTaskToken' },
    },
    noThrowOnAbort: true,
  });
  const entered: string[] = [];
  let failure: { Error: string; Cause: unknown } | undefined;
  const drain = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'ExecutionFailed') failure = { Error: event.Error, Cause: event.Cause };
    }
  })();
  let output: unknown;
  try {
    output = await execution.result;
  } catch (err) {
    const e = err as Error & { cause?: unknown };
    failure ??= { Error: e.name, Cause: e.message };
  }
  await drain;
  return failure
    ? { status: 'FAILED', output: undefined, error: failure, entered, calls, notifications, scan }
    : { status: 'SUCCEEDED', output, entered, calls, notifications, scan };
}
