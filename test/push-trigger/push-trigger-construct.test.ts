import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { validateConfig } from '../../lib/config/load-config';
import { PushTrigger } from '../../lib/constructs/push-trigger';
import { CONFIG, CONFIG_INPUT } from './fixtures';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function build(props: Partial<ConstructorParameters<typeof PushTrigger>[2]> = {}) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Pipeline', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Done')),
  });
  const trigger = new PushTrigger(stack, 'PushTrigger', {
    config: CONFIG,
    stateMachine,
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...props,
  });
  return { stack, trigger, stateMachine, template: Template.fromStack(stack) };
}

const githubOnly = validateConfig(
  { ...CONFIG_INPUT, services: CONFIG_INPUT.services.filter((s) => s.repository.provider === 'github') },
  'test',
);

/** The statements of the inline policy attached to a function's role, by the function's logical id prefix. */
function policyOf(template: Template, functionPrefix: string): Statement[] {
  const fns = template.findResources('AWS::Lambda::Function');
  const fnId = Object.keys(fns).find((id) => id.startsWith(functionPrefix));
  const roleRef = fns[fnId ?? '']?.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('PushTrigger', () => {
  const { template, stack, trigger, stateMachine } = build();
  const smRef = stack.resolve(stateMachine.stateMachineArn);
  const secretRef = stack.resolve(trigger.secret.secretArn);
  const executionsPattern = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { 'Fn::Select': [1, { 'Fn::Split': [':', smRef] }] },
        ':states:',
        { 'Fn::Select': [3, { 'Fn::Split': [':', smRef] }] },
        ':',
        { 'Fn::Select': [4, { 'Fn::Split': [':', smRef] }] },
        ':execution:',
        { 'Fn::Select': [6, { 'Fn::Split': [':', smRef] }] },
        ':*',
      ],
    ],
  };

  it('exposes POST /webhooks/github on an HTTP API with a payload 2.0 Lambda integration', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/github' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    expect(stack.resolve(trigger.webhookUrl)).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          stack.resolve(trigger.api.apiId),
          '.execute-api.eu-west-1.',
          { Ref: 'AWS::URLSuffix' },
          '/webhooks/github',
        ],
      ],
    });
    template.hasOutput('WebhookUrl', {});
    template.hasOutput('WebhookSecretArn', { Value: secretRef });
  });

  it('throttles the default stage and logs access to its own log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PushTriggerAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates a generated secret, so the endpoint never runs with an empty one', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true },
    });
  });

  it('passes the state machine, the secret and the body limit to the webhook function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Verifies GitHub push webhooks and starts the deploy pipeline',
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({
          STATE_MACHINE_ARN: smRef,
          WEBHOOK_SECRET_ARN: secretRef,
          MAX_BODY_BYTES: String(5 * 1024 * 1024),
        }),
      },
    });
  });

  it('lets the webhook function start this state machine, describe its executions and read this secret, nothing more', () => {
    const statements = policyOf(template, 'PushTriggerWebhook').filter((s) => {
      const actions = [s.Action].flat();
      return !actions.every((a) => a.startsWith('xray:')); // tracing, added by the base function
    });
    expect(statements).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: smRef },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretRef },
      { Action: 'states:DescribeExecution', Effect: 'Allow', Resource: executionsPattern },
    ]);
  });

  it('routes branch pushes of the configured CodeCommit repositories to a trigger with the same narrow rights', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codecommit'],
        'detail-type': ['CodeCommit Repository State Change'],
        resources: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codecommit:eu-west-1:123456789012:billing-repo']] },
        ],
        detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
      },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    const statements = policyOf(template, 'PushTriggerCodeCommitTrigger').filter(
      (s) => ![s.Action].flat().every((a) => a.startsWith('xray:')),
    );
    expect(statements).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: smRef },
      { Action: 'states:DescribeExecution', Effect: 'Allow', Resource: executionsPattern },
    ]);
  });

  it('leaves no cdk-nag AwsSolutions finding of its own unexplained', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources
        .filter((r) => (r.constructPath ?? '').includes('/PushTrigger/'))
        .map((r) => `${v.ruleName} ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});

describe('PushTrigger options', () => {
  const { template } = build({
    config: githubOnly,
    throttle: { rateLimit: 3, burstLimit: 6 },
    maxBodyBytes: 1_000_000,
  });

  it('takes the throttle and body limit it is given', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_BODY_BYTES: '1000000' }) },
    });
  });

  it('creates no CodeCommit rule or function when no service uses CodeCommit', () => {
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('with a commit-status token configured, lets the webhook read that secret (and only GetSecretValue) for the compare API', () => {
    const withToken = validateConfig(
      {
        ...CONFIG_INPUT,
        notifications: { commitStatuses: { auth: 'token', secret: 'deploy/github-token' } },
      },
      'test',
    );
    const { template: t } = build({ config: withToken });
    const arnOf = (suffix: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:secretsmanager:eu-west-1:123456789012:secret:deploy/github-token${suffix}`,
        ],
      ],
    });
    const tokenArn = arnOf('');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Verifies GitHub push webhooks and starts the deploy pipeline',
      Environment: { Variables: Match.objectLike({ GITHUB_TOKEN_SECRET_ARN: tokenArn }) },
    });
    expect(policyOf(t, 'PushTriggerWebhook')).toContainEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: arnOf('-??????'),
    });
  });

  it('gives the webhook no GitHub token when commit statuses use a GitHub App or are off', () => {
    const withApp = validateConfig(
      { ...CONFIG_INPUT, notifications: { commitStatuses: { auth: 'app', secret: 'deploy/github-app' } } },
      'test',
    );
    for (const config of [CONFIG, withApp]) {
      const fns = build({ config }).template.findResources('AWS::Lambda::Function', {
        Properties: { Description: 'Verifies GitHub push webhooks and starts the deploy pipeline' },
      });
      const [fn] = Object.values(fns);
      expect(fn?.Properties.Environment.Variables.GITHUB_TOKEN_SECRET_ARN).toBeUndefined();
    }
  });

  it('refuses a body limit the Lambda payload cannot carry', () => {
    expect(() => build({ config: githubOnly, maxBodyBytes: 7 * 1024 * 1024 })).toThrow(
      /maxBodyBytes must be .* at most 6 MiB/,
    );
  });
});
