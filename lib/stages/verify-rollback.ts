import { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PipelineFunction } from '../constructs/pipeline-function';
import { acknowledgeFindings } from '../nag/acknowledge';
import type { PipelineStageModule, StageContext } from './pipeline-stage';

/**
 * VerifyDeployment (Lambda, `lambdas/verify-deployment`): the one check after the bake's `Wait`
 * (docs/rollback.md). Fills `${VerifyDeploymentFunctionArn}`. Its settings come in the payload, so
 * it gets no configuration; it reads CloudWatch and, with `versionUrl`, the service's public host.
 */
export class VerifyDeploymentStage implements PipelineStageModule {
  readonly stateName = 'VerifyDeployment';
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly verifyFunction: PipelineFunction;

  constructor(scope: Construct, ctx: StageContext) {
    this.verifyFunction = new PipelineFunction(scope, 'VerifyDeploymentFunction', {
      handlerDir: 'verify-deployment',
      description: 'VerifyDeployment: alarms and /version over the bake window after a deploy',
      logRetention: ctx.logRetention,
      // /version: 5 s; DescribeAlarms plus one DescribeAlarmHistory per alarm (up to 100 alarms).
      timeout: Duration.seconds(60),
    });
    // DescribeAlarms and DescribeAlarmHistory take no alarm ARN for the alarms they return: CloudWatch's
    // service authorization reference lists no resource type for either, so the resource is `*`.
    this.verifyFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'],
        resources: ['*'],
      }),
    );
    acknowledgeFindings(
      this.verifyFunction.role as iam.IRole,
      'AwsSolutions-IAM5',
      ['Resource::*'],
      'cloudwatch:DescribeAlarms and DescribeAlarmHistory support no resource-level permissions (read only).',
    );
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.verifyFunction];
  }

  substitutions(): Record<string, string> {
    return { VerifyDeploymentFunctionArn: this.verifyFunction.functionArn };
  }
}

/**
 * Rollback (Lambda, `lambdas/rollback`): decides what undoes a failed run, or a manual rollback's
 * build (docs/rollback.md). It calls no AWS API: the workflow starts the helm-rollback build it
 * names. Fills `${RollbackFunctionArn}`.
 */
export class RollbackStage implements PipelineStageModule {
  readonly stateName = 'Rollback';
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly rollbackFunction: PipelineFunction;

  constructor(scope: Construct, ctx: StageContext) {
    this.rollbackFunction = new PipelineFunction(scope, 'RollbackFunction', {
      handlerDir: 'rollback',
      description: 'Rollback: decides what undoes a failed deploy (the workflow runs the build)',
      logRetention: ctx.logRetention,
    });
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.rollbackFunction];
  }

  substitutions(): Record<string, string> {
    return { RollbackFunctionArn: this.rollbackFunction.functionArn };
  }
}
