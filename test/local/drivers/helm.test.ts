import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmDeployDriver } from '../../../lib/local/drivers/helm-deploy';
import { HelmRollbackDriver } from '../../../lib/local/drivers/helm-rollback';
import { SimulatedCluster } from '../../../lib/local/simulated-cluster';
import { LocalBuildFailed, type StageMode } from '../../../lib/local/stage-driver';
import { REPO_ROOT, removeWorkDirs, stageContext } from './context';

afterAll(removeWorkDirs);

const REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const DEPLOY = {
  CHART: 'app/chart',
  RELEASE: 'sample-service',
  NAMESPACE: 'sample-service',
  VALUES_FILE: 'values-dev.yaml',
  EKS_CLUSTER: 'deploy-dev',
  IMAGE_URI: `${REPOSITORY}@${DIGEST}`,
};
/** The commit stageContext deploys (its COMMIT), which the simulated /version reports. */
const commitOf = (ctx: { environment: Record<string, string | undefined> }) => ctx.environment.COMMIT as string;

describe('HelmDeploy and HelmRollback drivers (the real scripts against a simulated cluster)', () => {
  const deploy = new HelmDeployDriver();
  const rollback = new HelmRollbackDriver();
  let real: StageMode;

  beforeAll(async () => {
    real = await deploy.detect();
  });

  test('detect: HelmDeploy is real for lint, template and schema and says the rollout is simulated', async () => {
    expect(real).toEqual({
      mode: 'real',
      reason: expect.stringMatching(/helm lint --strict, helm template .*schema check; the rollout is simulated/),
    });
    expect(await rollback.detect()).toEqual({
      mode: 'simulated',
      reason: expect.stringContaining('simulated cluster'),
    });
  });

  test('deploys the bundled chart with values-dev: revisions 0 -> 1, then 1 -> 2 in the same run', async () => {
    const ctx = stageContext({ environment: DEPLOY });
    const started = Date.now();
    expect(await deploy.run(ctx, real)).toEqual({
      PREVIOUS_REVISION: '0',
      HELM_REVISION: '1',
      DEPLOYED_COMMIT: commitOf(ctx),
    });
    const seconds = (Date.now() - started) / 1000;
    const log = ctx.lines.join('\n');
    // The script itself ran: its kubeconfig call and the upgrade reached the simulated cluster.
    expect(log).toContain('$ bash lib/stages/scripts/helm-deploy.sh');
    expect(log).toContain('simulated cluster: no kubeconfig written (--name deploy-dev --region');
    expect(log).toMatch(/manifests valid: .*Deployment\/sample-service/);
    const rendered = readFileSync(new SimulatedCluster(ctx).renderedFile, 'utf8');
    expect(rendered).toContain(`image: "${REPOSITORY}@${DIGEST}"`);
    expect(await deploy.run(ctx, real)).toMatchObject({ PREVIOUS_REVISION: '1', HELM_REVISION: '2' });
    console.log(`HelmDeploy driver (helm-deploy.sh, lint + template + schema): ${seconds.toFixed(1)} s`);
  });

  test('scenario releaseRevision: an existing release reports its revision before the deploy', async () => {
    const ctx = stageContext({ environment: DEPLOY, scenario: { releaseRevision: 4 } });
    expect(await deploy.run(ctx, real)).toEqual({
      PREVIOUS_REVISION: '4',
      HELM_REVISION: '5',
      DEPLOYED_COMMIT: commitOf(ctx),
    });
  });

  test('scenario deployedCommit wrong: DEPLOYED_COMMIT differs from COMMIT', async () => {
    const ctx = stageContext({ environment: DEPLOY, scenario: { deployedCommit: 'wrong' } });
    const outputs = await deploy.run(ctx, real);
    expect(outputs.DEPLOYED_COMMIT).toMatch(/^[0-9a-f]{40}$/);
    expect(outputs.DEPLOYED_COMMIT).not.toBe(commitOf(ctx));
  });

  test('scenario outcome fail on a first install: Helm removes the release, and the rollback build finds it already restored', async () => {
    const ctx = stageContext({ environment: DEPLOY, scenario: { outcome: 'fail' } });
    await expect(deploy.run(ctx, real)).rejects.toMatchObject({ status: 'FAILED' });
    expect(new SimulatedCluster(ctx).history('sample-service', 'sample-service')).toEqual([]);
    const back = stageContext({
      environment: { ...DEPLOY, ROLLBACK_ACTION: 'uninstall', TO_REVISION: '', DEPLOY_TIMEOUT_MINUTES: '5' },
      workDir: ctx.workDir,
    });
    expect(await rollback.run(back, await rollback.detect())).toEqual({ ROLLBACK_OUTCOME: 'already-restored' });
  });

  test('scenario outcome fail: the rollout fails after lint and template; Helm restores the previous revision, and the rollback build says so', async () => {
    const ctx = stageContext({ environment: DEPLOY, scenario: { outcome: 'fail', releaseRevision: 2 } });
    const failure = deploy.run(ctx, real);
    await expect(failure).rejects.toBeInstanceOf(LocalBuildFailed);
    await expect(failure).rejects.toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('UPGRADE FAILED: context deadline exceeded'),
    });
    expect(
      new SimulatedCluster(ctx).history('sample-service', 'sample-service').map((r) => [r.status, r.description]),
    ).toEqual([
      ['superseded', 'deployed before this run (scenario)'],
      ['superseded', 'deployed before this run (scenario)'],
      ['failed', 'Upgrade failed: context deadline exceeded'],
      ['deployed', 'Rollback to 2'],
    ]);
    const back = stageContext({
      environment: { ...DEPLOY, ROLLBACK_ACTION: 'rollback', TO_REVISION: '2', DEPLOY_TIMEOUT_MINUTES: '5' },
      workDir: ctx.workDir,
    });
    expect(await rollback.run(back, await rollback.detect())).toEqual({ ROLLBACK_OUTCOME: 'already-restored' });
  });

  test('a chart that renders a manifest Kubernetes would refuse fails the deploy', async () => {
    const source = mkdtempSync(join(tmpdir(), 'helm-source-'));
    cpSync(join(REPO_ROOT, 'app', 'chart'), join(source, 'app', 'chart'), { recursive: true });
    const template = join(source, 'app', 'chart', 'templates', 'deployment.yaml');
    // helm lint passes this; the Deployment schema does not (minReadySeconds is an integer).
    writeFileSync(template, readFileSync(template, 'utf8').replace(/^spec:\n/m, 'spec:\n  minReadySeconds: "soon"\n'));
    const ctx = stageContext({ environment: DEPLOY, sourceDir: source, scenario: { releaseRevision: 1 } });
    await expect(deploy.run(ctx, real)).rejects.toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/would not deploy: Deployment\/sample-service: .*minReadySeconds/),
    });
    // As after a failed helm upgrade: the earlier revision stays deployed.
    expect(new SimulatedCluster(ctx).history('sample-service', 'sample-service').map((r) => r.status)).toEqual([
      'deployed',
      'failed',
    ]);
  });

  test('a values file the chart does not have fails in helm, before any rollout', async () => {
    const ctx = stageContext({ environment: { ...DEPLOY, VALUES_FILE: 'values-nowhere.yaml' } });
    await expect(deploy.run(ctx, real)).rejects.toMatchObject({ status: 'FAILED' });
    expect(new SimulatedCluster(ctx).history('sample-service', 'sample-service')).toEqual([]);
  });

  test('rolls back to the revision before the deploy; a revision the release never had fails as in Helm', async () => {
    const ctx = stageContext({ environment: DEPLOY });
    await deploy.run(ctx, real);
    await deploy.run(ctx, real);
    const mode = await rollback.detect();
    const back = stageContext({ environment: { ...DEPLOY, TO_REVISION: '1' }, workDir: ctx.workDir });
    expect(await rollback.run(back, mode)).toEqual({ ROLLBACK_OUTCOME: 'rolled-back' });
    expect(back.lines.join('\n')).toContain('$ bash lib/stages/scripts/helm-rollback.sh');
    const history = new SimulatedCluster(ctx).history('sample-service', 'sample-service');
    expect(history.map((r) => [r.revision, r.status, r.description])).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'superseded', 'Upgrade complete'],
      [3, 'deployed', 'Rollback to 1'],
    ]);
    const nowhere = stageContext({ environment: { ...DEPLOY, TO_REVISION: '9' }, workDir: ctx.workDir });
    await expect(rollback.run(nowhere, mode)).rejects.toMatchObject({
      status: 'FAILED',
      message: expect.stringContaining('release sample-service has no revision 9'),
    });
    const failing = stageContext({
      environment: { ...DEPLOY, TO_REVISION: '2' },
      workDir: ctx.workDir,
      scenario: { outcome: 'fail' },
    });
    await expect(rollback.run(failing, mode)).rejects.toMatchObject({ status: 'FAILED' });
  });

  test('a release revision that is not a whole number is refused', async () => {
    const ctx = stageContext({ environment: DEPLOY, scenario: { releaseRevision: 'two' } });
    await expect(deploy.run(ctx, real)).rejects.toMatchObject({
      status: 'FAULT',
      message: expect.stringContaining('releaseRevision must be a whole number, got two'),
    });
  });
});
