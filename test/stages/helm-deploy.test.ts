import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployInputsJqFilter } from '../../lib/contracts/deploy-values';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { STAGE_SCRIPTS_DIR } from '../../lib/stages/stage-scripts';
import { COMMIT, DIGEST, REPO_ROOT, REPOSITORY, recordingStubs, runStage } from './stub-tools';

/** `terraform output -json` of environments/dev, checked against Terraform in test/rollback/deploy-values.test.ts. */
const DEV_OUTPUTS = readFileSync(join(__dirname, '..', 'rollback', 'fixtures', 'dev-terraform-output.json'), 'utf8');
const OUTPUTS_KEY = 'deploy-values/sample-service/dev/terraform-outputs.json';
const CHART = join(REPO_ROOT, 'app/chart');

const ENV = {
  SERVICE: 'sample-service',
  ENVIRONMENT: 'dev',
  COMMIT,
  EKS_CLUSTER: 'deploy-dev',
  AWS_REGION: 'eu-west-1',
  CHART: 'app/chart',
  VALUES_FILE: 'values-dev.yaml',
  RELEASE: 'sample-service',
  NAMESPACE: 'sample-service',
  IMAGE_URI: `${REPOSITORY}@${DIGEST}`,
  DEPLOY_TIMEOUT_MINUTES: '12',
  VERSION_RETRY_SECONDS: '0',
};

/** kubectl: the release's Service, then /version reporting `commit`. */
const kubectl = (commit: string) => `case "$1 $2" in
  "get service") echo sample-service ;;
  "get --raw") echo '{"commitSha":"${commit}","buildTime":"2025-01-01T00:00:00Z","node":"v22"}' ;;
  *) exit 2 ;;
esac`;

/** helm: `history` answers `history`; `upgrade` exits `upgradeExit`; `status` reports revision `after`. */
const helm = (history: string | undefined, upgradeExit: number, after: number) => `case "$1" in
  history) ${history === undefined ? `echo 'Error: release: not found' >&2; exit 1` : `echo '${history}'`} ;;
  upgrade) [ ${upgradeExit} -eq 0 ] || { echo 'Error: UPGRADE FAILED: context deadline exceeded' >&2; exit ${upgradeExit}; } ;;
  status) echo '{"name":"sample-service","version":${after},"info":{"status":"deployed"}}' ;;
  *) exit 2 ;;
esac`;

const upgrade = (sets: string[]) => [
  'helm',
  'upgrade',
  '--install',
  'sample-service',
  CHART,
  '--namespace',
  'sample-service',
  '--values',
  `${CHART}/values-dev.yaml`,
  ...sets,
  '--set',
  `image.repository=${REPOSITORY}`,
  '--set',
  `image.digest=${DIGEST}`,
  '--wait',
  '--timeout',
  '12m',
  '--rollback-on-failure',
];
const KUBECONFIG = ['aws', 'eks', 'update-kubeconfig', '--name', 'deploy-dev', '--region', 'eu-west-1'];
const HISTORY = ['helm', 'history', 'sample-service', '--namespace', 'sample-service', '-o', 'json'];
const STATUS = ['helm', 'status', 'sample-service', '--namespace', 'sample-service', '-o', 'json'];
const SERVICE_LOOKUP = [
  'kubectl',
  'get',
  'service',
  '--namespace',
  'sample-service',
  '-l',
  'app.kubernetes.io/instance=sample-service',
  '-o',
  'jsonpath={.items[0].metadata.name}',
];
const VERSION = [
  'kubectl',
  'get',
  '--raw',
  '/api/v1/namespaces/sample-service/services/sample-service:http/proxy/version',
  '--request-timeout=10s',
];

describe('helm-deploy.sh with stub aws, helm and kubectl (exact commands and flags)', () => {
  test('first install: no release yet, PREVIOUS_REVISION 0, database host from the Terraform outputs', () => {
    const { run, outputs, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({ aws: '', helm: helm(undefined, 0, 1), kubectl: kubectl(COMMIT) }),
      artifacts: { [OUTPUTS_KEY]: DEV_OUTPUTS },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([
      KUBECONFIG,
      HISTORY,
      upgrade(['--set-string', 'database.host=deploy-dev.c9akciq32.eu-west-1.rds.amazonaws.com']),
      STATUS,
      SERVICE_LOOKUP,
      VERSION,
    ]);
    expect(parseStageOutputs('HelmDeploy', outputs)).toEqual({
      PREVIOUS_REVISION: '0',
      HELM_REVISION: '1',
      DEPLOYED_COMMIT: COMMIT,
    });
    expect(run.stdout).toContain('release sample-service has no deployed revision: first install');
    expect(run.stdout).toContain(`/version reports commit ${COMMIT}, the pushed commit`);
  });

  test('upgrade: PREVIOUS_REVISION is the deployed revision (not a later failed one); a wrong commit is exported as reported', () => {
    const history = JSON.stringify([
      { revision: 3, status: 'superseded' },
      { revision: 4, status: 'deployed' },
      { revision: 5, status: 'failed' },
    ]);
    const other = 'd'.repeat(40);
    const { run, outputs, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({ aws: '', helm: helm(history, 0, 6), kubectl: kubectl(other) }),
      artifacts: { [OUTPUTS_KEY]: DEV_OUTPUTS },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls[2]).toEqual(
      upgrade(['--set-string', 'database.host=deploy-dev.c9akciq32.eu-west-1.rds.amazonaws.com']),
    );
    expect(outputs).toEqual({ PREVIOUS_REVISION: '4', HELM_REVISION: '6', DEPLOYED_COMMIT: other });
    expect(run.stdout).toContain(`/version reports commit ${other}, not the pushed ${COMMIT}`);
  });

  test('no published Terraform outputs: no --set from Terraform, and it says so', () => {
    const { run, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({
        aws: '',
        helm: helm('[{"revision":2,"status":"deployed"}]', 0, 3),
        kubectl: kubectl(COMMIT),
      }),
    });
    expect(run.status).toBe(0);
    expect(calls[2]).toEqual(upgrade([]));
    expect(run.stdout).toContain(`no Terraform outputs at ${OUTPUTS_KEY}`);
  });

  test('a failed upgrade fails the build after recording PREVIOUS_REVISION, and reads nothing after it', () => {
    const { run, outputs, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({
        aws: '',
        helm: helm('[{"revision":7,"status":"deployed"}]', 1, 0),
        kubectl: kubectl(COMMIT),
      }),
      artifacts: { [OUTPUTS_KEY]: DEV_OUTPUTS },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Error: UPGRADE FAILED: context deadline exceeded');
    expect(run.stderr).toContain('helm upgrade failed: Helm rolls back to revision 7 (--rollback-on-failure)');
    expect(outputs).toEqual({ PREVIOUS_REVISION: '7' });
    expect(calls.map((c) => c.slice(0, 2))).toEqual([
      ['aws', 'eks'],
      ['helm', 'history'],
      ['helm', 'upgrade'],
    ]);
  });

  test('a failed first install says Helm removes it', () => {
    const { run, outputs } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({ aws: '', helm: helm(undefined, 1, 0), kubectl: kubectl(COMMIT) }),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('a failed first install is uninstalled by Helm (--rollback-on-failure)');
    expect(outputs).toEqual({ PREVIOUS_REVISION: '0' });
  });

  test('outputs of another cluster are refused before anything touches the cluster', () => {
    const { run, calls } = runStage('helm-deploy.sh', {
      env: { ...ENV, EKS_CLUSTER: 'deploy-prod' },
      stubs: recordingStubs({ aws: '', helm: helm(undefined, 0, 1), kubectl: kubectl(COMMIT) }),
      artifacts: { [OUTPUTS_KEY]: DEV_OUTPUTS },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `the configuration deploys to cluster deploy-prod, but the environment's Terraform made deploy-dev (${OUTPUTS_KEY})`,
    );
    expect(calls).toEqual([]);
  });

  test('a history that cannot be read (not a missing release) fails without deploying', () => {
    const { run, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({
        aws: '',
        helm: `case "$1" in history) echo 'Error: Kubernetes cluster unreachable' >&2; exit 1 ;; *) exit 2 ;; esac`,
      }),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Kubernetes cluster unreachable');
    expect(calls.some((c) => c[1] === 'upgrade')).toBe(false);
  });

  test('/version that cannot be read leaves DEPLOYED_COMMIT absent, after three attempts', () => {
    const { run, outputs, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({
        aws: '',
        helm: helm(undefined, 0, 1),
        kubectl: `case "$1 $2" in "get service") echo sample-service ;; *) echo 'Error from server (ServiceUnavailable)' >&2; exit 1 ;; esac`,
      }),
    });
    expect(run.status).toBe(0);
    expect(outputs).toEqual({ PREVIOUS_REVISION: '0', HELM_REVISION: '1' });
    expect(calls.filter((c) => c[2] === '--raw')).toHaveLength(3);
    expect(run.stdout).toContain('DEPLOYED_COMMIT not read (Error from server (ServiceUnavailable) )');
  });

  test.each([
    ['IMAGE_URI', `${REPOSITORY}:${COMMIT}`, 'IMAGE_URI must be <repository>@sha256:<64 hex digits>'],
    ['DEPLOY_TIMEOUT_MINUTES', '10m', 'DEPLOY_TIMEOUT_MINUTES must be a whole number of minutes from 1, not 10m'],
  ])('a malformed %s is refused before any call', (name, value, message) => {
    const { run, calls } = runStage('helm-deploy.sh', {
      env: { ...ENV, [name]: value },
      stubs: recordingStubs({ aws: '', helm: helm(undefined, 0, 1) }),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(message);
    expect(calls).toEqual([]);
  });

  test('a missing variable is named before anything runs', () => {
    const { run, calls } = runStage('helm-deploy.sh', {
      env: { ...ENV, IMAGE_URI: undefined, DEPLOY_TIMEOUT_MINUTES: '' },
      stubs: recordingStubs({ aws: '', helm: '' }),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('helm-deploy.sh: missing environment variable(s): IMAGE_URI DEPLOY_TIMEOUT_MINUTES');
    expect(calls).toEqual([]);
  });
});

describe('terraform output -json -> the --set arguments helm-deploy.sh passes', () => {
  test('deploy-values.jq is deployInputsJqFilter() of lib/contracts/deploy-values.ts', () => {
    const file = readFileSync(join(STAGE_SCRIPTS_DIR, 'deploy-values.jq'), 'utf8');
    const program = file
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(program).toBe(`${deployInputsJqFilter()}\n`);
  });

  test('a root with db_port and a db_name that needs escaping gives --set for the port and an escaped --set-string', () => {
    const outputs = {
      ...JSON.parse(DEV_OUTPUTS),
      db_port: { sensitive: false, type: 'number', value: 5433 },
      db_name: { sensitive: false, type: 'string', value: 'or,ders' },
    };
    const { run, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({ aws: '', helm: helm(undefined, 0, 1), kubectl: kubectl(COMMIT) }),
      artifacts: { [OUTPUTS_KEY]: JSON.stringify(outputs) },
    });
    expect(run.status).toBe(0);
    expect(calls[2]).toEqual(
      upgrade([
        '--set-string',
        'database.host=deploy-dev.c9akciq32.eu-west-1.rds.amazonaws.com',
        '--set',
        'database.port=5433',
        '--set-string',
        'database.name=or\\,ders',
      ]),
    );
  });

  test('outputs without db_address stop the deploy, naming the output', () => {
    const { db_address: _dropped, ...rest } = JSON.parse(DEV_OUTPUTS);
    const { run, calls } = runStage('helm-deploy.sh', {
      env: ENV,
      stubs: recordingStubs({ aws: '', helm: helm(undefined, 0, 1) }),
      artifacts: { [OUTPUTS_KEY]: JSON.stringify(rest) },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('output "db_address" is missing (or null)');
    expect(run.stderr).toContain(`the Terraform outputs at ${OUTPUTS_KEY} cannot feed the deploy`);
    expect(calls).toEqual([]);
  });
});
