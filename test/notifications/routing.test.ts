import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  configuredEnvironments,
  filterPolicyMatches,
  filterPolicyOf,
  messageAttributesOf,
  PIPELINE_EVENT_TYPES,
} from '../../lib/contracts/pipeline-event';
import { type ConfigError, validateConfig } from '../../lib/contracts/validate-config';
import { NotificationsStage } from '../../lib/stages/notifications';
import { CONFIG_WITH_CHATBOT } from './test-config';

const ENVS = ['dev', 'staging', 'prod'];

describe('filter policies from event selections', () => {
  test('no selection: every message with a route, i.e. every event and no alarm', () => {
    const policy = filterPolicyOf(undefined, ENVS);
    expect(policy).toEqual({ route: [{ exists: true }] });
    expect(filterPolicyMatches(policy, {})).toBe(false);
  });

  test('a list becomes exact routes, "all" one prefix, "*" the configured environments not named', () => {
    expect(filterPolicyOf({ dev: ['failed', 'rolled_back'], prod: 'all', '*': ['succeeded'] }, ENVS)).toEqual({
      route: ['dev:failed', 'dev:rolled_back', { prefix: 'prod:' }, 'staging:succeeded'],
    });
  });

  test('the code decides as the policy says, for every type and environment', () => {
    const policy = filterPolicyOf({ dev: ['failed'], '*': 'all' }, ENVS);
    for (const environment of ENVS) {
      for (const type of PIPELINE_EVENT_TYPES) {
        const expected = environment === 'dev' ? type === 'failed' : true;
        expect([
          environment,
          type,
          filterPolicyMatches(policy, messageAttributesOf({ environment, type, service: 's' })),
        ]).toEqual([environment, type, expected]);
      }
    }
  });

  test('a selection of nothing, or of more than SNS allows, is refused with the reason', () => {
    expect(() => filterPolicyOf({ '*': 'all' }, [])).toThrow('selects no event');
    const many = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`env${i}`, [...PIPELINE_EVENT_TYPES]]));
    expect(() => filterPolicyOf(many, Object.keys(many))).toThrow(
      'selects 152 environment and type combinations; an SNS filter policy allows at most 150',
    );
  });

  test('configured environments are every service’s, once each', () => {
    expect(
      configuredEnvironments({
        services: [{ environments: [{ name: 'dev' }, { name: 'prod' }] }, { environments: [{ name: 'dev' }] }],
      }),
    ).toEqual(['dev', 'prod']);
  });
});

describe('notifications configuration', () => {
  const withNotifications = (notifications: unknown) => ({ ...CONFIG_WITH_CHATBOT, notifications });
  const problems = (raw: unknown): string[] => {
    try {
      validateConfig(raw, 'test');
      return [];
    } catch (err) {
      return [...(err as ConfigError).problems];
    }
  };

  test('the fixture with every path on is valid; defaults leave every path off', () => {
    const config = validateConfig(CONFIG_WITH_CHATBOT);
    expect(config.notifications.commitStatuses).toEqual({
      auth: 'app',
      secret: 'deploy-pipeline/github-app',
      apiUrl: 'https://api.github.com',
    });
    const plain = validateConfig({ ...CONFIG_WITH_CHATBOT, notifications: undefined });
    expect(plain.notifications).toEqual({ emails: [], chatbot: [], slackWebhooks: [] });
  });

  test('each wrong value is named with its path', () => {
    expect(
      problems(
        withNotifications({
          chatbot: [
            { name: 'ok', slackWorkspaceId: 't012', slackChannelId: 'C 1', events: {} },
            { name: 'ok', slackWorkspaceId: 'T1', slackChannelId: 'C1', events: { dev: ['exploded'] } },
          ],
          slackWebhooks: [
            { name: 'hook', urlSecret: 'https://hooks.slack.com/services/T/B/X', events: { 'Prod!': 'all' } },
          ],
          commitStatuses: { auth: 'password', secret: 'github' },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^notifications\.chatbot\[0\]\.slackWorkspaceId: must be a Slack workspace id/),
      expect.stringMatching(/^notifications\.chatbot\[0\]\.slackChannelId: must be a Slack channel id/),
      expect.stringMatching(/^notifications\.chatbot\[0\]\.events: must name at least one environment/),
      expect.stringMatching(/^notifications\.chatbot\[1\]\.events\.dev/),
      expect.stringMatching(
        /^notifications\.slackWebhooks\[0\]\.urlSecret: must be a Secrets Manager secret name or ARN/,
      ),
      expect.stringMatching(/^notifications\.slackWebhooks\[0\]\.events\.Prod!: must be an environment name or "\*"/),
      expect.stringMatching(/^notifications\.commitStatuses\.auth/),
    ]);
  });

  test('two channels of one kind with one name', () => {
    const channel = { name: 'deploys', slackWorkspaceId: 'T1', slackChannelId: 'C1' };
    expect(problems(withNotifications({ chatbot: [channel, channel] }))).toEqual([
      'notifications.chatbot[1].name: duplicate channel "deploys"',
    ]);
  });
});

describe('NotificationsStage refuses selections the stack cannot deploy', () => {
  const build = (notifications: unknown) => {
    const stack = new Stack(new App(), 'Checked');
    return () =>
      new NotificationsStage(stack, {
        config: validateConfig({ ...CONFIG_WITH_CHATBOT, notifications }),
        encryptionKey: new kms.Key(stack, 'Key'),
        logRetention: logs.RetentionDays.ONE_DAY,
        artifactsBucket: new s3.Bucket(stack, 'Bucket'),
        topic: new sns.Topic(stack, 'Topic'),
        runTimeoutSeconds: 10_800,
      });
  };

  test('an environment no service deploys to', () => {
    expect(
      build({ chatbot: [{ name: 'ch', slackWorkspaceId: 'T1', slackChannelId: 'C1', events: { qa: 'all' } }] }),
    ).toThrow('notifications.chatbot "ch": events names "qa", which no service deploys to');
  });

  test('Chatbot selections too large for a function’s environment', () => {
    const events = { dev: ['started', 'failed', 'rolled_back', 'rollback_failed', 'superseded'], prod: ['failed'] };
    const chatbot = Array.from({ length: 10 }, (_, i) => ({
      name: `channel-${i}`,
      slackWorkspaceId: 'T1',
      slackChannelId: `C${i}`,
      events,
    }));
    expect(build({ chatbot })).toThrow(
      /over the 3072 a function's environment can hold: select "all" for some environments/,
    );
    expect(build({ chatbot: chatbot.slice(0, 3) })).not.toThrow();
  });

  test('a "*" that stands for no environment is fine beside named ones', () => {
    expect(
      build({ slackWebhooks: [{ name: 'wh', urlSecret: 's', events: { dev: 'all', prod: 'all', '*': ['failed'] } }] }),
    ).not.toThrow();
  });
});
