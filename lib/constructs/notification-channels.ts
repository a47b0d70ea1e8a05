import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ChatbotChannelConfig, CommitStatusesConfig, SlackWebhookConfig } from '../contracts/pipeline-config';
import type { RouteFilterPolicy } from '../contracts/pipeline-event';
import { acknowledgeFindings } from '../nag/acknowledge';
import { PipelineFunction } from './pipeline-function';

/**
 * A secret named in the configuration (name or ARN), imported so that grants name it exactly: a full
 * ARN (ending in the 6-character suffix Secrets Manager adds) as is, a name or partial ARN with the
 * `-??????` suffix wildcard CDK grants for it.
 */
export function importSecret(scope: Construct, id: string, reference: string): secretsmanager.ISecret {
  if (!reference.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, reference);
  return /-[A-Za-z0-9]{6}$/.test(reference)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, reference)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, reference);
}

/**
 * Subscribes a function to the topic with a filter policy on the `route` message attribute (see
 * `filterPolicyOf`) and lets SNS invoke it from that topic only. The policy is set on the
 * subscription resource as the JSON `filterPolicyOf` returns, the one the notify function evaluates.
 */
export function subscribeFunction(
  scope: Construct,
  id: string,
  topic: sns.ITopic,
  fn: lambda.IFunction,
  filterPolicy: RouteFilterPolicy,
): sns.Subscription {
  const subscription = new sns.Subscription(scope, id, {
    topic,
    protocol: sns.SubscriptionProtocol.LAMBDA,
    endpoint: fn.functionArn,
  });
  (subscription.node.defaultChild as sns.CfnSubscription).filterPolicy = filterPolicy;
  fn.addPermission(`${id}Invoke`, {
    principal: new iam.ServicePrincipal('sns.amazonaws.com'),
    sourceArn: topic.topicArn,
  });
  return subscription;
}

export interface NotificationDeadLetterQueueProps {
  readonly encryptionKey: kms.IKey;
  /** Where the queue's alarm goes (the pipeline topic). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * Where undeliverable Slack notifications wait (14 days, the most SQS keeps a message; encrypted
 * with the pipeline key, TLS only), with an alarm as soon as one is there.
 */
export class NotificationDeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: NotificationDeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the Slack notifiers (their on-failure destination).',
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'A pipeline notification could not be delivered to Slack (see the dead-letter queue)',
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}

export interface ChatbotChannelProps {
  readonly channel: ChatbotChannelConfig;
  readonly encryptionKey: kms.IKey;
}

/**
 * A Slack channel reached through AWS Chatbot: its own topic (the notify function publishes the
 * events the channel selects to it, in Chatbot's custom format) and the channel configuration. The
 * channel's role has no permissions and the AWS managed `AWSDenyAll` policy is its guardrail, so
 * nobody can run AWS commands from the channel: it only receives notifications.
 */
export class ChatbotChannel extends Construct {
  /** The channel's name in the configuration. */
  readonly channelName: string;
  readonly topic: sns.Topic;
  readonly configuration: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: ChatbotChannelProps) {
    super(scope, id);
    this.channelName = props.channel.name;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `Deploy pipeline events for Slack channel ${props.channel.name}`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.configuration = new chatbot.SlackChannelConfiguration(this, 'Configuration', {
      slackChannelConfigurationName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      slackWorkspaceId: props.channel.slackWorkspaceId,
      slackChannelId: props.channel.slackChannelId,
      notificationTopics: [this.topic],
      guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll')],
      userRoleRequired: false,
    });
  }
}

export interface SlackWebhookNotifierProps {
  readonly webhook: SlackWebhookConfig;
  /** Which events reach the channel (`filterPolicyOf(webhook.events, environments)`). */
  readonly filterPolicy: RouteFilterPolicy;
  readonly topic: sns.ITopic;
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
}

/**
 * `lambdas/slack-notifier` for one incoming webhook: subscribed to the topic with the channel's
 * filter policy, reads the webhook URL from its secret, sends what it cannot deliver to the
 * dead-letter queue (which is also its on-failure destination after Lambda's two retries).
 */
export class SlackWebhookNotifier extends Construct {
  readonly function: PipelineFunction;

  constructor(scope: Construct, id: string, props: SlackWebhookNotifierProps) {
    super(scope, id);
    const secret = importSecret(this, 'UrlSecret', props.webhook.urlSecret);
    this.function = new PipelineFunction(this, 'Function', {
      handlerDir: 'slack-notifier',
      description: `Posts pipeline events to the Slack channel "${props.webhook.name}" (incoming webhook)`,
      logRetention: props.logRetention,
      // 5 attempts within a 60 s budget (lambdas/slack-notifier/post-with-retry.ts), the secret read and the queue.
      timeout: Duration.seconds(90),
      environment: { CHANNEL_NAME: props.webhook.name },
    })
      .bind('WEBHOOK_SECRET_ARN', secret.secretArn, (g) => secret.grantRead(g))
      .bind('DEAD_LETTER_QUEUE_URL', props.deadLetterQueue.queueUrl, (g) => props.deadLetterQueue.grantSendMessages(g));
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(props.deadLetterQueue),
    });
    subscribeFunction(this, 'Subscription', props.topic, this.function, props.filterPolicy);
    acknowledgeFindings(
      this.function.role as iam.IRole,
      'AwsSolutions-IAM5',
      ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
      'Sending to the encrypted dead-letter queue (CDK grantSendMessages, also used by the on-failure destination): the pipeline key only.',
    );
  }
}

export interface CommitStatusNotifierProps {
  readonly commitStatuses: CommitStatusesConfig;
  readonly topic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

/**
 * `lambdas/commit-status`: subscribed to every event, sets `deploy/<service>/<environment>` on GitHub
 * commits with a token or GitHub App credentials from the configured secret. It never fails, so
 * Lambda does not retry it.
 */
export class CommitStatusNotifier extends Construct {
  readonly function: PipelineFunction;

  constructor(scope: Construct, id: string, props: CommitStatusNotifierProps) {
    super(scope, id);
    const secret = importSecret(this, 'Secret', props.commitStatuses.secret);
    this.function = new PipelineFunction(this, 'Function', {
      handlerDir: 'commit-status',
      description: 'Sets deploy/<service>/<environment> commit statuses on GitHub',
      logRetention: props.logRetention,
      // The secret (5 s) and up to three GitHub requests (10 s each) for a GitHub App's first status.
      timeout: Duration.seconds(40),
      environment: { GITHUB_AUTH: props.commitStatuses.auth, GITHUB_API_URL: props.commitStatuses.apiUrl },
    }).bind('GITHUB_SECRET_ARN', secret.secretArn, (g) => secret.grantRead(g));
    this.function.configureAsyncInvoke({ retryAttempts: 0 });
    subscribeFunction(this, 'Subscription', props.topic, this.function, { route: [{ exists: true }] });
  }
}
