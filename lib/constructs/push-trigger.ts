import { Arn, ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../contracts/pipeline-config';
import { DEFAULT_MAX_BODY_BYTES } from '../contracts/webhook-limits';
import { importSecret } from './notification-channels';
import { embedConfig, PipelineFunction } from './pipeline-function';

/** Requests per second and burst the webhook stage accepts before answering 429. */
export interface PushTriggerThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed at once above the steady rate. */
  readonly burstLimit: number;
}

/** The stage's throttling when none is given: far above any push rate, far below a flood. */
export const DEFAULT_THROTTLE: PushTriggerThrottle = { rateLimit: 10, burstLimit: 20 };

/** Path GitHub posts deliveries to. */
export const WEBHOOK_PATH = '/webhooks/github';

export interface PushTriggerProps {
  /** The installation's configuration: routes pushes to services and environments. */
  readonly config: PipelineConfig;
  /** The deploy pipeline each push starts. */
  readonly stateMachine: sfn.IStateMachine;
  /** Retention of the functions' logs and the API access log. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Largest webhook body accepted, in bytes; larger deliveries get 413 before any other work.
   * A synchronous Lambda invocation carries at most 6 MB of event and an HTTP API request at most
   * 10 MB, while GitHub may send up to 25 MB.
   * @default 5 MiB (5,242,880 bytes)
   */
  readonly maxBodyBytes?: number;
  /**
   * Default route throttling of the API stage.
   * @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly throttle?: PushTriggerThrottle;
}

/**
 * The front door of the pipeline: a public HTTP API endpoint for signed GitHub webhooks and,
 * when a service lives in CodeCommit, an EventBridge rule for its pushes. Both start one deploy
 * execution per commit and environment, and nothing else.
 */
export class PushTrigger extends Construct {
  readonly api: apigwv2.HttpApi;
  /** URL to enter as the GitHub webhook's payload URL. */
  readonly webhookUrl: string;
  /** Shared secret GitHub signs deliveries with (the operator sets its value). */
  readonly secret: secretsmanager.Secret;
  /** Verifies GitHub deliveries and starts executions. */
  readonly webhookFunction: PipelineFunction;
  /** The CodeCommit rule's target, when a service uses CodeCommit. */
  readonly codeCommitFunction?: PipelineFunction;

  constructor(scope: Construct, id: string, props: PushTriggerProps) {
    super(scope, id);
    const maxBodyBytes = props.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0 || maxBodyBytes > 6 * 1024 * 1024) {
      throw new Error(
        `maxBodyBytes must be a positive integer of at most 6 MiB (the Lambda payload limit), got ${maxBodyBytes}`,
      );
    }
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const describeExecutions = executionArnPattern(props.stateMachine.stateMachineArn);

    this.secret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description: 'Shared secret of the GitHub webhook (X-Hub-Signature-256); set it with put-secret-value',
      // Generated so the endpoint never runs with an empty secret before the operator sets one.
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook secret is shared with GitHub and changed by hand in both places; it cannot rotate on its own',
    });

    const webhook = new PipelineFunction(this, 'Webhook', {
      handlerDir: 'webhook',
      description: 'Verifies GitHub push webhooks and starts the deploy pipeline',
      // GitHub waits 10 s for an answer; the handler answers within 8 s.
      timeout: Duration.seconds(10),
      memorySize: 512,
      logRetention: props.logRetention,
      define: embedConfig(props.config),
      environment: { MAX_BODY_BYTES: String(maxBodyBytes) },
    })
      .bind('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn, (g) => props.stateMachine.grantStartExecution(g))
      .bind('WEBHOOK_SECRET_ARN', this.secret.secretArn, (grantee) =>
        // GetSecretValue only: grantRead would add DescribeSecret, which the function never calls.
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['secretsmanager:GetSecretValue'],
          resourceArns: [this.secret.secretArn],
        }),
      );
    allowDescribeExecutions(webhook, describeExecutions);
    // The commit-status token also lets the webhook ask GitHub's compare API which files a push changed
    // when its payload cannot tell (docs/push-trigger.md, "Changed files from the compare API").
    const commitStatuses = props.config.notifications.commitStatuses;
    if (commitStatuses?.auth === 'token') {
      const token = importSecret(this, 'GitHubTokenSecret', commitStatuses.secret);
      webhook.bind('GITHUB_TOKEN_SECRET_ARN', token.secretArn, (grantee) =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['secretsmanager:GetSecretValue'],
          resourceArns: [token.secretFullArn ?? `${token.secretArn}-??????`],
        }),
      );
    }
    this.webhookFunction = webhook;

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Receives GitHub push webhooks for the deploy pipeline',
      createDefaultStage: false,
    });
    const stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No headers: they carry the signature.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            latency: '$context.responseLatency',
          }),
        ),
      },
    });
    const [route] = this.api.addRoutes({
      path: WEBHOOK_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('GitHubWebhook', webhook, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    if (route !== undefined) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GitHub cannot send IAM or JWT credentials; every delivery is authenticated by its HMAC signature in the function',
      });
    }
    this.webhookUrl = `${stage.url.replace(/\/$/, '')}${WEBHOOK_PATH}`;

    new CfnOutput(this, 'WebhookUrl', {
      value: this.webhookUrl,
      description: 'GitHub webhook payload URL (content type application/json, event: push)',
    }).overrideLogicalId('WebhookUrl');
    new CfnOutput(this, 'WebhookSecretArn', {
      value: this.secret.secretArn,
      description: 'Secret to set with aws secretsmanager put-secret-value and enter in the GitHub webhook',
    }).overrideLogicalId('WebhookSecretArn');

    const codeCommitRepositories = [
      ...new Set(
        props.config.services.flatMap((s) => (s.repository.provider === 'codecommit' ? [s.repository.name] : [])),
      ),
    ];
    if (codeCommitRepositories.length > 0) {
      const trigger = new PipelineFunction(this, 'CodeCommitTrigger', {
        handlerDir: 'codecommit-trigger',
        description: 'Starts the deploy pipeline for CodeCommit pushes',
        logRetention: props.logRetention,
        define: embedConfig(props.config),
      }).bind('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn, (g) =>
        props.stateMachine.grantStartExecution(g),
      );
      allowDescribeExecutions(trigger, describeExecutions);
      this.codeCommitFunction = trigger;
      const stack = Stack.of(this);
      new events.Rule(this, 'CodeCommitPushes', {
        description: 'Branch pushes to the configured CodeCommit repositories',
        eventPattern: {
          source: ['aws.codecommit'],
          detailType: ['CodeCommit Repository State Change'],
          resources: codeCommitRepositories.map((name) =>
            stack.formatArn({ service: 'codecommit', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME }),
          ),
          detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
        },
        targets: [new targets.LambdaFunction(trigger, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
    }
  }
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine name>:*` of a state machine ARN. */
function executionArnPattern(stateMachineArn: string): string {
  const parts = Arn.split(stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return Arn.format({
    partition: parts.partition,
    service: 'states',
    region: parts.region,
    account: parts.account,
    resource: 'execution',
    resourceName: `${parts.resourceName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Only to report an existing execution's status when a delivery is repeated. */
function allowDescribeExecutions(fn: PipelineFunction, executions: string): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenForNag(Stack.of(fn).resolve(executions))}]`,
    reason: 'Execution names are chosen per push; the pattern is limited to executions of this one state machine',
  });
}

/**
 * A resolved CloudFormation value written the way cdk-nag names a finding's resource (joins
 * concatenated, `<Ref>`, `<Resource.Attribute>`, other intrinsics as JSON), so the
 * acknowledgement names exactly this one wildcard and no other.
 */
function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flattenForNag).join(delimiter);
  }
  if (Array.isArray(node['Fn::GetAtt'])) {
    const [resource, attribute] = node['Fn::GetAtt'] as unknown[];
    return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
  }
  if (node.Ref !== undefined) return `<${flattenForNag(node.Ref)}>`;
  return JSON.stringify(value);
}
