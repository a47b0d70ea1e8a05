import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateManifest } from '../../lib/local/kubernetes-schema';
import { helmBinary } from '../support/helm';

export { validateManifest };

export const CHART_DIR = join(__dirname, '..', '..', 'app', 'chart');

/** A digest in the shape the pipeline passes (`sha256:` + 64 hex). */
export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

export interface HelmResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real Helm 4 binary on the chart; `args` come after the subcommand. */
export function helm(subcommand: 'lint' | 'template', args: readonly string[]): HelmResult {
  const target = subcommand === 'lint' ? ['lint', '--strict', CHART_DIR] : ['template', 'release', CHART_DIR];
  const result = spawnSync(helmBinary(), [...target, ...args], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One rendered manifest, loosely typed: tests assert the fields that matter. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: any;
} & Record<string, any>;

/** `helm template` with a values file and extra --set flags; throws with Helm's stderr when it fails. */
export function render(valuesFiles: readonly string[], sets: readonly string[] = []): Manifest[] {
  const args = [...valuesFiles.flatMap((f) => ['-f', join(CHART_DIR, f)]), ...sets.flatMap((s) => ['--set', s])];
  const result = helm('template', args);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

/** The single manifest of a kind; fails when there is none or more than one. */
export function only(manifests: readonly Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0] as Manifest;
}
