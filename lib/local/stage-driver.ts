import type { ExecutionInput } from '../contracts/execution-input';
import type { RunSettings } from '../contracts/run-settings';
import type { BuildStageName, StageOutputs } from '../contracts/stage-outputs';

/**
 * How `deployctl local` runs one CodeBuild stage on this machine. Each stage has one driver
 * (`lib/local/drivers/<stage>.ts`); the local runner calls it where the state machine starts a build,
 * and turns its result into what `codebuild:startBuild.sync` returns (or its failure).
 */

/** Whether a stage really ran its tool here, and why not when it did not. */
export interface StageMode {
  readonly mode: 'real' | 'simulated';
  /** Why: e.g. `terraform 1.11.4 against moto_server at http://127.0.0.1:5000`, `no Docker engine`. */
  readonly reason: string;
}

/** Where run artifacts live during a local run: a directory, or S3 in moto_server (`--aws-endpoint`). */
export interface ArtifactStore {
  /** Bucket name the workflow passes to Lambda tasks (`${ArtifactsBucket}`). */
  readonly bucket: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** The object's bytes, or `undefined` when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Everything a driver needs to run one build of its stage. */
export interface StageRunContext {
  readonly input: ExecutionInput;
  readonly settings: RunSettings;
  /** The build's environment: the task's `EnvironmentVariablesOverride`, by name. */
  readonly environment: Readonly<Record<string, string>>;
  /** The repository checkout the build runs in (CodeBuild's `CODEBUILD_SRC_DIR`). */
  readonly sourceDir: string;
  /** A scratch directory of this build, removed when the run ends. */
  readonly workDir: string;
  /** A scratch directory the run's builds share (e.g. the simulated cluster), removed when the run ends. */
  readonly runDir: string;
  readonly artifacts: ArtifactStore;
  /** The scenario's wishes for this stage (e.g. `{ outcome: 'fail' }`); drivers document what they read. */
  readonly scenario: Readonly<Record<string, unknown>>;
  /** One line of build log (shown under the stage in the timeline, kept for `--json`). */
  log(line: string): void;
  readonly signal: AbortSignal;
}

/** A build that ended in a status other than SUCCEEDED (CodeBuild's `BuildStatus`). */
export class LocalBuildFailed extends Error {
  override readonly name = 'LocalBuildFailed';
  constructor(
    readonly status: 'FAILED' | 'FAULT' | 'TIMED_OUT' | 'STOPPED',
    message: string,
  ) {
    super(message);
  }
}

export interface StageDriver<S extends BuildStageName = BuildStageName> {
  readonly stage: S;
  /** Real or simulated on this machine (checked once per run, before it starts). */
  detect(): Promise<StageMode>;
  /**
   * Runs the stage's own script (`lib/stages/scripts/<stage>.sh`) where it is real, or its
   * simulation; returns the variables the buildspec exports.
   * @throws {@link LocalBuildFailed} when the build fails, as CodeBuild would end it.
   */
  run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<S>>;
}
