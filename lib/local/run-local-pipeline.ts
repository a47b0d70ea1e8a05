import './promise-with-resolvers';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { StateVisit } from '../../lambdas/notify/stage-timeline';
import { MemoryLockTable } from '../../lambdas/shared/deploy-lock/memory-lock-table';
import { executionName } from '../../lambdas/shared/execution-name';
import { loadConfig } from '../config/load-config';
import { DEFAULT_LOCK_LEASE_SECONDS, type DeployPolicy } from '../contracts/deploy-lock';
import type { ExecutionInput } from '../contracts/execution-input';
import type { PipelineConfig } from '../contracts/pipeline-config';
import type { PipelineEvent } from '../contracts/pipeline-event';
import { type RunSettings, runSettingsSchema } from '../contracts/run-settings';
import { type BuildStageName, parseStageOutputs, STAGE_OUTPUTS } from '../contracts/stage-outputs';
import { formatIssues } from '../contracts/validation-issues';
import { readDeployPipelineAsl, substituteAsl } from '../workflow/deploy-pipeline-definition';
import { DirectoryArtifactStore, LOCAL_ARTIFACTS_BUCKET, S3ArtifactStore } from './artifact-stores';
import { type AslDefinition, allStates, type LocatedState, taskKind } from './asl-states';
import { failedBuild, succeededBuild, TaskFailure } from './codebuild-results';
import { realDrivers } from './drivers/index';
import { LOCAL_LAMBDAS, type LocalDeployLock } from './lambda-tasks';
import { LocalRunDefect } from './local-run-defect';
import type { LocalNotification, LocalRunResult, LocalState } from './local-run-result';
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_SETTINGS_PREFIX, localSubstitutions } from './local-substitutions';
import { promoteOnSuccess } from './release-tasks';
import type { StageDrivers } from './simulated-drivers';
import { type ArtifactStore, LocalBuildFailed, type StageMode, type StageRunContext } from './stage-driver';

/** One event of aws-local-stepfunctions' execution history (the package does not export the type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const HISTORY_EVENTS: Readonly<Record<string, 'entered' | 'exited' | 'failed' | 'retried' | 'caught'>> = {
  StateEntered: 'entered',
  StateExited: 'exited',
  StateFailed: 'failed',
  StateRetried: 'retried',
  StateCaught: 'caught',
};

/** Makes one Task state fail with `error` (an error name, e.g. `States.TaskFailed`) on every attempt. */
export interface FaultInjection {
  readonly state: string;
  /** @default 'States.TaskFailed' */
  readonly error?: string;
}

/** A replacement for one Task state's handler: gets the task's parameters, returns its result or throws. */
export type TaskOverride = (parameters: unknown) => Promise<unknown>;

/** Progress of a local run, in the order things happen. */
export type LocalRunEvent =
  | {
      readonly type: 'run-started';
      readonly execution: string;
      /** How each Task state of the definition will run, by name. */
      readonly modes: Readonly<Record<string, StageMode>>;
    }
  /** A state of any type was entered, left, failed or retried (Step Functions' own history events). */
  | {
      readonly type: 'state';
      readonly event: 'entered' | 'exited' | 'failed' | 'retried' | 'caught';
      readonly name: string;
      readonly stateType: string;
    }
  | { readonly type: 'task-started'; readonly name: string; readonly attempt: number }
  | { readonly type: 'task-finished'; readonly state: LocalState }
  | { readonly type: 'task-log'; readonly name: string; readonly line: string }
  | { readonly type: 'notification'; readonly notification: LocalNotification }
  | { readonly type: 'run-finished'; readonly result: LocalRunResult };

/** The lock policy of an environment when the caller gives none: the configuration's defaults. */
const DEFAULT_LOCAL_LOCK_POLICY: DeployPolicy = {
  lock: { mode: 'SUPERSEDED' },
  approval: { required: false, onDestructive: false, timeoutSeconds: 24 * 3600 },
  promoteTo: [],
};

export interface LocalPipelineOptions {
  readonly input: ExecutionInput;
  /**
   * The settings document `LoadRunSettings` reads for a service and environment, as the stack stores
   * it in SSM; `undefined` = no such parameter (the task fails with `Ssm.ParameterNotFoundException`).
   */
  readonly settingsFor: (service: string, environment: string) => unknown;
  /** The configuration the functions embed. @default the embedded default configuration (`loadConfig()`) */
  readonly config?: PipelineConfig;
  /** @default {@link realDrivers}: each stage real where its tool runs here, simulated otherwise */
  readonly drivers?: StageDrivers;
  /** Where artifacts live. @default a directory store in a temporary directory, removed after the run */
  readonly artifacts?: ArtifactStore;
  /**
   * What each task is asked for, by state name or, for a build, its stage's name (the state's own
   * entry wins): a driver's `StageRunContext.scenario`, a local function's `LocalLambdaContext.wishes`.
   */
  readonly stageWishes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The scenario's name, for the result. @default null */
  readonly scenarioName?: string | null;
  readonly fail?: readonly FaultInjection[];
  /** Handlers that replace a Task state's local one, by state name (tests). */
  readonly overrides?: Readonly<Record<string, TaskOverride>>;
  /** The checkout builds run in (`CODEBUILD_SRC_DIR`). @default the repository this file is in */
  readonly sourceDir?: string;
  /** The execution's name and start time (`$$.Execution`). @default derived from the input, now */
  readonly execution?: { readonly name?: string; readonly startTime?: string };
  /** The ASL text with placeholders. @default state-machines/deploy-pipeline.asl.json */
  readonly definitionText?: string;
  readonly onEvent?: (event: LocalRunEvent) => void;
  /** Aborts the run (status `ABORTED`): every running stage gets the abort too. */
  readonly signal?: AbortSignal;
  /**
   * The deploy lock: its table (share one between runs to make them contend) and each environment's
   * policy. @default a new in-memory table; every environment `settingsFor` knows in SUPERSEDED mode
   * without approval; the lease of {@link DEFAULT_LOCK_LEASE_SECONDS}
   */
  readonly lock?: Partial<LocalDeployLock>;
  /**
   * How long `AcquireLock` waits before asking again while another run holds the lock (its `LockBusy`
   * retry), in milliseconds. @default 50
   */
  readonly lockWaitMs?: number;
  /** The clock the functions read (`LocalLambdaContext.now`). @default the system clock */
  readonly clock?: () => Date;
  /**
   * How long the run waits, once it has ended, for stages it cancelled to stop (a driver should stop
   * on its `signal`); after that it returns and leaves them behind. @default 10000
   */
  readonly abortGraceMs?: number;
}

/** A finished local run: the result document, and what tests look at besides. */
export interface LocalPipelineRun {
  readonly result: LocalRunResult;
  /** The execution's output when it succeeded. */
  readonly output: unknown;
  /** Every state entered (any type, parallel branches included), in order. */
  readonly entered: readonly string[];
  /** The parameters each Task state was called with, by state name, one entry per attempt. */
  readonly calls: Readonly<Record<string, readonly unknown[]>>;
  /** Log lines of each Task state, by state name. */
  readonly logs: Readonly<Record<string, readonly string[]>>;
}

const DEFAULT_LOCK_WAIT_MS = 50;

/**
 * The CodeBuild stage a build task runs: its own name for a stage's task (`HelmDeploy`), otherwise
 * the stage whose buildspec it overrides with (`BuildDeferredImage` runs BuildImage's,
 * `RollbackRelease` HelmRollback's; local buildspec paths are `lib/buildspecs/<kebab-stage>.yml`).
 */
function buildStageOf({ name, state }: Pick<LocatedState, 'name' | 'state'>): BuildStageName | undefined {
  if (name in STAGE_OUTPUTS) return name as BuildStageName;
  const buildspec = (state.Parameters as { BuildspecOverride?: unknown } | undefined)?.BuildspecOverride;
  const [, kebab] = /^lib\/buildspecs\/([a-z0-9-]+)\.yml$/.exec(String(buildspec)) ?? [];
  const stage = kebab?.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
  return stage !== undefined && stage in STAGE_OUTPUTS ? (stage as BuildStageName) : undefined;
}

/**
 * Step Functions reads a Task's `TimeoutSecondsPath` from the state input; aws-local-stepfunctions
 * reads it from the task's parameters, where `WaitForApproval`'s timeout is not. Locally the task's
 * answer comes from the scenario at once, so such a task gets a fixed day instead (the longest a
 * local run could wait; timers past 24.8 days would fire at once).
 */
function withLocalTimeouts(states: readonly LocatedState[]): void {
  for (const { state } of states) {
    const task = state as { TimeoutSecondsPath?: string; TimeoutSeconds?: number };
    if (task.TimeoutSecondsPath === undefined) continue;
    delete task.TimeoutSecondsPath;
    task.TimeoutSeconds = 24 * 60 * 60;
  }
}

/** Thrown before a run starts when its options cannot work (unknown state in `fail`, a Task no handler serves). */
export class LocalRunInvalid extends Error {
  override readonly name = 'LocalRunInvalid';
}

/** The repository root: the bundled app's source directory. */
export const REPOSITORY_ROOT = join(__dirname, '..', '..');

const DEFAULT_FAULT = 'States.TaskFailed';

/** How long a run waits, once it has ended, for cancelled stages to stop. */
const DEFAULT_ABORT_GRACE_MS = 10_000;

/** Whether every promise settled within `ms`. */
async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type BuildTaskParameters = {
  ProjectName?: string;
  EnvironmentVariablesOverride?: Array<{ Name: string; Value?: string }>;
};

interface TaskEntry {
  readonly located: LocatedState;
  readonly mode: StageMode;
  status: LocalState['status'];
  error?: string;
  attempts: number;
  startedAt: number;
  endedAt: number;
  /** The running attempt, if any: aborting it stops the stage's work. */
  running?: { readonly id: number; readonly controller: AbortController };
}

/** Milliseconds since an arbitrary origin (monotonic). */
const now = () => performance.now();

function jsonCopy(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return cause === undefined || cause === null ? '' : JSON.stringify(cause);
}

function describeStore(store: ArtifactStore): string {
  if (store instanceof S3ArtifactStore) return `S3 bucket ${store.bucket} (${store.where})`;
  if (store instanceof DirectoryArtifactStore) return `a temporary directory as bucket ${store.bucket}`;
  return `artifact store ${store.bucket}`;
}

/**
 * Runs the deploy pipeline's ASL in aws-local-stepfunctions with a local handler behind every Task
 * state: the drivers behind CodeBuild stages (their outputs turned into the `startBuild.sync`
 * result, a failed build into `States.TaskFailed`), the functions' own logic behind Lambda tasks
 * (`lib/local/lambda-tasks.ts`; the `Notify*` states build the real pipeline event, with the stage
 * timeline from this run's state visits, and it is captured as a notification instead of
 * published), `LoadRunSettings` from `settingsFor` and `RecordCoverageBaseline` into the artifact store.
 *
 * Local differences from Step Functions: a `Retry` follows at once (no `IntervalSeconds` wait); a
 * Task without `TimeoutSeconds` times out after 60 s (aws-local-stepfunctions' default); `fail`
 * faults hit every attempt, so a retried state exhausts its retries.
 *
 * @throws {@link LocalRunInvalid} before the run for a `fail` entry that names no Task state, or a
 *   Task state no local handler serves.
 * @throws {@link LocalRunDefect} when a driver returns outputs its stage does not declare (or says
 *   the run itself is wrong); the run is aborted first.
 */
export async function runLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipelineRun> {
  const drivers = options.drivers ?? realDrivers();
  const sourceDir = options.sourceDir ?? REPOSITORY_ROOT;
  const scratch = await mkdtemp(join(tmpdir(), 'deployctl-local-'));
  const artifacts = options.artifacts ?? new DirectoryArtifactStore(join(scratch, 'artifacts'), LOCAL_ARTIFACTS_BUCKET);
  try {
    return await run(options, drivers, sourceDir, scratch, artifacts);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function run(
  options: LocalPipelineOptions,
  drivers: StageDrivers,
  sourceDir: string,
  scratch: string,
  artifacts: ArtifactStore,
): Promise<LocalPipelineRun> {
  const text = options.definitionText ?? readDeployPipelineAsl();
  const definition = JSON.parse(substituteAsl(text, localSubstitutions(text, artifacts.bucket))) as AslDefinition;
  const states = allStates(definition);
  withLocalTimeouts(states);
  const tasks = states.filter(({ state }) => state.Type === 'Task');
  const overrides = options.overrides ?? {};
  const emit = (event: LocalRunEvent) => options.onEvent?.(event);

  const faults = new Map<string, string>();
  for (const { state, error } of options.fail ?? []) {
    if (!tasks.some((t) => t.name === state)) {
      throw new LocalRunInvalid(
        `cannot inject a fault into "${state}": not a Task state of the pipeline (Task states: ${tasks.map((t) => t.name).join(', ')})`,
      );
    }
    faults.set(state, error ?? DEFAULT_FAULT);
  }

  // Every Task state needs a local handler; find out how each runs before anything starts.
  const storeIsS3 = artifacts instanceof S3ArtifactStore;
  const modes: Record<string, StageMode> = {};
  const unserved: string[] = [];
  await Promise.all(
    tasks.map(async ({ name, state }) => {
      const kind = taskKind(state);
      const fault = faults.get(name);
      if (fault !== undefined) modes[name] = { mode: 'simulated', reason: `fault injected: fails with ${fault}` };
      else if (overrides[name]) modes[name] = { mode: 'simulated', reason: 'handler replaced by the caller' };
      if (kind === 'codebuild') {
        const stage = buildStageOf({ name, state });
        const driver = stage === undefined ? undefined : drivers[stage];
        if (driver === undefined) {
          if (!overrides[name] && fault === undefined) unserved.push(`${name} (no stage driver)`);
          return;
        }
        const detected = await driver.detect();
        modes[name] ??= detected;
      } else if (kind === 'lambda' || kind === 'lambda-callback') {
        const fn = LOCAL_LAMBDAS[name];
        if (fn === undefined) {
          if (!overrides[name] && fault === undefined)
            unserved.push(`${name} (no local function in lib/local/lambda-tasks.ts)`);
          return;
        }
        modes[name] ??= { mode: 'real', reason: fn.reason ?? `${fn.source} on ${describeStore(artifacts)}` };
      } else if (kind === 'aws-sdk:ssm:getParameter') {
        modes[name] ??= {
          mode: 'simulated',
          reason: 'settings from the pipeline configuration (runSettingsFor), not SSM',
        };
      } else if (kind === 'aws-sdk:s3:putObject') {
        modes[name] ??= storeIsS3
          ? { mode: 'real', reason: `s3:putObject to ${describeStore(artifacts)}` }
          : { mode: 'simulated', reason: `written to ${describeStore(artifacts)}` };
      } else if (!overrides[name] && fault === undefined) {
        unserved.push(`${name} (${state.Resource ?? 'no Resource'})`);
      }
    }),
  );
  if (unserved.length > 0) {
    throw new LocalRunInvalid(`the local runner has no handler for these Task states: ${unserved.join(', ')}`);
  }

  const input = options.input;
  const name =
    options.execution?.name ??
    executionName({
      service: input.service,
      environment: input.environment,
      commit: input.source.commit,
      deliveryId: input.source.deliveryId,
    });
  const startTime = options.execution?.startTime ?? new Date().toISOString();
  let runStart = now();
  const entries = new Map<string, TaskEntry>();
  const order: string[] = [];
  const calls: Record<string, unknown[]> = {};
  const logs: Record<string, string[]> = {};
  const notifications: LocalNotification[] = [];
  /** Every state entered so far, with how its visit ended (the history the notify function reads). */
  const visits: Array<{ -readonly [K in keyof StateVisit]: StateVisit[K] }> = [];
  const openVisits = new Map<string, (typeof visits)[number]>();
  const pending = new Set<Promise<unknown>>();
  let defect: LocalRunDefect | undefined;
  let attemptIds = 0;
  let buildNumber = 0;

  const log = (state: string, line: string) => {
    append(logs, state, line);
    emit({ type: 'task-log', name: state, line });
  };
  const snapshot = (entry: TaskEntry): LocalState => ({
    name: entry.located.name,
    status: entry.status,
    ...(entry.error === undefined ? {} : { error: entry.error }),
    startedMs: Math.round(entry.startedAt - runStart),
    durationMs: Math.max(0, Math.round(entry.endedAt - entry.startedAt)),
    attempts: entry.attempts,
    mode: entry.mode.mode,
    reason: entry.mode.reason,
  });
  const finish = (entry: TaskEntry, id: number, status: LocalState['status'], error?: string) => {
    if (entry.running?.id !== id) return;
    entry.running = undefined;
    entry.status = status;
    entry.error = error;
    entry.endedAt = now();
    emit({ type: 'task-finished', state: snapshot(entry) });
  };
  /** Stops running attempts (all, or those inside one Parallel state's branches) as ABORTED. */
  const abortRunning = (parallel?: string) => {
    for (const entry of entries.values()) {
      if (entry.running === undefined) continue;
      if (parallel !== undefined && !isInside(states, entry.located, parallel)) continue;
      const { id, controller } = entry.running;
      finish(entry, id, 'ABORTED');
      controller.abort(new Error(parallel ? `${parallel} failed` : 'the run ended'));
    }
  };

  const settingsOf = (): RunSettings => {
    const parsed = runSettingsSchema.safeParse(options.settingsFor(input.service, input.environment));
    if (!parsed.success) {
      throw new LocalRunDefect(
        `run settings of ${input.service}/${input.environment} are invalid: ${formatIssues(parsed.error.issues).join('; ')}`,
      );
    }
    return parsed.data;
  };

  /**
   * The visits recorded so far, once the history events already emitted have been read (the engine
   * queues them; one turn of the event loop lets the drain below catch up).
   */
  const stateVisits = async (): Promise<readonly StateVisit[]> => {
    await new Promise((resolve) => setImmediate(resolve));
    return visits.map((v) => ({ ...v }));
  };

  /** The local work behind one Task state, by what it calls. */
  const localHandler = (located: LocatedState): ((params: unknown, signal: AbortSignal) => Promise<unknown>) => {
    const { name: stateName, state } = located;
    const kind = taskKind(state);
    if (kind === 'codebuild') {
      const stage = buildStageOf(located) as BuildStageName;
      return async (params, signal) => {
        const driver = drivers[stage];
        const { ProjectName = stage, EnvironmentVariablesOverride = [] } = params as BuildTaskParameters;
        const workDir = join(scratch, 'work', `${stateName}-${++buildNumber}`);
        await mkdir(workDir, { recursive: true });
        const ctx: StageRunContext = {
          input,
          settings: settingsOf(),
          environment: Object.fromEntries(EnvironmentVariablesOverride.map((v) => [v.Name, v.Value ?? ''])),
          sourceDir,
          workDir,
          runDir: scratch,
          artifacts,
          scenario: options.stageWishes?.[stateName] ?? options.stageWishes?.[stage] ?? {},
          log: (line) => log(stateName, line),
          signal,
        };
        // Cancelled while the work directory was made: a driver never starts on an aborted signal.
        signal.throwIfAborted();
        let outputs: unknown;
        try {
          outputs = await driver.run(ctx, modes[stateName] as StageMode);
        } catch (err) {
          if (err instanceof LocalRunDefect) throw err;
          if (err instanceof LocalBuildFailed) throw failedBuild(ProjectName, err.status, err.message);
          const e = err as Error;
          log(stateName, `driver error: ${e.stack ?? e.message}`);
          throw failedBuild(ProjectName, 'FAULT', `${e.name}: ${e.message}`);
        }
        let exported: Record<string, string>;
        try {
          exported = parseStageOutputs(stage, outputs as Record<string, string>) as Record<string, string>;
        } catch (err) {
          throw new LocalRunDefect(
            `the ${stage} driver returned outputs its stage does not declare: ${(err as Error).message}`,
          );
        }
        return succeededBuild(ProjectName, buildNumber, exported);
      };
    }
    if (kind === 'lambda' || kind === 'lambda-callback') {
      const fn = LOCAL_LAMBDAS[stateName];
      return async (params) => {
        if (fn === undefined) throw new LocalRunDefect(`no local function for ${stateName}`);
        const payload = (params as { Payload?: unknown }).Payload;
        const result = await fn.invoke(payload, {
          wishes: options.stageWishes?.[stateName] ?? {},
          config: options.config ?? loadConfig(),
          artifacts,
          lock,
          log: (line) => log(stateName, line),
          now: options.clock ?? (() => new Date()),
          visits: stateVisits,
          capture: (event: PipelineEvent) => {
            const notification: LocalNotification = { state: stateName, event };
            notifications.push(notification);
            emit({ type: 'notification', notification });
            return randomUUID();
          },
        });
        // A callback task's result is the answer to its token (locally: what the function returns).
        if (kind === 'lambda-callback') return jsonCopy(result);
        return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: jsonCopy(result) };
      };
    }
    if (kind === 'aws-sdk:ssm:getParameter') {
      return async (params) => {
        const parameter = String((params as { Name?: unknown }).Name ?? '');
        const [, service, environment] = new RegExp(`^${LOCAL_SETTINGS_PREFIX}/([^/]+)/([^/]+)$`).exec(parameter) ?? [];
        const settings = service && environment ? options.settingsFor(service, environment) : undefined;
        if (settings === undefined) {
          log(stateName, `no settings for service "${service}" in environment "${environment}" in the configuration`);
          // The SDK integration's error: "Ssm." + the API's exception name.
          throw new TaskFailure('Ssm.ParameterNotFoundException', 'Parameter not found');
        }
        return { Parameter: { Name: parameter, Type: 'String', Value: JSON.stringify(settings), Version: 1 } };
      };
    }
    if (kind === 'aws-sdk:s3:putObject') {
      return async (params) => {
        const { Bucket, Key, Body } = params as { Bucket?: string; Key?: string; Body?: unknown };
        if (Bucket !== artifacts.bucket) {
          throw new TaskFailure('S3.NoSuchBucketException', `The specified bucket does not exist: ${Bucket}`);
        }
        const body = typeof Body === 'string' ? Body : JSON.stringify(Body ?? '');
        await artifacts.put(String(Key), body);
        log(stateName, `put s3://${Bucket}/${Key} (${Buffer.byteLength(body)} bytes)`);
        return { ETag: `"${createHash('md5').update(body).digest('hex')}"` };
      };
    }
    return async () => {
      throw new LocalRunDefect(`no local handler for ${stateName}`);
    };
  };

  /** Wraps a Task's handler: timeline, calls, fault injection, cancellation. */
  const taskHandler = (located: LocatedState) => {
    const local = overrides[located.name] ?? localHandler(located);
    return async (params: unknown) => {
      const stateName = located.name;
      append(calls, stateName, params);
      let entry = entries.get(stateName);
      if (entry === undefined) {
        entry = {
          located,
          mode: modes[stateName] as StageMode,
          status: 'RUNNING',
          attempts: 0,
          startedAt: now(),
          endedAt: now(),
        };
        entries.set(stateName, entry);
        order.push(stateName);
      }
      const id = ++attemptIds;
      const controller = new AbortController();
      entry.running = { id, controller };
      entry.status = 'RUNNING';
      entry.attempts += 1;
      emit({ type: 'task-started', name: stateName, attempt: entry.attempts });
      const work = (async () => {
        const fault = faults.get(stateName);
        if (fault !== undefined) {
          log(stateName, `fault injected: ${fault}`);
          throw new TaskFailure(fault, `fault injected into ${stateName}`);
        }
        return jsonCopy(await local(params, controller.signal));
      })();
      pending.add(work);
      void work.then(
        () => pending.delete(work),
        () => pending.delete(work),
      );
      // Cancelled attempts end at once for Step Functions (whose timeout timer would otherwise keep
      // the process alive), whether or not the stage's work has stopped yet.
      const cancelled = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      cancelled.catch(() => {});
      try {
        const result = await Promise.race([work, cancelled]);
        finish(entry, id, 'SUCCEEDED');
        return result;
      } catch (err) {
        if (err instanceof LocalRunDefect && defect === undefined) {
          defect = err;
          stop();
        }
        finish(entry, id, 'FAILED', (err as Error).name);
        throw err;
      }
    };
  };

  const lock: LocalDeployLock = {
    table: options.lock?.table ?? new MemoryLockTable(),
    policyOf:
      options.lock?.policyOf ??
      ((service, environment) =>
        options.settingsFor(service, environment) === undefined ? undefined : DEFAULT_LOCAL_LOCK_POLICY),
    leaseSeconds: options.lock?.leaseSeconds ?? DEFAULT_LOCK_LEASE_SECONDS,
  };
  // Retries do not back off locally, except the lock's wait (AcquireLock retries LockBusy), which
  // would otherwise ask the lock table again without pause while another run holds it.
  const retryIntervalOverrides = Object.fromEntries(
    states
      .filter(({ state }) => (state.Retry ?? []).length > 0)
      .map(({ name: n, state }) => [
        n,
        (state.Retry ?? []).map((retrier) =>
          (retrier.ErrorEquals as readonly string[]).includes('LockBusy')
            ? (options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS)
            : 0,
        ),
      ]),
  );
  const machine = stateMachineOf(definition);
  runStart = now();
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(tasks.map((t) => [t.name, taskHandler(t)])) as never,
      retryIntervalOverrides,
      // Wait states (the scan polls' backoff, the bake) do not sleep locally.
      waitTimeOverrides: Object.fromEntries(
        states.filter(({ state }) => state.Type === 'Wait').map(({ name: n }) => [n, 0]),
      ),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:deploy-pipeline:${name}`,
        Name: name,
        StartTime: startTime,
        Input: input as never,
      },
      // No real `.waitForTaskToken` here: callback tasks see this token as `$$.Task.Token`.
      Task: { Token: `local-task-token-${name}` },
    } as never,
    noThrowOnAbort: true,
  });
  function stop() {
    execution.abort();
    abortRunning();
  }
  const onAbort = () => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  emit({ type: 'run-started', execution: name, modes });

  /**
   * One history event into the state visits, as `visitsFromHistory` reads a Step Functions history:
   * a caught failure ends the visit as failed (the engine then exits the state, AWS records no exit),
   * a retry reopens it, and a failed Parallel state aborts the visits still open in its branches.
   */
  const recordVisit = (kind: 'entered' | 'exited' | 'failed' | 'retried' | 'caught', stateName: string, at: number) => {
    if (kind === 'entered') {
      const visit = { name: stateName, enteredAt: at, endedAt: null, outcome: 'open' as const };
      visits.push(visit);
      openVisits.set(stateName, visit);
      return;
    }
    const visit = openVisits.get(stateName);
    if (visit === undefined) return;
    if (kind === 'failed') {
      visit.outcome = 'failed';
      visit.endedAt = at;
      const located = states.find((s) => s.name === stateName);
      if (located?.state.Type === 'Parallel') {
        for (const [inner, open] of openVisits) {
          const innerState = states.find((s) => s.name === inner);
          if (open.outcome === 'open' && innerState && isInside(states, innerState, stateName)) {
            open.outcome = 'aborted';
            open.endedAt = at;
            openVisits.delete(inner);
          }
        }
      }
    } else if (kind === 'retried') {
      visit.outcome = 'open';
      visit.endedAt = null;
    } else if (kind === 'exited') {
      if (visit.outcome !== 'failed') {
        visit.outcome = 'exited';
        visit.endedAt = at;
      }
      openVisits.delete(stateName);
    }
  };

  /**
   * What the pipeline's SUCCEEDED status event starts in AWS: promotion to the environments that
   * promote from this one (logged under `Promote`, after the run; it is not a state of the run).
   */
  const promoteAfter = async (finalState: unknown) => {
    const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:deploy-pipeline`;
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
        stateMachineArn,
        name,
        status: 'SUCCEEDED',
        input: JSON.stringify(input),
        output: JSON.stringify(finalState),
      },
    };
    try {
      await promoteOnSuccess.invoke(event, {
        wishes: {},
        config: options.config ?? loadConfig(),
        artifacts,
        lock,
        log: (line) => log('Promote', line),
        now: options.clock ?? (() => new Date()),
        visits: stateVisits,
        capture: () => randomUUID(),
      });
    } catch (err) {
      log('Promote', `ERROR promotion failed: ${(err as Error).message}`);
    }
  };

  const entered: string[] = [];
  let transitions = 0;
  let failure: { error: string; cause: string } | undefined;
  let ending: LocalRunResult['status'] | undefined;
  const drain = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
      if ('state' in event) {
        const kind = HISTORY_EVENTS[event.type];
        if (kind === undefined) continue;
        if (kind === 'entered') {
          entered.push(event.state.name);
          transitions += 1;
        }
        if (kind === 'retried') transitions += 1;
        recordVisit(kind, event.state.name, event.timestamp);
        if (kind === 'failed' && event.state.type === 'Parallel') abortRunning(event.state.name);
        if (kind === 'failed' && event.state.type === 'Task' && 'Error' in event && event.Error === 'States.Timeout') {
          // aws-local-stepfunctions stopped waiting; stop the stage's work too.
          const entry = entries.get(event.state.name);
          if (entry?.running) {
            const { id, controller } = entry.running;
            finish(entry, id, 'FAILED', 'States.Timeout');
            controller.abort(new Error('States.Timeout'));
          }
        }
        emit({ type: 'state', event: kind, name: event.state.name, stateType: event.state.type });
      } else if (event.type === 'ExecutionFailed') {
        failure = { error: event.Error, cause: causeText(event.Cause) };
        ending = 'FAILED';
      } else if (event.type === 'ExecutionTimeout') {
        ending = 'TIMED_OUT';
      } else if (event.type === 'ExecutionAborted') {
        ending = 'ABORTED';
      } else if (event.type === 'ExecutionSucceeded') {
        ending = 'SUCCEEDED';
      }
    }
  })();

  let output: unknown = null;
  try {
    output = await execution.result;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'ExecutionTimeoutError') ending ??= 'TIMED_OUT';
    failure ??= { error: e.name, cause: e.message };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  await drain;
  abortRunning();
  const settled = await settleWithin([...pending], options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
  if (!settled) {
    for (const entry of entries.values()) {
      if (entry.status === 'ABORTED') log(entry.located.name, 'still running after the run ended: left behind');
    }
  }
  if (defect) throw defect;

  const status: LocalRunResult['status'] = ending ?? (failure ? 'FAILED' : 'SUCCEEDED');
  if (status === 'SUCCEEDED') await promoteAfter(output);
  const result: LocalRunResult = {
    status,
    error:
      status === 'SUCCEEDED'
        ? null
        : (failure ?? { error: `States.${status === 'TIMED_OUT' ? 'Timeout' : 'Aborted'}`, cause: '' }),
    execution: {
      name,
      service: input.service,
      environment: input.environment,
      commit: input.source.commit,
      scenario: options.scenarioName ?? null,
    },
    states: order.map((n) => snapshot(entries.get(n) as TaskEntry)),
    transitions,
    notifications,
  };
  emit({ type: 'run-finished', result });
  return { result, output: status === 'SUCCEEDED' ? output : undefined, entered, calls, logs };
}

/** Definitions (as substituted text) that passed validation in this process. */
const validated = new Set<string>();

/**
 * The definition as an aws-local-stepfunctions machine, validated with JSONPath and ARN checks the
 * first time this process sees it: validation compiles a JSON schema and costs about as much as a
 * whole simulated run, and the same text always validates the same way.
 */
function stateMachineOf(definition: AslDefinition): StateMachine {
  const text = JSON.stringify(definition);
  const validationOptions = validated.has(text) ? { noValidate: true } : { checkPaths: true, checkArn: true };
  const machine = new StateMachine(definition as never, { validationOptions });
  validated.add(text);
  return machine;
}

function append<T>(lists: Record<string, T[]>, key: string, value: T): void {
  const list = lists[key] ?? [];
  list.push(value);
  lists[key] = list;
}

/** Whether `located` sits (at any depth) inside a branch of the Parallel state `parallel`. */
function isInside(states: readonly LocatedState[], located: LocatedState, parallel: string): boolean {
  let at: string | undefined = located.parallel;
  while (at !== undefined) {
    if (at === parallel) return true;
    at = states.find((s) => s.name === at)?.parallel;
  }
  return false;
}
