import {
  type DeployConfigInput,
  deployBuildTimeoutMinutes,
  deploySettingsOf,
  runDeploySettingsOf,
} from '../../lib/contracts/deploy-settings';
import { ConfigError } from '../../lib/contracts/validate-config';
import { configWith } from './support';

const environmentOf = (name: string, deploy?: DeployConfigInput) => {
  const env = configWith({ [name]: deploy }).services[0]?.environments[0];
  if (env === undefined) throw new Error('no environment');
  return env;
};

/** The problems a configuration with this `deploy` block is refused with. */
function problemsOf(deploy: unknown): readonly string[] {
  try {
    configWith({ dev: deploy as DeployConfigInput });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('environments[].deploy', () => {
  test('defaults: 10-minute Helm timeout, no alarms, no version URL; bake 5 minutes for prod and production, 1 for others', () => {
    expect(deploySettingsOf(environmentOf('prod'))).toEqual({ timeoutMinutes: 10, bakeMinutes: 5, alarms: [] });
    expect(deploySettingsOf(environmentOf('production'))).toMatchObject({ bakeMinutes: 5 });
    expect(deploySettingsOf(environmentOf('dev'))).toMatchObject({ bakeMinutes: 1 });
    expect(deploySettingsOf(environmentOf('prod-eu'))).toMatchObject({ bakeMinutes: 1 });
    expect(deploySettingsOf({ name: 'prod' })).toEqual({ timeoutMinutes: 10, bakeMinutes: 5, alarms: [] });
  });

  test('set values win over the defaults, including a bake of 0 in prod', () => {
    expect(
      deploySettingsOf(
        environmentOf('prod', {
          timeoutMinutes: 15,
          bakeMinutes: 0,
          alarms: ['orders-prod-5xx'],
          versionUrl: 'https://orders.example.com/version',
        }),
      ),
    ).toEqual({
      timeoutMinutes: 15,
      bakeMinutes: 0,
      alarms: ['orders-prod-5xx'],
      versionUrl: 'https://orders.example.com/version',
    });
  });

  test.each([
    [{ timeoutMinutes: 0 }, 'services[0].environments[0].deploy.timeoutMinutes: must be from 1 to 60 minutes'],
    [{ timeoutMinutes: 2.5 }, 'services[0].environments[0].deploy.timeoutMinutes: must be a whole number of minutes'],
    [{ bakeMinutes: 61 }, 'services[0].environments[0].deploy.bakeMinutes: must be from 0 to 60 minutes'],
    [{ alarms: [''] }, 'services[0].environments[0].deploy.alarms[0]: must not be empty'],
    [
      { alarms: ['x'.repeat(256)] },
      "services[0].environments[0].deploy.alarms[0]: must be at most 255 characters long (CloudWatch's alarm name limit)",
    ],
    [
      { alarms: [' orders-5xx'] },
      'services[0].environments[0].deploy.alarms[0]: must not start or end with a space (CloudWatch matches names exactly)',
    ],
    [{ alarms: ['a', 'b', 'a'] }, 'services[0].environments[0].deploy.alarms[2]: repeats "a"'],
    [
      { alarms: Array.from({ length: 101 }, (_, i) => `alarm-${i}`) },
      'services[0].environments[0].deploy.alarms: must list at most 100 alarms (DescribeAlarms reads at most 100 names)',
    ],
    [
      { versionUrl: 'orders.example.com/version' },
      'services[0].environments[0].deploy.versionUrl: must be an http:// or https:// URL',
    ],
    [
      { versionUrl: 'ftp://orders.example.com/version' },
      'services[0].environments[0].deploy.versionUrl: must be an http:// or https:// URL',
    ],
    [{ bake: 5 }, 'services[0].environments[0].deploy: unknown field(s): bake'],
  ])('%j is refused: %s', (deploy, problem) => {
    expect(problemsOf(deploy)).toEqual([problem]);
  });

  test('the run settings carry the bake in seconds (WaitBake SecondsPath) and the rest as configured', () => {
    expect(
      runDeploySettingsOf({
        timeoutMinutes: 12,
        bakeMinutes: 5,
        alarms: ['a'],
        versionUrl: 'https://x.example/version',
      }),
    ).toEqual({ timeoutMinutes: 12, bakeSeconds: 300, alarms: ['a'], versionUrl: 'https://x.example/version' });
    expect(runDeploySettingsOf({ timeoutMinutes: 10, bakeMinutes: 0, alarms: [] })).toEqual({
      timeoutMinutes: 10,
      bakeSeconds: 0,
      alarms: [],
    });
  });

  test('the deploy build needs twice the Helm timeout (Helm’s own rollback waits again) plus 10 minutes', () => {
    expect(deployBuildTimeoutMinutes(10)).toBe(30);
    expect(deployBuildTimeoutMinutes(60)).toBe(130);
  });
});
