import { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { followExecutionStatus } from '../constructs/execution-status-rule';
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
    this.rule = followExecutionStatus(this.scope, this.promoteFunction, stateMachine, {
      ruleId: 'PromoteOnSuccessRule',
      description: 'Deploy pipeline runs that succeeded: promote to the environments that promote from theirs',
      statuses: ['SUCCEEDED'],
      policyId: 'StartPromotions',
      canStart: true,
      why: 'Executions of this one state machine: the promotion names its execution at run time.',
    });
  }
}
