import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { BuildStage } from '../constructs/build-stage';
import type { WorkflowStage } from '../constructs/deploy-pipeline-state-machine';
import type { PipelineConfig } from '../contracts/pipeline-config';
import { nagArn } from '../nag/acknowledge';

/** What every stage module is built from: the installation's configuration and shared resources. */
export interface StageContext {
  readonly config: PipelineConfig;
  /** Encrypts build projects and their logs. */
  readonly encryptionKey: kms.IKey;
  /** Retention of every log group a stage creates. */
  readonly logRetention: logs.RetentionDays;
  /** Run artifacts (`runs/<execution>/...`) and coverage baselines (`baselines/...`). */
  readonly artifactsBucket: s3.IBucket;
  /** The pipeline's event topic (notifications, alarms). */
  readonly topic: sns.ITopic;
  /** The execution's timeout in seconds (`runTimeoutSeconds`): the lock's lease outlives it. */
  readonly runTimeoutSeconds: number;
}

/**
 * One stage of the deploy pipeline (`lib/stages/<stage>.ts`): it creates its CodeBuild project or
 * function with its buildspec, grants and per-cluster variants, and tells the stack what the
 * workflow needs from it. Modules create their resources directly in the stack's scope, so their
 * logical ids do not depend on the module.
 */
export interface PipelineStageModule extends WorkflowStage {
  /** The user-facing state name (DESIGN.md, "State names"). */
  readonly stateName: string;
  /**
   * The variables a CodeBuild stage hands back (`STAGE_EXPORTS` in `lib/contracts/stage-outputs.ts`);
   * empty for a Lambda stage, whose result is its return value.
   */
  readonly outputs: readonly string[];
  /** The build whose duration the dashboard shows; absent for a Lambda stage. */
  readonly build?: BuildStage;
}

/**
 * The `${<State>Project}` and `${<State>Buildspec}` substitutions of a CodeBuild stage. Each run
 * overrides the source with a service's repository; passing the buildspec too makes sure CodeBuild
 * never looks for one in that repository. The buildspec is escaped to sit inside a JSON string.
 *
 * @param options.projectFromRunSettings the workflow reads the project name from the run settings
 *   (a per-cluster project), so no `${<State>Project}` is given
 */
export function buildSubstitutions(
  stateName: string,
  build: BuildStage,
  options: { readonly projectFromRunSettings?: boolean } = {},
): Record<string, string> {
  return {
    ...(options.projectFromRunSettings ? {} : { [`${stateName}Project`]: build.projectName }),
    [`${stateName}Buildspec`]: JSON.stringify(build.buildspecJson).slice(1, -1),
  };
}

/**
 * Builds fetch CodeCommit sources with their own role: lets `role` pull every configured CodeCommit
 * repository. Does nothing when every service is on GitHub.
 */
export function grantSourcePull(config: PipelineConfig, role: iam.IRole): void {
  const repositories = [
    ...new Set(
      config.services
        .filter((svc) => svc.repository.provider === 'codecommit')
        .map((svc) => `arn:${Aws.PARTITION}:codecommit:${Aws.REGION}:${Aws.ACCOUNT_ID}:${svc.repository.name}`),
    ),
  ];
  if (repositories.length === 0) return;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['codecommit:GitPull'], resources: repositories }));
}

/** The cdk-nag finding of an object grant under the artifacts bucket's `runs/` prefix. */
export function runArtifactsFinding(bucket: s3.IBucket): string {
  return `Resource::${nagArn(bucket)}/runs/*`;
}

/** Why the object-level wildcards of the build stages are accepted. */
export const SCOPED_OBJECT_GRANTS_REASON =
  'Object grants limited to this run-artifact prefix and the Terraform state objects.';
