import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingStub, runStageScript, type Stubs } from '../infra/run-buildspec';

export const REPO_ROOT = join(__dirname, '..', '..');
export const DIGEST = `sha256:${'ab'.repeat(32)}`;
export const REPOSITORY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample-service-dev';
export const COMMIT = 'c'.repeat(40);

/**
 * Stub executables for the stage scripts (`helm`, `kubectl`, `aws`, `terraform`, ...): each records
 * its arguments (`recordingStub`, one line per call in `$STUB_LOG`) and then runs its `body`, a bash
 * snippet that answers like the tool would. Pass the result as `stubs` to {@link runStage}.
 */
export function recordingStubs(bodies: Readonly<Record<string, string>>): Stubs {
  return Object.fromEntries(Object.entries(bodies).map(([name, body]) => [name, recordingStub(body)]));
}

/**
 * Runs `lib/stages/scripts/<script>` from the repository root with `stubs` first on the PATH and a
 * fresh folder standing in for the artifacts bucket (`ARTIFACTS_DIR`), seeded with `artifacts`
 * (key -> content). Returns the run, the outputs it recorded, the stubs' calls and the folder.
 */
export function runStage(
  script: string,
  options: { env: Record<string, string | undefined>; stubs: Stubs; artifacts?: Readonly<Record<string, string>> },
) {
  const artifactsDir = mkdtempSync(join(tmpdir(), 'stage-artifacts-'));
  for (const [key, content] of Object.entries(options.artifacts ?? {})) {
    mkdirSync(join(artifactsDir, key, '..'), { recursive: true });
    writeFileSync(join(artifactsDir, key), content);
  }
  const result = runStageScript(script, {
    cwd: REPO_ROOT,
    stubs: options.stubs,
    env: { ARTIFACTS_DIR: artifactsDir, ...options.env },
  });
  return { ...result, artifactsDir };
}
