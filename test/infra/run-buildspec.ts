import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

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
 * Runs phases of a real buildspec the way CodeBuild runs them: in order, in one bash shell (a `cd` or a
 * variable carries over to later commands), each command failing its phase, with the buildspec's
 * `env.variables` set first (anything in `env` overrides them, as a project's variables would).
 * `shims` are bash functions defined first, standing in for what cannot run here (the AWS CLI,
 * Docker, a cluster). The declared exported variables start unset.
 */
export function runBuildspec(
  name: string,
  phases: string[],
  options: { cwd: string; env: Record<string, string | undefined>; shims?: string; after?: string },
): BuildspecRun {
  const spec = readBuildspec(name);
  const exportedNames = spec.env?.['exported-variables'] ?? [];
  const dir = mkdtempSync(join(tmpdir(), `buildspec-${name}-`));
  const lines = [exportedNames.length ? `unset ${exportedNames.join(' ')}` : '', options.shims ?? ''];
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
  const run = spawnSync('bash', ['-c', lines.join('\n')], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, CODEBUILD_SRC_DIR: options.cwd, ...spec.env?.variables, ...options.env },
  });
  const exported: Record<string, string> = {};
  for (const [, variable, value] of run.stdout.matchAll(new RegExp(`^${EXPORT_MARK} (\\S+) (\\S*)$`, 'gm'))) {
    exported[variable as string] = Buffer.from(value as string, 'base64')
      .toString('utf8')
      .replace(/\n$/, '');
  }
  return { ...run, exported };
}
