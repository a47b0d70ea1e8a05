import { handleLock } from '../../lambdas/deploy-lock/handle-lock';
import { MemoryLockTable } from '../../lambdas/shared/deploy-lock/memory-lock-table';
import { loadConfig } from '../config/load-config';
import { DEFAULT_LOCK_LEASE_SECONDS, type DeployPolicy, deployPolicyOf } from '../contracts/deploy-lock';
import type { ExecutionInput } from '../contracts/execution-input';
import type { EnvironmentConfig, PipelineConfig } from '../contracts/pipeline-config';
import { runSettingsFor } from '../run-settings';
import { S3ArtifactStore } from './artifact-stores';
import { realDrivers } from './drivers/index';
import { localExecutionInput } from './local-execution-input';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './local-substitutions';
import {
  type FaultInjection,
  type LocalPipelineRun,
  type LocalRunEvent,
  LocalRunInvalid,
  REPOSITORY_ROOT,
  runLocalPipeline,
} from './run-local-pipeline';
import { type ChangeSet, type LocalScenario, scenarioNamed } from './scenarios';
import type { StageDrivers } from './simulated-drivers';

export interface LocalScenarioOptions {
  /** @default the embedded default configuration (`loadConfig()`) */
  readonly config?: PipelineConfig;
  /** @default the configuration's first service */
  readonly service?: string;
  /** @default 'dev' */
  readonly environment?: string;
  /** A name from `SCENARIOS`. @default 'happy' */
  readonly scenario?: string;
  /** @default 'all' */
  readonly changes?: ChangeSet;
  readonly fail?: readonly FaultInjection[];
  /** An S3 endpoint (moto_server) for the artifacts instead of a temporary directory. */
  readonly awsEndpoint?: string;
  readonly drivers?: StageDrivers;
  readonly sourceDir?: string;
  readonly onEvent?: (event: LocalRunEvent) => void;
  readonly signal?: AbortSignal;
}

/**
 * The settings the stack would store for each service and environment of `config` (what
 * `LoadRunSettings` reads), with this run's stand-in account and region; `undefined` for a service
 * or environment the configuration does not have.
 */
export function settingsFromConfig(config: PipelineConfig): (service: string, environment: string) => unknown {
  return (serviceName, environmentName) => {
    const service = config.services.find((s) => s.name === serviceName);
    const environment = service?.environments.find((e) => e.name === environmentName);
    if (service === undefined || environment === undefined) return undefined;
    return runSettingsFor(service, environment, {
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      urlSuffix: 'amazonaws.com',
      deployProject: 'helm-deploy',
      rollbackProject: 'helm-rollback',
      scanType: config.scanType,
    });
  };
}

/**
 * Refuses a change set that skips the stage a scenario is about (e.g. `tests-fail` with only
 * infrastructure changed would succeed without running a test).
 * @throws {@link LocalRunInvalid} naming the scenario and the change it needs.
 */
export function checkScenarioChanges(scenario: LocalScenario, changes: ChangeSet): void {
  if (scenario.needs !== undefined && changes !== 'all' && changes !== scenario.needs) {
    throw new LocalRunInvalid(
      `scenario "${scenario.name}" needs ${scenario.needs === 'app' ? 'application' : 'infrastructure'} changes; --changes ${changes} skips the stage it is about`,
    );
  }
}

/**
 * One local run of a named scenario, as `deployctl local` makes it: the checkout's HEAD as a manual
 * run of the service in the environment, settings from the configuration, artifacts in a temporary
 * directory or in S3 at `awsEndpoint`.
 *
 * @throws {@link LocalRunInvalid} for an unknown scenario, a scenario whose stage `changes` skips,
 *   an endpoint that is not an http(s) URL, or what {@link runLocalPipeline} refuses.
 */
export async function runLocalScenario(options: LocalScenarioOptions = {}): Promise<LocalPipelineRun> {
  const scenarioName = options.scenario ?? 'happy';
  let scenario: ReturnType<typeof scenarioNamed>;
  try {
    scenario = scenarioNamed(scenarioName);
  } catch (err) {
    throw new LocalRunInvalid((err as Error).message);
  }
  const service = options.service ?? (options.config ?? loadConfig()).services[0]?.name ?? '';
  const environment = options.environment ?? 'dev';
  const config = withEnvironmentSettings(options.config ?? loadConfig(), service, environment, scenario);
  const changes = options.changes ?? 'all';
  checkScenarioChanges(scenario, changes);
  let artifacts: S3ArtifactStore | undefined;
  if (options.awsEndpoint !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(options.awsEndpoint)) {
      throw new LocalRunInvalid(
        `--aws-endpoint must be an http(s) URL such as http://127.0.0.1:5000, got "${options.awsEndpoint}"`,
      );
    }
    artifacts = await S3ArtifactStore.atEndpoint(options.awsEndpoint);
  }
  const sourceDir = options.sourceDir ?? REPOSITORY_ROOT;
  const pushed = localExecutionInput({ config, service, environment, changes, sourceDir });
  const input: ExecutionInput =
    scenario.request === 'rollback'
      ? {
          ...pushed,
          trigger: 'rollback',
          changes: { app: false, infra: false, paths: null, source: 'manual' },
          rollbackRequest: { requestedBy: 'deployctl local', reason: `local scenario ${scenario.name}` },
        }
      : pushed;
  const policyOf = (svc: string, env: string) => deployPolicyOf(config, svc, env);
  const contention = scenario.lock === 'superseded' ? await supersedingRuns(input, policyOf) : undefined;
  const onEvent = (event: LocalRunEvent) => {
    contention?.onEvent(event);
    options.onEvent?.(event);
  };
  return runLocalPipeline({
    input,
    settingsFor: settingsFromConfig(config),
    config,
    lock: { policyOf, ...(contention === undefined ? {} : { table: contention.table }) },
    ...(contention === undefined ? {} : { lockWaitMs: 200 }),
    onEvent,
    stageWishes: scenario.stages,
    scenarioName: scenario.name,
    sourceDir,
    ...(artifacts === undefined ? {} : { artifacts }),
    drivers:
      options.drivers ??
      realDrivers({ ...(options.awsEndpoint === undefined ? {} : { awsEndpoint: options.awsEndpoint }) }),
    ...(options.fail === undefined ? {} : { fail: options.fail }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** `config` with the scenario's settings on the run's environment (the configuration itself unchanged). */
function withEnvironmentSettings(
  config: PipelineConfig,
  service: string,
  environment: string,
  scenario: LocalScenario,
): PipelineConfig {
  if (scenario.environmentSettings === undefined) return config;
  return {
    ...config,
    services: config.services.map((s) =>
      s.name !== service
        ? s
        : {
            ...s,
            environments: s.environments.map((e) =>
              e.name === environment
                ? {
                    ...e,
                    ...scenario.environmentSettings,
                    // Deploy settings merge, so a scenario's alarms keep the environment's timeouts.
                    deploy: { ...e.deploy, ...scenario.environmentSettings?.deploy } as EnvironmentConfig['deploy'],
                  }
                : e,
            ),
          },
    ),
  };
}

/**
 * The other runs of the `superseded` scenario, on a lock table of their own: one holds the lock
 * before the run starts; a newer push asks for it when the run first waits, which replaces the
 * waiting run (the real lock logic decides; nothing is faked in the run itself).
 */
async function supersedingRuns(
  input: ExecutionInput,
  policyOf: (service: string, environment: string) => DeployPolicy | undefined,
): Promise<{ table: MemoryLockTable; onEvent(event: LocalRunEvent): void }> {
  const table = new MemoryLockTable();
  const acquire = (name: string, commit: string) =>
    handleLock(
      {
        action: 'acquire',
        service: input.service,
        environment: input.environment,
        executionArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:deploy-pipeline:${name}`,
        commit,
        startedAt: new Date().toISOString(),
      },
      {
        store: table,
        policyOf,
        leaseSeconds: DEFAULT_LOCK_LEASE_SECONDS,
        now: () => new Date(),
        logger: { info: () => undefined, warn: () => undefined },
      },
    );
  await acquire(`${input.service}-${input.environment}-holder`, 'a'.repeat(40));
  let newerArrived = false;
  return {
    table,
    onEvent(event) {
      // This run waits: AcquireLock failed with LockBusy and is retried. The newer push asks for the
      // lock too, and waits behind the holder in its place (LockBusy is its answer as well).
      if (newerArrived || event.type !== 'state' || event.event !== 'retried' || event.name !== 'AcquireLock') return;
      newerArrived = true;
      acquire(`${input.service}-${input.environment}-newer-push`, 'c'.repeat(40)).catch((err: Error) => {
        if (err.name !== 'LockBusy') throw err;
      });
    },
  };
}
