import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { validateConfig } from '../../lib/config/load-config';
import { deployBuildTimeoutMinutes } from '../../lib/contracts/deploy-settings';
import { helmBuildTimeoutMinutes } from '../../lib/stages/helm-deploy';

/** The default configuration with prod deploying from inside its VPC and the given Helm timeouts. */
function configWith(devMinutes: number, prodMinutes: number) {
  const raw = JSON.parse(JSON.stringify(DEFAULT_CONFIG));
  const [dev, prod] = raw.services[0].environments;
  dev.deploy = { ...dev.deploy, timeoutMinutes: devMinutes };
  prod.deploy = { ...prod.deploy, timeoutMinutes: prodMinutes };
  prod.deployNetwork = {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef0'],
    securityGroupIds: ['sg-0123456789abcdef0'],
  };
  return { config: validateConfig(raw), prodCluster: prod.eksCluster as string };
}

describe('helmBuildTimeoutMinutes (the deploy and rollback projects send no timeout override)', () => {
  test('each project waits for its slowest environment: twice the Helm timeout plus 10 for a deploy', () => {
    const { config, prodCluster } = configWith(20, 45);
    // Outside any VPC: dev only. Inside prod's VPC: prod only.
    expect(helmBuildTimeoutMinutes(config, undefined, deployBuildTimeoutMinutes, 30)).toBe(50);
    expect(helmBuildTimeoutMinutes(config, prodCluster, deployBuildTimeoutMinutes, 30)).toBe(100);
    expect(helmBuildTimeoutMinutes(config, prodCluster, (m) => m + 10, 20)).toBe(55);
  });

  test('never below the floor', () => {
    const { config, prodCluster } = configWith(5, 5);
    expect(helmBuildTimeoutMinutes(config, undefined, deployBuildTimeoutMinutes, 30)).toBe(30);
    expect(helmBuildTimeoutMinutes(config, prodCluster, (m) => m + 10, 20)).toBe(20);
  });
});
