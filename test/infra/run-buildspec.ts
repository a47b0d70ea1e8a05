import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { STAGE_SCRIPTS_DIR, STAGE_SCRIPTS_SOURCE_ID } from '../../lib/stages/stage-scripts';

export const BUILDSPEC_DIR = join(__dirname, '..', '..', 'lib', 'buildspecs');

export interface Buildspec {
  env?: { variables?: Record<string, string>; 'exported-variables'?: string[] };
  phases: Record<string, { commands?: string[] }>;
}

/** Reads `lib/buildspecs/<name>.yml`. */
export function readBuildspec(name: string): Buildspec {
  return parse(readFileSync(join(BUILDSPEC_DIR, `${name}.yml`), 'utf8')) as Buildspec;
}

export type BuildspecRun = SpawnSyncReturns<string> & {
  /**
   * The buildspec's `exported-variables` that the build left in its environment, as CodeBuild would
   * export them. Read by a child process, so a variable set without `export` does not count.
   */
  exported: Record<string, string>;
};

const EXPORT_MARK = '__exported__';

/**
 * Executables standing in for what cannot run here (the AWS CLI, Docker, a cluster), by command
 * name: each is a bash script body, written to a directory put first on the PATH. Unlike shell
 * functions they reach every process the scripts start.
 */
export type Stubs = Record<string, string>;

/** Writes `stubs` into a fresh directory and returns it (to put first on the PATH). */
export function writeStubs(stubs: Stubs): string {
  const bin = mkdtempSync(join(tmpdir(), 'stubs-'));
  for (const [name, body] of Object.entries(stubs)) {
    const file = join(bin, name);
    writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return bin;
}

/**
 * A stub that records each call as one line of `$STUB_LOG` (the command name and its arguments,
 * separated by the ASCII unit separator), then runs `body`.
 */
export function recordingStub(body = ''): string {
  return `{ printf '%s' "\${0##*/}"; printf '\\x1f%s' "$@"; printf '\\n'; } >> "$STUB_LOG"\n${body}`;
}

/** The calls a run's recording stubs logged, each as `[command, ...args]`. */
export function recordedCalls(log: string): string[][] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\x1f'));
}

/**
 * Runs phases of a real buildspec the way CodeBuild runs them: in order, in one bash shell (a `cd` or a
 * variable carries over to later commands), each command failing its phase, with the buildspec's
 * `env.variables` set first (anything in `env` overrides them, as a project's variables would).
 * The stage scripts are where CodeBuild unpacks the `stage_scripts` secondary source
 * (`$CODEBUILD_SRC_DIR_stage_scripts`): here, `lib/stages/scripts/` of this checkout.
 * `shims` are bash functions defined first and exported, so the scripts the buildspec starts see
 * them too; `stubs` are executables put first on the PATH. The declared exported variables start unset.
 */
export function runBuildspec(
  name: string,
  phases: string[],
  options: { cwd: string; env: Record<string, string | undefined>; shims?: string; stubs?: Stubs; after?: string },
): BuildspecRun {
  const spec = readBuildspec(name);
  const exportedNames = spec.env?.['exported-variables'] ?? [];
  const dir = mkdtempSync(join(tmpdir(), `buildspec-${name}-`));
  const lines = [
    exportedNames.length ? `unset ${exportedNames.join(' ')}` : '',
    options.shims ?? '',
    'fns=$(compgen -A function); [ -z "$fns" ] || export -f $fns; unset fns',
  ];
  phases.forEach((phase) => {
    (spec.phases[phase]?.commands ?? []).forEach((command, i) => {
      const file = join(dir, `${phase}-${i}.sh`);
      writeFileSync(file, command);
      lines.push(`source ${JSON.stringify(file)} || { echo "phase ${phase} failed at command ${i}" >&2; exit 1; }`);
    });
  });
  lines.push(options.after ?? '');
  for (const variable of exportedNames) {
    lines.push(
      `if printenv ${variable} >/dev/null; then echo "${EXPORT_MARK} ${variable} $(printenv ${variable} | base64 -w0)"; fi`,
    );
  }
  const path = options.stubs ? `${writeStubs(options.stubs)}${delimiter}${process.env.PATH}` : process.env.PATH;
  const run = spawnSync('bash', ['-c', lines.join('\n')], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: path,
      CODEBUILD_SRC_DIR: options.cwd,
      [`CODEBUILD_SRC_DIR_${STAGE_SCRIPTS_SOURCE_ID}`]: STAGE_SCRIPTS_DIR,
      ...spec.env?.variables,
      ...options.env,
    },
  });
  const exported: Record<string, string> = {};
  for (const [, variable, value] of run.stdout.matchAll(new RegExp(`^${EXPORT_MARK} (\\S+) (\\S*)$`, 'gm'))) {
    exported[variable as string] = Buffer.from(value as string, 'base64')
      .toString('utf8')
      .replace(/\n$/, '');
  }
  return { ...run, exported };
}

/**
 * Runs one stage script (`lib/stages/scripts/<script>`) as every host does: `bash <script>` from
 * `cwd` (the checkout's root), with `stubs` first on the PATH and calls logged to `$STUB_LOG`.
 * Returns the run, the outputs the script recorded in `STAGE_OUTPUT_FILE`, and the stubs' calls.
 */
export function runStageScript(
  script: string,
  options: { cwd: string; env: Record<string, string | undefined>; stubs?: Stubs; path?: string },
) {
  const scratch = mkdtempSync(join(tmpdir(), 'stage-script-'));
  const outputs = join(scratch, 'outputs');
  const log = join(scratch, 'calls.log');
  const base = options.path ?? process.env.PATH ?? '';
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: options.stubs ? `${writeStubs(options.stubs)}${delimiter}${base}` : base,
    STAGE_OUTPUT_FILE: outputs,
    STUB_LOG: log,
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const run = spawnSync('bash', [join(STAGE_SCRIPTS_DIR, script)], { cwd: options.cwd, encoding: 'utf8', env });
  const recorded = existsSync(outputs) ? readFileSync(outputs, 'utf8') : '';
  const outputLines = recorded.split('\n').filter((l) => l !== '');
  return {
    run,
    outputs: Object.fromEntries(outputLines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
    calls: recordedCalls(log),
    scratch,
  };
}
