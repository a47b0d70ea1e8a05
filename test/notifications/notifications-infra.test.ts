import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { configuredEnvironments, filterPolicyOf } from '../../lib/contracts/pipeline-event';
import { validateConfig } from '../../lib/contracts/validate-config';
import { synthApp } from '../infra/synth-app';
import { describeWithTools } from '../support/real-tool';
import { CONFIG_PATH, CONFIG_WITH_CHATBOT } from './test-config';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

/** The real app (cdk-nag on) with every notification path configured. */
const { template, outdir } = synthApp({ config: CONFIG_PATH });
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (type: string, pick: (id: string, r: Resource) => boolean = () => true): [string, Resource] => {
  const found = ofType(type).filter(([id, r]) => pick(id, r));
  expect({ type, count: found.length }).toEqual({ type, count: 1 });
  return found[0] as [string, Resource];
};
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const statementsOf = (roleId: string) =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
const functionBy = (service: string, extra: (r: Resource) => boolean = () => true) =>
  one(
    'AWS::Lambda::Function',
    (_, r) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service && extra(r),
  );
const roleOf = (fn: Resource) => fn.Properties.Role['Fn::GetAtt'][0] as string;

const config = validateConfig(CONFIG_WITH_CHATBOT);
const environments = configuredEnvironments(config);
const [keyId] = one('AWS::KMS::Key');
const [topicId] = one('AWS::SNS::Topic', (_, r) => r.Properties.DisplayName === 'Deploy pipeline events');
const [chatbotTopicId] = one('AWS::SNS::Topic', (_, r) =>
  String(r.Properties.DisplayName).includes('Slack channel deploys'),
);
const [queueId, queue] = one('AWS::SQS::Queue');

describe('notifications infrastructure (synthesized with cdk-nag, every path configured)', () => {
  test('Chatbot: the channel gets its own encrypted topic; its role may do nothing and AWSDenyAll is its guardrail', () => {
    const [, channel] = one('AWS::Chatbot::SlackChannelConfiguration');
    expect(channel.Properties).toMatchObject({
      SlackWorkspaceId: 'T012ABCDEF',
      SlackChannelId: 'C012ABCDEF',
      SnsTopicArns: [ref(chatbotTopicId)],
      GuardrailPolicies: [{ 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':iam::aws:policy/AWSDenyAll']] }],
      UserRoleRequired: false,
    });
    expect(resources[chatbotTopicId]?.Properties.KmsMasterKeyId).toEqual(arnOf(keyId));
    const roleId = channel.Properties.IamRoleArn['Fn::GetAtt'][0];
    expect(resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statementsOf(roleId)).toEqual([]);
  });

  test('the dead-letter queue: encrypted with the pipeline key, TLS only, 14 days, and an alarm to the topic', () => {
    expect(queue.Properties).toEqual({ KmsMasterKeyId: arnOf(keyId), MessageRetentionPeriod: 1_209_600 });
    const [, policy] = one('AWS::SQS::QueuePolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    const [, alarm] = one(
      'AWS::CloudWatch::Alarm',
      (_, a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [ref(topicId)],
    });
  });

  test.each(config.notifications.slackWebhooks.map((w) => [w.name, w] as const))(
    'Slack webhook %s: its filter policy, its secret only, the queue, Lambda retries then the queue',
    (name, webhook) => {
      const [fnId, fn] = functionBy('slack-notifier', (r) => r.Properties.Environment.Variables.CHANNEL_NAME === name);
      const [, subscription] = one(
        'AWS::SNS::Subscription',
        (_, s) => s.Properties.Endpoint?.['Fn::GetAtt']?.[0] === fnId,
      );
      expect(subscription.Properties).toEqual({
        Protocol: 'lambda',
        TopicArn: ref(topicId),
        Endpoint: arnOf(fnId),
        FilterPolicy: filterPolicyOf(webhook.events, environments),
      });
      const [, permission] = one(
        'AWS::Lambda::Permission',
        (_, p) => p.Properties.FunctionName?.['Fn::GetAtt']?.[0] === fnId,
      );
      expect(permission.Properties).toMatchObject({ Principal: 'sns.amazonaws.com', SourceArn: ref(topicId) });
      const [, invokeConfig] = one('AWS::Lambda::EventInvokeConfig', (_, c) => c.Properties.FunctionName.Ref === fnId);
      expect(invokeConfig.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: arnOf(queueId) } },
      });
      expect(fn.Properties.Timeout).toBe(90);
      const statements = statementsOf(roleOf(fn)).filter((s) => !String(s.Action).startsWith('xray:'));
      const secretResource = webhook.urlSecret.startsWith('arn:')
        ? webhook.urlSecret
        : { 'Fn::Join': ['', expect.arrayContaining([`:secret:${webhook.urlSecret}-??????`])] };
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: secretResource,
        },
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          Resource: arnOf(queueId),
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
          Resource: arnOf(keyId),
        },
      ]);
    },
  );

  test('commit statuses: its secret only, GitHub App auth, every event', () => {
    const [fnId, fn] = functionBy('commit-status');
    expect(fn.Properties.Environment.Variables).toMatchObject({
      GITHUB_AUTH: 'app',
      GITHUB_API_URL: 'https://api.github.com',
    });
    const statements = statementsOf(roleOf(fn)).filter((s) => !String(s.Action).startsWith('xray:'));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: { 'Fn::Join': ['', expect.arrayContaining([':secret:deploy-pipeline/github-app-??????'])] },
      },
    ]);
    const [, subscription] = one(
      'AWS::SNS::Subscription',
      (_, s) => s.Properties.Endpoint?.['Fn::GetAtt']?.[0] === fnId,
    );
    expect(subscription.Properties.FilterPolicy).toEqual({ route: [{ exists: true }] });
    const [, invokeConfig] = one('AWS::Lambda::EventInvokeConfig', (_, c) => c.Properties.FunctionName.Ref === fnId);
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(0);
  });

  test('notify: publishes to the topic and the Chatbot topic, reads this state machine’s histories, nothing else', () => {
    const [, fn] = functionBy('notify');
    expect(fn.Properties.Environment.Variables.TOPIC_ARN).toEqual(ref(topicId));
    // The configuration's price table, for the run cost of final events.
    expect(JSON.parse(fn.Properties.Environment.Variables.RUN_PRICING)).toEqual(
      JSON.parse(JSON.stringify(config.pricing)),
    );
    // The Chatbot routes: each channel's topic with the filter policy of its events.
    const routes = fn.Properties.Environment.Variables.CHATBOT_ROUTES as { 'Fn::Join': [string, unknown[]] };
    const channel = config.notifications.chatbot[0];
    expect(routes['Fn::Join'][1]).toEqual([
      expect.stringContaining('[{"name":"deploys","topicArn":"'),
      ref(chatbotTopicId),
      `","filterPolicy":${JSON.stringify(filterPolicyOf(channel?.events, environments))}}]`,
    ]);
    const [smId] = one('AWS::StepFunctions::StateMachine');
    const statements = statementsOf(roleOf(fn)).filter((s) => !String(s.Action).startsWith('xray:'));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'sns:Publish', Resource: ref(topicId) },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: arnOf(keyId) },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: ref(chatbotTopicId) },
      {
        Effect: 'Allow',
        Action: 'states:GetExecutionHistory',
        Resource: { 'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': [smId, 'Name'] }, ':*'])] },
      },
    ]);
  });

  test('the state machine no longer publishes; it invokes the notify function', () => {
    const [, sm] = one('AWS::StepFunctions::StateMachine');
    const [notifyId] = functionBy('notify');
    expect(sm.Properties.DefinitionSubstitutions.NotifyFunctionArn).toEqual(arnOf(notifyId));
    expect(sm.Properties.DefinitionSubstitutions.TopicArn).toBeUndefined();
    const statements = statementsOf(sm.Properties.RoleArn['Fn::GetAtt'][0]);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('sns:Publish');
    const invoked = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoked)).toContain(notifyId);
  });

  test('every notification function has an error alarm', () => {
    const alarmed = ofType('AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties.MetricName === 'Errors')
      .map(([, a]) => a.Properties.Dimensions[0].Value.Ref);
    for (const service of ['notify', 'commit-status']) expect(alarmed).toContain(functionBy(service)[0]);
    for (const webhook of config.notifications.slackWebhooks) {
      expect(alarmed).toContain(
        functionBy('slack-notifier', (r) => r.Properties.Environment.Variables.CHANNEL_NAME === webhook.name)[0],
      );
    }
  });
});

describeWithTools(['cfn-lint'], 'cfn-lint on the template with every notification path', () => {
  test('no errors', () => {
    const lint = spawnSync(
      'cfn-lint',
      ['--non-zero-exit-code', 'error', join(outdir, 'DeployPipeline.template.json')],
      {
        encoding: 'utf8',
      },
    );
    expect({ status: lint.status, output: lint.stdout + lint.stderr }).toEqual({
      status: 0,
      output: expect.any(String),
    });
  });
});

test('without notification settings there is no subscriber, queue or Chatbot channel', () => {
  const plain = synthApp().template.toJSON().Resources as Record<string, Resource>;
  const types = Object.values(plain).map((r) => r.Type);
  for (const type of ['AWS::SQS::Queue', 'AWS::Chatbot::SlackChannelConfiguration', 'AWS::Lambda::EventInvokeConfig']) {
    expect(types).not.toContain(type);
  }
  expect(types.filter((t) => t === 'AWS::SNS::Topic')).toHaveLength(1);
});
