import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import type { BuildStageName } from '../contracts/stage-outputs';
import { stageScriptPath } from '../stages/stage-scripts';
import { LocalBuildFailed, type StageRunContext } from './stage-driver';

/** How one stage script is run locally. */
export interface StageScriptOptions {
  /** The checkout root the script runs from (CodeBuild's `CODEBUILD_SRC_DIR`). */
  readonly cwd: string;
  /**
   * Variables on top of this process's environment and the build's (`ctx.environment`, which wins
   * over these defaults unless listed in `overrides`). `undefined` removes a variable.
   */
  readonly defaults?: Readonly<Record<string, string | undefined>>;
  /** Variables that win over `ctx.environment` (what the local run must set, e.g. endpoints). */
  readonly overrides?: Readonly<Record<string, string | undefined>>;
  /** Directories put first on the PATH (a simulated cluster's `helm`, ...). */
  readonly pathPrepend?: readonly string[];
  /** Run artifacts the script reads, by key: copied from `ctx.artifacts` before it starts. */
  readonly inputs?: readonly string[];
  /** Put what the script stores into `ctx.artifacts`. @default true */
  readonly storeArtifacts?: boolean;
}

/** What a stage script left behind. */
export interface StageScriptResult {
  /** The NAME=VALUE lines it recorded in `STAGE_OUTPUT_FILE`. */
  readonly outputs: Record<string, string>;
  /** Keys of the run artifacts it stored (now in `ctx.artifacts`, unless `storeArtifacts` is false). */
  readonly stored: readonly string[];
  /** The directory standing in for the artifacts bucket, holding what it stored by key. */
  readonly artifactsDir: string;
  /** Wall time of the script, in milliseconds. */
  readonly durationMs: number;
}

/** Lines of the script's stderr quoted in a failure. */
const FAILURE_TAIL_LINES = 15;

/** `command -v <command>` through the shell: whether `command` is on the PATH. */
export function onPath(command: string, path = process.env.PATH): boolean {
  return spawnSync('sh', ['-c', 'command -v "$0" >/dev/null', command], { env: { PATH: path ?? '' } }).status === 0;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/**
 * Runs `lib/stages/scripts/<stage>.sh` with bash as CodeBuild would, streaming every line of its
 * output to `ctx.log`. Run artifacts go through a scratch directory (`ARTIFACTS_DIR`, see the
 * scripts' common.sh): `inputs` are copied in from `ctx.artifacts` first, and every file the script
 * stores there is put into `ctx.artifacts` after it succeeds.
 *
 * @throws {@link LocalBuildFailed} `FAILED` when the script exits non-zero (with the end of its
 *   stderr), `STOPPED` when `ctx.signal` aborts it (its whole process group is terminated).
 */
export async function runStageScript(
  stage: BuildStageName,
  ctx: StageRunContext,
  options: StageScriptOptions,
): Promise<StageScriptResult> {
  const scratch = mkdtempSync(join(ctx.workDir, `${stage}-`));
  const artifactsDir = join(scratch, 'artifacts');
  const outputFile = join(scratch, 'outputs');
  mkdirSync(artifactsDir);
  writeFileSync(outputFile, '');
  for (const key of options.inputs ?? []) {
    const body = await ctx.artifacts.get(key);
    if (body === undefined) throw new LocalBuildFailed('FAILED', `${stage}: run artifact ${key} does not exist`);
    mkdirSync(dirname(join(artifactsDir, key)), { recursive: true });
    writeFileSync(join(artifactsDir, key), body);
  }
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...options.defaults,
    ...ctx.environment,
    ...options.overrides,
    ARTIFACTS_BUCKET: ctx.artifacts.bucket,
    ARTIFACTS_DIR: artifactsDir,
    STAGE_OUTPUT_FILE: outputFile,
  };
  if (options.pathPrepend?.length) env.PATH = [...options.pathPrepend, env.PATH ?? ''].join(':');
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];

  const started = Date.now();
  const script = stageScriptPath(stage);
  ctx.log(`$ bash ${relative(options.cwd, script)}`);
  const child = spawn('bash', [script], { cwd: options.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => ctx.log(line));
  createInterface({ input: child.stderr }).on('line', (line) => {
    ctx.log(line);
    stderrTail.push(line);
    if (stderrTail.length > FAILURE_TAIL_LINES) stderrTail.shift();
  });
  const stop = () => {
    // detached: the script leads its own process group, so this reaches terraform, npm, jest, ...
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  ctx.signal.addEventListener('abort', stop, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exit) => resolve(exit));
  }).finally(() => ctx.signal.removeEventListener('abort', stop));
  const durationMs = Date.now() - started;

  if (ctx.signal.aborted) throw new LocalBuildFailed('STOPPED', `${stage}: stopped after ${durationMs} ms`);
  if (code !== 0) {
    const tail = stderrTail.length > 0 ? `:\n${stderrTail.join('\n')}` : '';
    throw new LocalBuildFailed('FAILED', `${stage}: ${relative(options.cwd, script)} exited with ${code}${tail}`);
  }
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  const inputs = new Set(options.inputs ?? []);
  const stored = existsSync(artifactsDir) ? filesUnder(artifactsDir).filter((key) => !inputs.has(key)) : [];
  if (options.storeArtifacts !== false) {
    for (const key of stored) await ctx.artifacts.put(key, readFileSync(join(artifactsDir, key)));
  }
  return { outputs, stored, durationMs, artifactsDir };
}
