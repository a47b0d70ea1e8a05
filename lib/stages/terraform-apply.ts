import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BuildStage } from '../constructs/build-stage';
import { TerraformApplyRole } from '../constructs/terraform-apply-role';
import { isLambdaCompute } from '../contracts/pricing';
import { STAGE_EXPORTS } from '../contracts/stage-outputs';
import { acknowledgeFindings, nagArn } from '../nag/acknowledge';
import { DEPLOY_VALUES_PREFIX } from './helm-deploy';
import {
  buildSubstitutions,
  grantSourcePull,
  type PipelineStageModule,
  runArtifactsFinding,
  SCOPED_OBJECT_GRANTS_REASON,
  type StageContext,
} from './pipeline-stage';
import { attachStageScripts } from './stage-scripts-source';
import { grantTerraformState, TERRAFORM_STATE_OBJECTS_FINDING, terraformToolEnvironment } from './terraform-state';

/** Terraform's provider plugin cache on the build host (builds run as root), kept by the local cache. */
export const TERRAFORM_PLUGIN_CACHE_DIR = '/root/.terraform.d/plugin-cache';

/**
 * TerraformApply (CodeBuild, `lib/buildspecs/terraform-apply.yml` calling `lib/stages/scripts/terraform-apply.sh`): applies the exact plan this run
 * saved, as the one broad role of the stack (`TerraformApplyRole`: only this project may assume it,
 * and a permissions boundary fences it and every role it creates).
 */
export class TerraformApplyStage implements PipelineStageModule {
  readonly stateName = 'TerraformApply';
  readonly outputs = STAGE_EXPORTS.TerraformApply;
  readonly build: BuildStage;
  readonly applyRole: TerraformApplyRole;
  /**
   * Every input the apply gets: the tool pin, the state bucket, and the Terraform variables (the
   * boundary each role Terraform creates must carry, the deploy role EKS must admit). The plan gets
   * the same, so the saved plan fixes what the apply does.
   */
  readonly environment: Readonly<Record<string, string>>;
  readonly invokedFunctions: readonly lambda.IFunction[] = [];

  /** @param deployRole the HelmDeploy identity, passed to Terraform as `pipeline_deploy_role_arn` */
  constructor(scope: Construct, ctx: StageContext, deployRole: iam.IRole) {
    const projectName = BuildStage.projectNameFor(Stack.of(scope).stackName, 'terraform-apply');
    this.applyRole = new TerraformApplyRole(scope, 'TerraformApplyRole', { projectName });
    this.environment = {
      ARTIFACTS_BUCKET: ctx.artifactsBucket.bucketName,
      ...terraformToolEnvironment(),
      TF_VAR_permissions_boundary_arn: this.applyRole.boundaryArn,
      TF_VAR_pipeline_deploy_role_arn: deployRole.roleArn,
    };
    // Terraform's provider plugin cache kept on the build host between builds (the buildspec's
    // `cache.paths`, LOCAL_CUSTOM_CACHE, https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching-local.html):
    // `terraform init` then links the AWS provider instead of downloading it. Not an S3 cache: its grant
    // would cover the whole artifacts bucket. None on Lambda compute, which has no cache and writes
    // only under /tmp (CodeBuild guide, Limitations of AWS Lambda compute).
    const compute = ctx.config.build.compute.TerraformApply;
    const pluginCache = !isLambdaCompute(compute);
    this.build = new BuildStage(scope, 'TerraformApply', {
      encryptionKey: ctx.encryptionKey,
      logRetention: ctx.logRetention,
      buildspec: 'terraform-apply',
      description: 'Applies the exact plan saved by this run',
      compute,
      environment: {
        ...this.environment,
        ...(pluginCache ? { TF_PLUGIN_CACHE_DIR: TERRAFORM_PLUGIN_CACHE_DIR } : {}),
      },
      role: this.applyRole.role,
      ...(pluginCache
        ? {
            cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
            transformBuildspec: (spec) => ({ ...spec, cache: { paths: [`${TERRAFORM_PLUGIN_CACHE_DIR}/**/*`] } }),
          }
        : {}),
    });

    attachStageScripts([this.build]);
    ctx.artifactsBucket.grantRead(this.build.project, 'runs/*');
    // terraform-apply.sh publishes the root's outputs for HelmDeploy.
    ctx.artifactsBucket.grantPut(this.build.role, `${DEPLOY_VALUES_PREFIX}/*`);
    grantTerraformState(this.build.role);
    grantSourcePull(ctx.config, this.build.role);
    acknowledgeFindings(
      this.applyRole.role,
      'AwsSolutions-IAM5',
      [
        runArtifactsFinding(ctx.artifactsBucket),
        TERRAFORM_STATE_OBJECTS_FINDING,
        `Resource::${nagArn(ctx.artifactsBucket)}/${DEPLOY_VALUES_PREFIX}/*`,
        'Action::s3:Abort*',
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
      ],
      SCOPED_OBJECT_GRANTS_REASON,
    );
  }

  get startedProjects(): readonly codebuild.IProject[] {
    return [this.build.project];
  }

  substitutions(): Record<string, string> {
    return buildSubstitutions(this.stateName, this.build);
  }
}
