import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../support/helm';
import { runBuildspec } from './run-buildspec';

const REPO_ROOT = join(__dirname, '..', '..');
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service';

/**
 * Runs the helm-deploy buildspec's build phase against the bundled chart, from another working
 * directory (a `cd` in an earlier phase carries over in CodeBuild). There is no cluster here, so a
 * `helm` shim turns `upgrade --install` into the real `helm template` and answers `history`.
 */
function renderAsTheBuildWould(valuesFile: string) {
  const shims = `helm() {
    case "$1" in
      history) echo '[{"revision": 7}]' ;;
      upgrade)
        [ "$2" = --install ] || return 2
        shift 2; local args=() skip=0
        for a in "$@"; do
          if [ $skip = 1 ]; then skip=0; continue; fi
          case "$a" in --wait|--create-namespace) ;; --timeout) skip=1 ;; *) args+=("$a") ;; esac
        done
        "$HELM" template "\${args[@]}" > "$RENDERED" ;;
      *) return 2 ;;
    esac
  }
  cd "$(mktemp -d)"`;
  const rendered = join(mkdtempSync(join(tmpdir(), 'helm-deploy-')), 'manifests.yaml');
  const run = runBuildspec('helm-deploy', ['build'], {
    cwd: REPO_ROOT,
    shims,
    after: 'echo "REVISION $HELM_REVISION"',
    env: {
      HELM: helmBinary(),
      RENDERED: rendered,
      CHART: 'app/chart',
      RELEASE: 'sample-service',
      NAMESPACE: 'sample-service',
      VALUES_FILE: valuesFile,
      IMAGE_REPOSITORY: REPOSITORY,
      IMAGE_DIGEST: DIGEST,
    },
  });
  return { run, rendered };
}

describe('helm-deploy buildspec against the bundled chart (real helm template; no cluster here)', () => {
  test.each([
    ['values-dev.yaml', 1],
    ['values-prod.yaml', 3],
  ])('deploys the image by digest with %s', (valuesFile, replicas) => {
    const { run, rendered } = renderAsTheBuildWould(valuesFile);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('REVISION 7');
    const manifests = parseAllDocuments(readFileSync(rendered, 'utf8')).map((d) => d.toJS());
    const deployment = manifests.find((m) => m?.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${REPOSITORY}@${DIGEST}`);
    // The environment's values file was applied: the chart default would give 2.
    const hpa = manifests.find((m) => m?.kind === 'HorizontalPodAutoscaler');
    expect(hpa?.spec.minReplicas ?? deployment.spec.replicas).toBe(replicas);
  });
});
