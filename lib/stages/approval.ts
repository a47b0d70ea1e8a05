import { Aws, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { embedConfig, PipelineFunction } from '../constructs/pipeline-function';
import { acknowledgeFindings } from '../nag/acknowledge';
import type { DeployLockStage } from './deploy-lock';
import type { PipelineStageModule, StageContext } from './pipeline-stage';

/**
 * WaitForApproval (Lambda, `lambdas/approval`, `lambda:invoke.waitForTaskToken`): stores the task
 * token as an `approval#<execution>` item of the lock table and publishes the approval request
 * (docs/deploy-lock.md). Fills `${ApprovalFunctionArn}`.
 */
export class ApprovalStage implements PipelineStageModule {
  readonly stateName = 'WaitForApproval';
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly approvalFunction: PipelineFunction;

  constructor(scope: Construct, ctx: StageContext, deployLock: DeployLockStage) {
    this.approvalFunction = new PipelineFunction(scope, 'ApprovalFunction', {
      handlerDir: 'approval',
      description: 'WaitForApproval: keeps the task token for deployctl approve|reject and asks for approval',
      logRetention: ctx.logRetention,
      define: embedConfig(ctx.config),
    });
    this.approvalFunction.bind('DEPLOY_LOCK_TABLE', deployLock.table.tableName, (g) => {
      deployLock.table.grant(g, 'dynamodb:PutItem');
      ctx.encryptionKey.grant(g, 'kms:Decrypt', 'kms:GenerateDataKey*');
    });
    this.approvalFunction.bind('TOPIC_ARN', ctx.topic.topicArn, (g) => {
      ctx.topic.grantPublish(g);
    });
    acknowledgeFindings(
      this.approvalFunction.role as iam.IRole,
      'AwsSolutions-IAM5',
      ['Action::kms:GenerateDataKey*'],
      'The lock table and the topic are encrypted with the pipeline key (the only key granted).',
    );
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.approvalFunction];
  }

  substitutions(): Record<string, string> {
    return { ApprovalFunctionArn: this.approvalFunction.functionArn };
  }
}

/**
 * Promote (Lambda, `lambdas/promote`): after a run succeeded, starts the runs of the environments
 * that promote from its environment (docs/deploy-lock.md). Fills `${PromoteFunctionArn}`. It
 * starts the state machine that invokes it, so its permission to do so is attached afterwards by
 * {@link PromoteStage.allowStartOf}, in a policy of its own: in the function's default policy it
 * would make the state machine (which names the function) depend on itself.
 */
export class PromoteStage implements PipelineStageModule {
  readonly stateName = 'Promote';
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly promoteFunction: PipelineFunction;

  constructor(scope: Construct, ctx: StageContext) {
    this.promoteFunction = new PipelineFunction(scope, 'PromoteFunction', {
      handlerDir: 'promote',
      description: 'Promote: starts the next environment with the same commit and image digest',
      logRetention: ctx.logRetention,
      timeout: Duration.seconds(60),
      define: embedConfig(ctx.config),
    });
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.promoteFunction];
  }

  substitutions(): Record<string, string> {
    return { PromoteFunctionArn: this.promoteFunction.functionArn };
  }

  /** Lets the function start executions of `stateMachine` and read them (an already started promotion). */
  allowStartOf(stateMachine: sfn.StateMachine): void {
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachine.stateMachineName}:*`;
    const policy = new iam.Policy(this.promoteFunction, 'StartPromotions', {
      statements: [
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
        new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
      ],
    });
    policy.attachToRole(this.promoteFunction.role as iam.IRole);
    acknowledgeFindings(
      policy,
      'AwsSolutions-IAM5',
      [
        `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(stateMachine).resolve((stateMachine.node.defaultChild as CfnElement).logicalId)}.Name>:*`,
      ],
      'Executions of this one state machine: the promotion names its execution at run time.',
    );
  }
}
