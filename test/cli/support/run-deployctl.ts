import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
const ENTRY = join(REPO_ROOT, 'bin', 'deployctl.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment a spawned `deployctl` sees: nothing from the developer's AWS setup (no profile
 * files, no ambient credentials), its own cache directory, a fixed time zone and no colour
 * unless a test asks. `overrides` with `undefined` removes a variable.
 */
export function cliEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'deployctl-home-'));
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: home,
    DEPLOYCTL_CACHE_DIR: join(home, 'cache'),
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    TZ: 'Europe/Berlin',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Runs `deployctl args...` to completion. Asynchronous, so servers in the test process (moto's
 * stand-ins, the fixture server) keep answering while it runs.
 */
export function deployctl(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO_ROOT,
  /** Another command line to run instead (e.g. deployctl wrapped in `script` for a terminal). */
  commandLine?: readonly string[],
): Promise<CliResult> {
  return deployctlAsync(args, env, cwd, commandLine).done;
}

/** Starts `deployctl args...` and resolves with its result when it exits (for `watch`). */
export function deployctlAsync(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO_ROOT,
  commandLine?: readonly string[],
): { child: ChildProcess; done: Promise<CliResult> } {
  const [file, ...rest] = commandLine ?? [process.execPath, ENTRY, ...args];
  const child = spawn(file as string, rest, { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

/** stderr is exactly one line (the CLI's error contract), and it is returned without the newline. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${stderr}`);
  return lines[0] as string;
}
