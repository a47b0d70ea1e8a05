import { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { followExecutionStatus } from '../constructs/execution-status-rule';
import { embedConfig, PipelineFunction } from '../constructs/pipeline-function';
import { WATCHDOG_STATUSES } from '../contracts/deploy-lock';
import { acknowledgeFindings } from '../nag/acknowledge';
import type { NotificationsStage } from './notifications';
import type { PipelineStageModule, StageContext } from './pipeline-stage';

/** How long after the state machine's timeout a holder's lease still runs: a margin for clock skew. */
export const LOCK_LEASE_MARGIN_SECONDS = 5 * 60;

/**
 * `LOCK_LEASE_SECONDS` of the lock function: the state machine's timeout (`StageContext.runTimeoutSeconds`) plus
 * {@link LOCK_LEASE_MARGIN_SECONDS}. A lease from the execution's start at least as long as the
 * execution can live only expires once its holder has certainly ended (docs/deploy-lock.md), so a
 * takeover never interrupts a live run; waiting for the lock counts against the same timeout.
 */
export function lockLeaseSecondsFor(timeoutSeconds: number): number {
  return timeoutSeconds + LOCK_LEASE_MARGIN_SECONDS;
}

/**
 * AcquireLock / ReleaseLock (Lambda, `lambdas/deploy-lock`) and the watchdog (`lambdas/watchdog`):
 * one run at a time per service and environment (docs/deploy-lock.md).
 *
 * Creates the lock table (partition key `pk`, TTL `expiresAt`, on-demand, encrypted with the pipeline
 * key, point-in-time recovery) and the lock function the workflow invokes (`${DeployLockFunctionArn}`).
 * The watchdog needs the state machine, which needs this module's substitutions, so it is created
 * afterwards by {@link DeployLockStage.watch}.
 */
export class DeployLockStage implements PipelineStageModule {
  readonly stateName = 'AcquireLock';
  /** The workflow states that invoke the lock function. */
  readonly states: readonly string[] = ['AcquireLock', 'ReleaseLock'];
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly table: dynamodb.Table;
  readonly lockFunction: PipelineFunction;
  /** Set by {@link DeployLockStage.watch}. */
  watchdogFunction?: PipelineFunction;
  /** Set by {@link DeployLockStage.watch}. */
  watchdogRule?: events.Rule;
  private readonly scope: Construct;
  private readonly ctx: StageContext;

  constructor(scope: Construct, ctx: StageContext) {
    this.scope = scope;
    this.ctx = ctx;
    this.table = new dynamodb.Table(scope, 'DeployLockTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: ctx.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    this.lockFunction = new PipelineFunction(scope, 'DeployLockFunction', {
      handlerDir: 'deploy-lock',
      description: 'AcquireLock and ReleaseLock: one deploy at a time per service and environment',
      logRetention: ctx.logRetention,
      // Up to 60 compare-and-swap attempts with jittered backoff before LockContention.
      timeout: Duration.seconds(60),
      environment: { LOCK_LEASE_SECONDS: String(lockLeaseSecondsFor(ctx.runTimeoutSeconds)) },
      define: embedConfig(ctx.config),
    });
    // A transaction's Put needs dynamodb:PutItem ("Using IAM with DynamoDB transactions", DynamoDB Developer Guide).
    this.bindTable(this.lockFunction, ['dynamodb:GetItem', 'dynamodb:PutItem']);
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.lockFunction];
  }

  substitutions(): Record<string, string> {
    return { DeployLockFunctionArn: this.lockFunction.functionArn };
  }

  /**
   * Creates the watchdog and its EventBridge rule for `stateMachine`: an execution that ends ABORTED,
   * TIMED_OUT or FAILED (no `Catch` runs on abort or timeout) gets its lock released and one
   * `lock_released_by_watchdog` event, published like every pipeline event.
   */
  watch(stateMachine: sfn.StateMachine, notifications: NotificationsStage): void {
    const fn = new PipelineFunction(this.scope, 'DeployLockWatchdog', {
      handlerDir: 'watchdog',
      description: 'Releases the deploy lock of a run that was aborted, timed out or failed without releasing it',
      logRetention: this.ctx.logRetention,
      timeout: Duration.seconds(60),
    });
    this.bindTable(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    notifications.bindEventPublisher(fn);
    this.watchdogRule = followExecutionStatus(this.scope, fn, stateMachine, {
      ruleId: 'DeployLockWatchdogRule',
      description: 'Deploy pipeline executions that ended without running their own ReleaseLock',
      statuses: WATCHDOG_STATUSES,
      policyId: 'DescribeExecutions',
      why: 'Any execution of this one state machine: the event names the execution at run time.',
    });
    this.watchdogFunction = fn;
  }

  private bindTable(fn: PipelineFunction, actions: string[]): void {
    fn.bind('DEPLOY_LOCK_TABLE', this.table.tableName, (g) => {
      this.table.grant(g, ...actions);
      this.ctx.encryptionKey.grantEncryptDecrypt(g);
    });
    acknowledgeFindings(
      fn.role as iam.IRole,
      'AwsSolutions-IAM5',
      ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*'],
      'The lock table is encrypted with the pipeline key (the only key granted); DynamoDB needs data keys of it.',
    );
  }
}
