import { deployPolicyOf } from '../../lib/contracts/deploy-lock';
import type { PipelineConfigInput } from '../../lib/contracts/pipeline-config';
import { ConfigError, validateConfig } from '../../lib/contracts/validate-config';
import { TEST_CONFIG } from './support';

const ENV = { eksCluster: 'acme-dev', terraformDir: 'infra/environments/dev' };

function withEnvironments(environments: Record<string, unknown>[]): PipelineConfigInput {
  return {
    services: [
      {
        name: 'orders',
        repository: { provider: 'github', name: 'acme/orders' },
        helm: { chart: 'app/chart', release: 'orders', namespace: 'orders' },
        ecrRepository: 'acme/orders',
        environments: environments.map((e) => ({ branch: 'main', ...ENV, ...e })) as never,
      },
    ],
  };
}

function problems(environments: Record<string, unknown>[]): string[] {
  try {
    validateConfig(withEnvironments(environments));
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('lock, promotion and approval settings', () => {
  test('defaults: SUPERSEDED, no approval, no promotion, 24 h when something waits', () => {
    const config = validateConfig(withEnvironments([{ name: 'dev' }]));
    expect(config.services[0]?.environments[0]).toMatchObject({
      lockMode: 'SUPERSEDED',
      approval: false,
      approveDestructive: false,
    });
    expect(deployPolicyOf(config, 'orders', 'dev')).toEqual({
      lock: { mode: 'SUPERSEDED' },
      approval: { required: false, onDestructive: false, timeoutSeconds: 24 * 3600 },
      promoteTo: [],
    });
    expect(deployPolicyOf(config, 'orders', 'prod')).toBeUndefined();
    expect(deployPolicyOf(config, 'billing', 'dev')).toBeUndefined();
  });

  test('the policy of a promoted environment with approval, and of its source', () => {
    expect(deployPolicyOf(TEST_CONFIG, 'orders', 'prod')).toEqual({
      lock: { mode: 'SUPERSEDED' },
      approval: { required: true, onDestructive: true, timeoutSeconds: 4 * 3600 },
      promoteTo: [],
    });
    expect(deployPolicyOf(TEST_CONFIG, 'orders', 'dev')?.promoteTo).toEqual(['prod']);
    expect(deployPolicyOf(TEST_CONFIG, 'orders', 'qa')?.lock.mode).toBe('QUEUED');
  });

  test('a chain dev -> staging -> prod is fine', () => {
    expect(
      problems([
        { name: 'dev' },
        { name: 'staging', promoteFrom: 'dev' },
        { name: 'prod', promoteFrom: 'staging', approval: true },
      ]),
    ).toEqual([]);
  });

  test('promoteFrom must name another environment of the same service', () => {
    expect(problems([{ name: 'dev', promoteFrom: 'dev' }])).toEqual([
      'services[0].environments[0].promoteFrom: must name another environment of service "orders", not "dev" itself',
    ]);
    expect(problems([{ name: 'dev' }, { name: 'prod', promoteFrom: 'staging' }])).toEqual([
      'services[0].environments[1].promoteFrom: names no environment of service "orders" (it has "dev", "prod")',
    ]);
  });

  test('promotions may not form a cycle', () => {
    expect(
      problems([
        { name: 'dev', promoteFrom: 'prod' },
        { name: 'staging', promoteFrom: 'dev' },
        { name: 'prod', promoteFrom: 'staging' },
      ]),
    ).toEqual([
      'services[0].environments[0].promoteFrom: promotions form a cycle: staging -> prod -> dev -> staging',
      'services[0].environments[1].promoteFrom: promotions form a cycle: prod -> dev -> staging -> prod',
      'services[0].environments[2].promoteFrom: promotions form a cycle: dev -> staging -> prod -> dev',
    ]);
  });

  test('an approval timeout needs something that waits, and stays within a week', () => {
    expect(problems([{ name: 'dev', approvalTimeoutHours: 2 }])).toEqual([
      'services[0].environments[0].approvalTimeoutHours: is set but nothing waits for approval: set approval or approveDestructive to true',
    ]);
    expect(problems([{ name: 'dev', approveDestructive: true, approvalTimeoutHours: 2 }])).toEqual([]);
    expect(problems([{ name: 'dev', approval: true, approvalTimeoutHours: 169 }])).toEqual([
      'services[0].environments[0].approvalTimeoutHours: must be from 1 to 168 hours',
    ]);
    expect(problems([{ name: 'dev', approval: true, approvalTimeoutHours: 1.5 }])).toEqual([
      'services[0].environments[0].approvalTimeoutHours: must be a whole number of hours',
    ]);
  });

  test('an unknown lock mode is refused', () => {
    expect(problems([{ name: 'dev', lockMode: 'PARALLEL' }])).toHaveLength(1);
    expect(problems([{ name: 'dev', lockMode: 'PARALLEL' }])[0]).toMatch(
      /^services\[0\]\.environments\[0\]\.lockMode: /,
    );
  });
});
