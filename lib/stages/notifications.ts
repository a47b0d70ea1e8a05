import { Aws, type CfnElement, Stack } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  ChatbotChannel,
  CommitStatusNotifier,
  NotificationDeadLetterQueue,
  SlackWebhookNotifier,
} from '../constructs/notification-channels';
import { PipelineFunction } from '../constructs/pipeline-function';
import {
  configuredEnvironments,
  filterPolicyOf,
  type NotificationEvents,
  type RouteFilterPolicy,
} from '../contracts/pipeline-event';
import { acknowledgeFindings } from '../nag/acknowledge';
import type { PipelineStageModule, StageContext } from './pipeline-stage';

/** Room for `CHATBOT_ROUTES` within Lambda's 4 KB of environment, leaving 1 KB for the other variables. */
export const CHATBOT_ROUTES_MAX_CHARS = 3_072;

/**
 * Notifications (docs/notifications.md): the notify function the workflow's `Notify*` states invoke
 * (`lambdas/notify`: builds the one pipeline event and publishes it to the topic and to each Chatbot
 * channel's topic), and the topic's subscribers the configuration asks for: Slack channels through
 * AWS Chatbot, Slack incoming webhooks (`lambdas/slack-notifier`, with a dead-letter queue and its
 * alarm) and GitHub commit statuses (`lambdas/commit-status`).
 */
export class NotificationsStage implements PipelineStageModule {
  /** The `Notify*` family of states (docs/DESIGN, "State names"). */
  readonly stateName = 'Notify';
  /** The workflow states that invoke the notify function. */
  readonly states: readonly string[] = ['NotifyStarted', 'NotifySucceeded', 'NotifyFailed', 'NotifySuperseded'];
  readonly outputs: readonly string[] = [];
  readonly startedProjects: readonly codebuild.IProject[] = [];
  readonly notifyFunction: PipelineFunction;
  /** The pipeline's event topic. */
  readonly topic: sns.ITopic;
  /** Each Chatbot channel's topic and the filter policy of the events it selects. */
  readonly chatbotRoutes: readonly {
    readonly name: string;
    readonly topic: sns.ITopic;
    readonly filterPolicy: RouteFilterPolicy;
  }[];
  readonly chatbotChannels: readonly ChatbotChannel[];
  readonly slackNotifiers: readonly SlackWebhookNotifier[];
  readonly commitStatus?: CommitStatusNotifier;
  /** Present when a Slack webhook is configured. */
  readonly deadLetterQueue?: NotificationDeadLetterQueue;

  /**
   * @throws Error naming the channel whose event selection names an environment no service has,
   *   selects nothing, or exceeds SNS's filter policy limit
   */
  constructor(scope: Construct, ctx: StageContext) {
    const { notifications } = ctx.config;
    const environments = configuredEnvironments(ctx.config);
    const policyOf = (kind: string, channel: { readonly name: string; readonly events?: NotificationEvents }) => {
      const unknown = Object.keys(channel.events ?? {}).filter((env) => env !== '*' && !environments.includes(env));
      try {
        if (unknown.length > 0)
          throw new Error(`names ${unknown.map((e) => `"${e}"`).join(', ')}, which no service deploys to`);
        return filterPolicyOf(channel.events, environments);
      } catch (err) {
        throw new Error(`notifications.${kind} "${channel.name}": events ${(err as Error).message}`);
      }
    };
    this.chatbotChannels = notifications.chatbot.map(
      (channel) =>
        new ChatbotChannel(scope, `ChatbotChannel-${channel.name}`, { channel, encryptionKey: ctx.encryptionKey }),
    );
    this.chatbotRoutes = notifications.chatbot.map((channel, i) => ({
      name: channel.name,
      topic: (this.chatbotChannels[i] as ChatbotChannel).topic,
      filterPolicy: policyOf('chatbot', channel),
    }));
    this.topic = ctx.topic;
    this.notifyFunction = new PipelineFunction(scope, 'NotifyFunction', {
      handlerDir: 'notify',
      description: 'Builds the pipeline event of a Notify state and publishes it to the topic (and Chatbot channels)',
      logRetention: ctx.logRetention,
      // The price table the final events' run cost uses (lambdas/notify/index.ts).
      environment: { RUN_PRICING: JSON.stringify(ctx.config.pricing) },
    });
    this.bindEventPublisher(this.notifyFunction);

    if (notifications.slackWebhooks.length > 0) {
      this.deadLetterQueue = new NotificationDeadLetterQueue(scope, 'NotificationsDeadLetter', {
        encryptionKey: ctx.encryptionKey,
        alarmTopic: ctx.topic,
      });
    }
    const queue = this.deadLetterQueue?.queue;
    this.slackNotifiers = queue
      ? notifications.slackWebhooks.map(
          (webhook) =>
            new SlackWebhookNotifier(scope, `SlackWebhook-${webhook.name}`, {
              webhook,
              filterPolicy: policyOf('slackWebhooks', webhook),
              topic: ctx.topic,
              deadLetterQueue: queue,
              logRetention: ctx.logRetention,
            }),
        )
      : [];
    if (notifications.commitStatuses !== undefined) {
      this.commitStatus = new CommitStatusNotifier(scope, 'CommitStatus', {
        commitStatuses: notifications.commitStatuses,
        topic: ctx.topic,
        logRetention: ctx.logRetention,
      });
    }
  }

  /**
   * Lets a function publish pipeline events the way the notify function does (`publishEvent` of
   * `lambdas/shared/notifications`, e.g. the lock's watchdog): `TOPIC_ARN` and `CHATBOT_ROUTES`
   * (each Chatbot channel's topic and filter policy, JSON) with publish grants on those topics.
   */
  bindEventPublisher(fn: PipelineFunction): void {
    // Lambda: "Environment variables: 4 KB, for all environment variables associated with the function,
    // in aggregate" (Lambda quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    // Topic ARNs are tokens here: counted at 256 characters, the longest an SNS topic name makes one.
    const estimate = JSON.stringify(
      this.chatbotRoutes.map((r) => ({ name: r.name, topicArn: 'x'.repeat(256), filterPolicy: r.filterPolicy })),
    ).length;
    if (estimate > CHATBOT_ROUTES_MAX_CHARS) {
      throw new Error(
        `notifications.chatbot: the channels' event selections take about ${estimate} characters, over the ${CHATBOT_ROUTES_MAX_CHARS} a function's environment can hold: select "all" for some environments`,
      );
    }
    fn.bind('TOPIC_ARN', this.topic.topicArn, (g) => this.topic.grantPublish(g));
    fn.addEnvironment(
      'CHATBOT_ROUTES',
      Stack.of(fn).toJsonString(
        this.chatbotRoutes.map((r) => ({ name: r.name, topicArn: r.topic.topicArn, filterPolicy: r.filterPolicy })),
      ),
    );
    for (const route of this.chatbotRoutes) route.topic.grantPublish(fn);
    acknowledgeFindings(
      fn.role as iam.IRole,
      'AwsSolutions-IAM5',
      ['Action::kms:GenerateDataKey*'],
      'Publishing to the encrypted topics needs data keys of the pipeline key (the only key granted).',
    );
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.notifyFunction];
  }

  /** The topic's subscriber functions (their errors alarm like every pipeline function's). */
  get subscriberFunctions(): readonly lambda.IFunction[] {
    return [...this.slackNotifiers.map((n) => n.function), ...(this.commitStatus ? [this.commitStatus.function] : [])];
  }

  substitutions(): Record<string, string> {
    return { NotifyFunctionArn: this.notifyFunction.functionArn };
  }

  /**
   * Lets the notify function read the history of the state machine's executions (the stage
   * timeline). A separate policy, not the function's default one: the state machine already depends
   * on the function (it invokes it), so the function must not depend on the state machine.
   */
  readHistoryOf(stateMachine: sfn.StateMachine): void {
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachine.stateMachineName}:*`;
    const role = this.notifyFunction.role as iam.IRole;
    const policy = new iam.Policy(this.notifyFunction, 'ReadExecutionHistory', {
      statements: [new iam.PolicyStatement({ actions: ['states:GetExecutionHistory'], resources: [executions] })],
    });
    policy.attachToRole(role);
    acknowledgeFindings(
      policy,
      'AwsSolutions-IAM5',
      [
        `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(stateMachine).resolve((stateMachine.node.defaultChild as CfnElement).logicalId)}.Name>:*`,
      ],
      'The history of any execution of this one state machine: the function is told which execution at run time.',
    );
  }
}
