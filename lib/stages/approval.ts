import { Aws, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
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
 * Promotion (Lambda, `lambdas/promote`): when a run succeeds, starts the runs of the environments
 * that promote from its environment (docs/deploy-lock.md). Not a state of the workflow: the
 * pipeline's SUCCEEDED "Step Functions Execution Status Change" event invokes it through an
 * EventBridge rule, so promotion costs the run no transition and never holds up its success.
 * Created before the state machine with the other stages; {@link PromoteStage.follow} wires it to
 * the state machine once that exists.
 */
export class PromoteStage {
  readonly promoteFunction: PipelineFunction;
  rule?: events.Rule;

  constructor(
    private readonly scope: Construct,
    ctx: StageContext,
  ) {
    this.promoteFunction = new PipelineFunction(scope, 'PromoteFunction', {
      handlerDir: 'promote',
      description: 'Promotion: starts the next environment with the same commit and image digest when a run succeeds',
      logRetention: ctx.logRetention,
      timeout: Duration.seconds(60),
      define: embedConfig(ctx.config),
    });
  }

  /**
   * The rule on `stateMachine`'s SUCCEEDED status events ("Step Functions Execution Status Change",
   * Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge"),
   * and the function's right to start executions of it and read them (an event that left out the
   * input or output, an already started promotion).
   */
  follow(stateMachine: sfn.StateMachine): void {
    const fn = this.promoteFunction;
    fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachine.stateMachineName}:*`;
    const policy = new iam.Policy(fn, 'StartPromotions', {
      statements: [
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
        new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
      ],
    });
    policy.attachToRole(fn.role as iam.IRole);
    acknowledgeFindings(
      policy,
      'AwsSolutions-IAM5',
      [
        `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(stateMachine).resolve((stateMachine.node.defaultChild as CfnElement).logicalId)}.Name>:*`,
      ],
      'Executions of this one state machine: the promotion names its execution at run time.',
    );
    this.rule = new events.Rule(this.scope, 'PromoteOnSuccessRule', {
      description: 'Deploy pipeline runs that succeeded: promote to the environments that promote from theirs',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['SUCCEEDED'], stateMachineArn: [stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }
}
