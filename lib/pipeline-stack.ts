import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { BuildStage } from './constructs/build-stage';
import { DeployPipelineStateMachine } from './constructs/deploy-pipeline-state-machine';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { PushTrigger } from './constructs/push-trigger';
import type { PipelineConfig } from './contracts/pipeline-config';
import { runSettingsParameterName } from './contracts/run-settings';
import { runSettingsFor } from './run-settings';
import { createPipelineStages, type PipelineStages } from './stages';
import { readDeployPipelineAsl } from './workflow/deploy-pipeline-definition';
import { runTimeoutSeconds } from './workflow/run-timeout';

export interface PipelineStackProps extends StackProps {
  /** The validated configuration (see `lib/config/load-config.ts`). */
  readonly config: PipelineConfig;
}

/**
 * Everything one installation needs: artifacts bucket, event topic, the stages (`lib/stages/`), the
 * deploy workflow, its triggers and its monitoring. One stack serves every configured service.
 */
export class PipelineStack extends Stack {
  readonly key: kms.Key;
  readonly artifactsBucket: s3.Bucket;
  readonly topic: sns.Topic;
  readonly stages: PipelineStages;
  readonly pipeline: DeployPipelineStateMachine;
  readonly settingsParameterPrefix: string;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.key = new kms.Key(this, 'PipelineKey', {
      description: 'Encrypts pipeline artifacts, events and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted topic; CloudWatch Logs encrypts this account's log groups.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it to itself would loop.',
    });

    this.artifactsBucket = new s3.Bucket(this, 'ArtifactsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        { id: 'expire-run-artifacts', prefix: 'runs/', expiration: Duration.days(30) },
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(7) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topic = new sns.Topic(this, 'PipelineEvents', {
      displayName: 'Deploy pipeline events',
      masterKey: this.key,
      enforceSSL: true,
    });
    // enforceSSL makes a topic policy, which replaces the default one: alarms need an explicit allow.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    for (const email of config.notifications.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    // Derived once from the definition and the configuration: the state machine's timeout and the
    // lock's lease (which must outlive it).
    const runTimeout = runTimeoutSeconds(JSON.parse(readDeployPipelineAsl()), config);
    this.stages = createPipelineStages(this, {
      config,
      runTimeoutSeconds: runTimeout,
      encryptionKey: this.key,
      logRetention,
      artifactsBucket: this.artifactsBucket,
      topic: this.topic,
    });
    const { deployLock, helmDeploy, helmRollback, notifications, promote, scanGate } = this.stages;
    this.settingsParameterPrefix = `/${this.stackName}/run-settings`;
    for (const service of config.services) {
      for (const env of service.environments) {
        const settings = runSettingsFor(service, env, {
          account: Aws.ACCOUNT_ID,
          region: Aws.REGION,
          urlSuffix: Aws.URL_SUFFIX,
          deployProject: helmDeploy.projectNameFor(env.eksCluster),
          rollbackProject: helmRollback.projectNameFor(env.eksCluster),
          scanType: config.scanType,
        });
        new ssm.StringParameter(this, `RunSettings-${service.name}-${env.name}`, {
          parameterName: runSettingsParameterName(this.settingsParameterPrefix, service.name, env.name),
          description: `Run settings of ${service.name} in ${env.name}`,
          stringValue: this.toJsonString(settings),
        });
      }
    }

    this.pipeline = new DeployPipelineStateMachine(this, 'DeployPipeline', {
      encryptionKey: this.key,
      logRetention,
      settingsParameterPrefix: this.settingsParameterPrefix,
      stages: this.stages.all,
      artifactsBucket: this.artifactsBucket,
      timeoutSeconds: runTimeout,
    });
    notifications.readHistoryOf(this.pipeline.stateMachine);
    deployLock.watch(this.pipeline.stateMachine, notifications);
    scanGate.answerTasksOf(this.pipeline.stateMachine);
    promote.follow(this.pipeline.stateMachine);

    const pushTrigger = new PushTrigger(this, 'PushTrigger', {
      config,
      stateMachine: this.pipeline.stateMachine,
      logRetention,
    });

    new PipelineMonitoring(this, 'Monitoring', {
      stateMachine: this.pipeline.stateMachine,
      topic: this.topic,
      stages: Object.fromEntries(
        this.stages.all.flatMap((stage): [string, BuildStage][] =>
          stage.build ? [[stage.stateName, stage.build]] : [],
        ),
      ),
      functions: [
        ...this.stages.all.flatMap((stage) => stage.invokedFunctions),
        ...notifications.subscriberFunctions,
        ...(deployLock.watchdogFunction ? [deployLock.watchdogFunction] : []),
        ...scanGate.subscriberFunctions,
        promote.promoteFunction,
        pushTrigger.webhookFunction,
        ...(pushTrigger.codeCommitFunction ? [pushTrigger.codeCommitFunction] : []),
      ],
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.pipeline.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ArtifactsBucketName', { value: this.artifactsBucket.bucketName });
    new CfnOutput(this, 'PipelineEventsTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'DeployLockTableName', {
      value: deployLock.table.tableName,
      description: 'Holds approval task tokens: deployctl approve|reject reads it',
    });
    new CfnOutput(this, 'HelmDeployRoleArn', {
      value: helmDeploy.role.roleArn,
      description: 'Give this role an EKS access entry (Terraform variable pipeline_deploy_role_arn)',
    });
  }
}
