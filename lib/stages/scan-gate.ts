import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import { PipelineFunction } from '../constructs/pipeline-function';
import { ecrRepositoryName } from '../contracts/pipeline-config';
import { acknowledgeFindings } from '../nag/acknowledge';
import type { PipelineStageModule, StageContext } from './pipeline-stage';

/** How long a stored task token lives (`SCAN_TOKEN_TTL_SECONDS`): the run's own limit (3 hours) is far shorter. */
export const SCAN_TOKEN_TTL_SECONDS = 172_800;

/**
 * WaitForScan and PollScan (docs/scan-gate.md): the token table, the registration, scan-event and
 * poll functions, and the EventBridge rules that deliver the scans of the configured repositories.
 *
 * The registration and event functions answer the state machine (`SendTaskSuccess`/`SendTaskFailure`);
 * that grant names the state machine, which itself names the functions, so it is added afterwards by
 * {@link ScanGateStage.answerTasksOf} as a separate policy (no dependency cycle).
 */
export class ScanGateStage implements PipelineStageModule {
  readonly stateName = 'WaitForScan';
  /** The states that invoke this stage's functions. */
  readonly states: readonly string[] = ['WaitForScan', 'PollScan'];
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly table: dynamodb.Table;
  readonly registrationFunction: PipelineFunction;
  readonly eventFunction: PipelineFunction;
  readonly pollFunction: PipelineFunction;
  readonly rules: readonly events.Rule[];
  /** ECR repository names the gate reads, `<ecrRepository>-<environment>` of every configured environment. */
  readonly repositoryNames: readonly string[];

  constructor(scope: Construct, ctx: StageContext) {
    const { config } = ctx;
    this.repositoryNames = [
      ...new Set(config.services.flatMap((svc) => svc.environments.map((env) => ecrRepositoryName(svc, env)))),
    ].sort();
    const repositoryArns = this.repositoryNames.map(
      (name) => `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/${name}`,
    );

    this.table = new dynamodb.Table(scope, 'ScanTokens', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: ctx.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Tokens of waiting runs only: nothing to keep when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const readFindings = new iam.PolicyStatement({
      actions: ['ecr:DescribeImageScanFindings', 'ecr:DescribeImages'],
      resources: repositoryArns,
    });
    // Enhanced scanning: "ecr:DescribeImageScanFindings ... inspector2:ListFindings" (Amazon ECR User
    // Guide, "Required IAM permissions for enhanced scanning"); ListFindings has no resource-level form.
    const listInspectorFindings =
      config.scanType === 'enhanced'
        ? new iam.PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] })
        : undefined;
    const grantScanRead = (fn: PipelineFunction) => {
      fn.addToRolePolicy(readFindings);
      if (listInspectorFindings) fn.addToRolePolicy(listInspectorFindings);
    };

    this.registrationFunction = new PipelineFunction(scope, 'ScanRegistration', {
      handlerDir: 'scan-registration',
      description: 'WaitForScan: stores the task token by image digest and answers at once if the scan is final',
      logRetention: ctx.logRetention,
      environment: { SCAN_TOKEN_TTL_SECONDS: String(SCAN_TOKEN_TTL_SECONDS) },
    }).bind('SCAN_TOKENS_TABLE', this.table.tableName, (g) =>
      this.table.grant(g, 'dynamodb:PutItem', 'dynamodb:DeleteItem'),
    );
    grantScanRead(this.registrationFunction);

    this.eventFunction = new PipelineFunction(scope, 'ScanGate', {
      handlerDir: 'scan-gate',
      description: 'Judges an ECR or Inspector scan event against the policy and answers the waiting deploys',
      logRetention: ctx.logRetention,
      // Reads every findings page (up to 1,000 findings a page) before it answers.
      timeout: Duration.minutes(2),
      memorySize: 512,
    }).bind('SCAN_TOKENS_TABLE', this.table.tableName, (g) =>
      this.table.grant(g, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'),
    );
    grantScanRead(this.eventFunction);

    this.pollFunction = new PipelineFunction(scope, 'ScanPoll', {
      handlerDir: 'scan-poll',
      description: 'PollScan: one read of the image scan when no scan event arrived',
      logRetention: ctx.logRetention,
      timeout: Duration.minutes(2),
      memorySize: 512,
    });
    grantScanRead(this.pollFunction);

    // Only the configured repositories' scans: the event's `resources` is the repository ARN for both
    // kinds (Amazon ECR User Guide, "Amazon ECR events and EventBridge"; Amazon Inspector User Guide,
    // "Amazon ECR repository scan" event).
    const target = new targets.LambdaFunction(this.eventFunction, { retryAttempts: 8 });
    this.rules = [
      new events.Rule(scope, 'EcrImageScanEvents', {
        description: 'Basic ECR scans of the pipeline repositories finish: answer the waiting deploys',
        eventPattern: { source: ['aws.ecr'], detailType: ['ECR Image Scan'], resources: repositoryArns },
        targets: [target],
      }),
      ...(config.scanType === 'enhanced'
        ? [
            new events.Rule(scope, 'InspectorScanEvents', {
              description: 'Enhanced (Inspector) scans of the pipeline repositories finish: answer the waiting deploys',
              eventPattern: { source: ['aws.inspector2'], detailType: ['Inspector2 Scan'], resources: repositoryArns },
              targets: [target],
            }),
          ]
        : []),
    ];

    for (const fn of [this.registrationFunction, this.eventFunction, this.pollFunction]) {
      acknowledgeFindings(
        fn.role as IConstruct,
        'AwsSolutions-IAM5',
        [
          ...(listInspectorFindings ? ['Resource::*'] : []),
          ...(fn === this.pollFunction ? [] : ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*']),
        ],
        'inspector2:ListFindings has no resource-level form; the token table is encrypted with the pipeline key only.',
      );
    }
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.registrationFunction, this.pollFunction];
  }

  /** Functions the dashboard and alarms watch beside the invoked ones. */
  get subscriberFunctions(): readonly lambda.IFunction[] {
    return [this.eventFunction];
  }

  substitutions(): Record<string, string> {
    return {
      ScanRegistrationFunctionArn: this.registrationFunction.functionArn,
      ScanPollFunctionArn: this.pollFunction.functionArn,
    };
  }

  /**
   * Lets the registration and event functions answer `WaitForScan` tasks of this state machine
   * (`states:SendTaskSuccess`/`SendTaskFailure`, as CDK's `grantTaskResponse` scopes them), in a policy
   * of its own so the functions, which the state machine names, do not depend on it.
   */
  answerTasksOf(stateMachine: sfn.IStateMachine): void {
    for (const fn of [this.registrationFunction, this.eventFunction]) {
      const policy = new iam.Policy(fn, 'AnswerWaitForScan', {
        statements: [
          new iam.PolicyStatement({
            actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
            resources: [stateMachine.stateMachineArn],
          }),
        ],
      });
      policy.attachToRole(fn.role as iam.IRole);
    }
  }
}
