import { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BuildStage } from '../constructs/build-stage';
import { STAGE_EXPORTS } from '../contracts/stage-outputs';
import { acknowledgeFindings } from '../nag/acknowledge';
import {
  buildSubstitutions,
  grantSourcePull,
  type PipelineStageModule,
  runArtifactsFinding,
  SCOPED_OBJECT_GRANTS_REASON,
  type StageContext,
} from './pipeline-stage';
import { attachStageScripts } from './stage-scripts-source';
import type { TerraformApplyStage } from './terraform-apply';
import { grantTerraformState, TERRAFORM_STATE_OBJECTS_FINDING } from './terraform-state';

/**
 * TerraformPlan (CodeBuild, `lib/buildspecs/terraform-plan.yml` calling `lib/stages/scripts/terraform-plan.sh`): plans an environment's Terraform
 * with exactly the apply's inputs and saves the plan and its JSON under `runs/` for PlanGuard and
 * TerraformApply.
 */
export class TerraformPlanStage implements PipelineStageModule {
  readonly stateName = 'TerraformPlan';
  readonly outputs = STAGE_EXPORTS.TerraformPlan;
  readonly build: BuildStage;
  readonly invokedFunctions: readonly lambda.IFunction[] = [];

  constructor(scope: Construct, ctx: StageContext, apply: TerraformApplyStage) {
    this.build = new BuildStage(scope, 'TerraformPlan', {
      encryptionKey: ctx.encryptionKey,
      logRetention: ctx.logRetention,
      buildspec: 'terraform-plan',
      compute: ctx.config.build.compute.TerraformPlan,
      description: 'Plans an environment’s Terraform and saves the plan',
      // The plan fixes every input the apply uses, so both get the same environment.
      environment: { ...apply.environment },
      timeout: Duration.minutes(30),
    });
    attachStageScripts([this.build]);
    // Planning reads every resource Terraform manages, across services.
    this.build.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));
    acknowledgeFindings(
      this.build.role,
      'AwsSolutions-IAM4',
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess'],
      'terraform plan refreshes every resource it manages; AWS ReadOnlyAccess is the maintained read-only set.',
    );

    ctx.artifactsBucket.grantPut(this.build.project, 'runs/*');
    grantTerraformState(this.build.role);
    grantSourcePull(ctx.config, this.build.role);
    acknowledgeFindings(
      this.build.project,
      'AwsSolutions-IAM5',
      [runArtifactsFinding(ctx.artifactsBucket), TERRAFORM_STATE_OBJECTS_FINDING, 'Action::s3:Abort*'],
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
