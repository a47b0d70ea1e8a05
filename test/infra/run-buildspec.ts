import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBuildspec } from '../../lib/constructs/build-stage';

type Buildspec = { phases: Record<string, { commands?: string[] }> };

/**
 * Runs phases of a real buildspec the way CodeBuild runs them: in order, in one bash shell (a `cd` or a
 * variable carries over to later commands), each command failing its phase. `shims` are bash
 * functions defined first, standing in for what cannot run here (the AWS CLI, Docker, a cluster).
 */
export function runBuildspec(
  name: string,
  phases: string[],
  options: { cwd: string; env: Record<string, string>; shims?: string; after?: string },
): SpawnSyncReturns<string> {
  const spec = readBuildspec(name) as Buildspec;
  const dir = mkdtempSync(join(tmpdir(), `buildspec-${name}-`));
  const lines = [options.shims ?? ''];
  phases.forEach((phase) => {
    (spec.phases[phase]?.commands ?? []).forEach((command, i) => {
      const file = join(dir, `${phase}-${i}.sh`);
      writeFileSync(file, command);
      lines.push(`source ${JSON.stringify(file)} || { echo "phase ${phase} failed at command ${i}" >&2; exit 1; }`);
    });
  });
  lines.push(options.after ?? '');
  return spawnSync('bash', ['-c', lines.join('\n')], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, CODEBUILD_SRC_DIR: options.cwd, ...options.env },
  });
}
