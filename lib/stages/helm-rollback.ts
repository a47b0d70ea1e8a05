import { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BuildStage } from '../constructs/build-stage';
import { STAGE_EXPORTS } from '../contracts/stage-outputs';
import { clusterNetworks, HELM_TOOLS_ENVIRONMENT, type HelmDeployStage, helmBuildTimeoutMinutes } from './helm-deploy';
import { buildSubstitutions, type PipelineStageModule, type StageContext } from './pipeline-stage';
import { attachStageScripts } from './stage-scripts-source';

/**
 * HelmRollback (CodeBuild, `lib/buildspecs/helm-rollback.yml` calling `lib/stages/scripts/helm-rollback.sh`): rolls a Helm release back to its
 * previous revision, as the deploy identity (EKS admits one role). Like HelmDeploy it has one
 * project outside any VPC and one inside each `deployNetwork` cluster's VPC; a run's settings name
 * the project of its cluster.
 *
 * The workflow starts it from `RollbackRelease`/`RollbackOnRequest` with the project the Rollback
 * decision names (from the run settings) and `${HelmRollbackBuildspec}`; the state machine may
 * start every rollback project.
 */
export class HelmRollbackStage implements PipelineStageModule {
  readonly stateName = 'HelmRollback';
  /** The workflow states that run this build: after a failed run, and for a requested rollback. */
  readonly states: readonly string[] = ['RollbackRelease', 'RollbackOnRequest'];
  readonly outputs = STAGE_EXPORTS.HelmRollback;
  /** The rollback project outside any VPC. */
  readonly build: BuildStage;
  /** Rollback projects inside a cluster's VPC, by cluster name. */
  readonly inClusterNetwork: ReadonlyMap<string, BuildStage>;
  readonly startedProjects: readonly codebuild.IProject[];
  readonly invokedFunctions: readonly lambda.IFunction[] = [];

  constructor(scope: Construct, ctx: StageContext, deploy: HelmDeployStage) {
    const props = {
      encryptionKey: ctx.encryptionKey,
      logRetention: ctx.logRetention,
      buildspec: 'helm-rollback',
      compute: ctx.config.build.compute.HelmRollback,
      environment: { ...HELM_TOOLS_ENVIRONMENT },
      role: deploy.role,
    };
    // `helm rollback|uninstall --wait --timeout <deploy.timeoutMinutes>m` once, plus 10 minutes of
    // setup (tools, kubeconfig, history); 20 minutes at least, as before.
    const timeoutFor = (cluster?: string) =>
      Duration.minutes(helmBuildTimeoutMinutes(ctx.config, cluster, (minutes) => minutes + 10, 20));
    this.build = new BuildStage(scope, 'HelmRollback', {
      ...props,
      timeout: timeoutFor(),
      description: 'Rolls a Helm release back to its previous revision',
    });
    const inClusterNetwork = new Map<string, BuildStage>();
    for (const [cluster, network] of clusterNetworks(ctx.config)) {
      inClusterNetwork.set(
        cluster,
        new BuildStage(scope, `HelmRollback-${cluster}`, {
          ...props,
          nameSuffix: `helm-rollback-${cluster}`,
          timeout: timeoutFor(cluster),
          description: `Rolls back on ${cluster} from inside its VPC`,
          network,
        }),
      );
    }
    this.inClusterNetwork = inClusterNetwork;
    this.startedProjects = [this.build.project, ...[...inClusterNetwork.values()].map((b) => b.project)];
    attachStageScripts([this.build, ...inClusterNetwork.values()]);
  }

  /** The name of the project that rolls back on `cluster`: its in-VPC project, else the shared one. */
  projectNameFor(cluster: string): string {
    return (this.inClusterNetwork.get(cluster) ?? this.build).projectName;
  }

  /** `${HelmRollbackBuildspec}`; the project name comes from the decision (run settings), not a placeholder. */
  substitutions(): Record<string, string> {
    return buildSubstitutions('HelmRollback', this.build, { projectFromRunSettings: true });
  }
}
