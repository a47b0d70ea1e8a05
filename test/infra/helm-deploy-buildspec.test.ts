import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readBuildspec } from '../../lib/constructs/build-stage';
import { helmBinary } from '../support/helm';

const REPO_ROOT = join(__dirname, '..', '..');
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service';

/**
 * Runs the helm-deploy buildspec's own build commands against the bundled chart with a `helm`
 * function that turns `helm upgrade --install` into `helm template` (no cluster here), so the flags
 * the pipeline passes are checked against the chart's schema and templates.
 */
function renderAsTheBuildWould(valuesFile: string) {
  const spec = readBuildspec('helm-deploy') as { phases: { build: { commands: string[] } } };
  const commands = spec.phases.build.commands.filter((c) => !/kubectl|helm history/.test(c));
  const shim = `helm() {
    [ "$1" = upgrade ] && [ "$2" = --install ] || { echo "unexpected helm call: $*" >&2; return 2; }
    shift 2; local args=() skip=0
    for a in "$@"; do
      if [ $skip = 1 ]; then skip=0; continue; fi
      case "$a" in --wait|--create-namespace) ;; --timeout) skip=1 ;; *) args+=("$a") ;; esac
    done
    "$HELM" template "\${args[@]}"
  }`;
  return spawnSync('bash', ['-c', [shim, ...commands].join('\n')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      HELM: helmBinary(),
      CHART: 'app/chart',
      RELEASE: 'sample-service',
      NAMESPACE: 'sample-service',
      VALUES_FILE: valuesFile,
      IMAGE_REPOSITORY: REPOSITORY,
      IMAGE_DIGEST: DIGEST,
      COMMIT: '0123456789abcdef0123456789abcdef01234567',
    },
  });
}

describe('helm-deploy buildspec against the bundled chart (real helm template; no cluster here)', () => {
  test.each(['values-dev.yaml', 'values-prod.yaml'])('deploys the image by digest with %s', (valuesFile) => {
    const run = renderAsTheBuildWould(valuesFile);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const deployment = parseAllDocuments(run.stdout)
      .map((d) => d.toJS())
      .find((m) => m?.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${REPOSITORY}@${DIGEST}`);
  });
});
