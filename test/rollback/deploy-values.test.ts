import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeployInputs,
  deployInputsFromTerraform,
  deployInputsJqFilter,
  deployInputsSchema,
  escapeHelmSetValue,
  TerraformOutputsInvalid,
} from '../../lib/contracts/deploy-values';
import { describeWithTools } from '../support/real-tool';

const REPO = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'dev-terraform-output.json');

/**
 * What `module.environment` hands the dev root, as `terraform apply` of environments/dev makes it
 * (names from the modules: `<project>-<environment>`, the rds module's address, the cloudwatch
 * module's alarm names). Every output of `terraform/environments/dev/outputs.tf` reads one of these.
 */
const ENVIRONMENT_LOCALS = `
locals {
  env = {
    region             = "eu-west-1"
    vpc_id             = "vpc-0a1b2c3d4e5f60718"
    cluster_name       = "deploy-dev"
    deploy_network = {
      vpcId            = "vpc-0a1b2c3d4e5f60718"
      subnetIds        = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
      securityGroupIds = ["sg-0a1b2c3d4e5f60003"]
    }
    cluster_endpoint          = "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
    oidc_provider_arn         = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
    ecr_repository_names      = { "sample-service" = "sample-service-dev" }
    ecr_repository_urls       = { "sample-service-dev" = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample-service-dev" }
    db_address                = "deploy-dev.c9akciq32.eu-west-1.rds.amazonaws.com"
    db_master_user_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"
    github_deploy_role_arn    = "arn:aws:iam::123456789012:role/deploy-dev-github-deploy"
    alarm_names = {
      node_cpu        = "deploy-dev-node-cpu-high"
      rds_cpu         = "deploy-dev-rds-cpu-high"
      rds_storage     = "deploy-dev-rds-free-storage-low"
      rds_connections = "deploy-dev-rds-connections-high"
    }
    composite_alarm_name        = null
    dashboard_name              = "deploy-dev"
    kubernetes_version          = "1.33"
    cluster_autoscaler_manifest = "apiVersion: v1\\nkind: ServiceAccount\\nmetadata:\\n  name: cluster-autoscaler\\n  namespace: kube-system\\n"
  }
}
`;

/** What the mapping must make of the dev root's outputs. */
const EXPECTED: DeployInputs = {
  cluster: 'deploy-dev',
  region: 'eu-west-1',
  deployNetwork: {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    subnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    securityGroupIds: ['sg-0a1b2c3d4e5f60003'],
  },
  helmSet: ['--set-string', 'database.host=deploy-dev.c9akciq32.eu-west-1.rds.amazonaws.com'],
};

const fixture = () =>
  JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, { sensitive: boolean; value: unknown }>;

function jq(filter: string, input: unknown): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('jq', ['-c', filter], { input: JSON.stringify(input), encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('deployInputsFromTerraform: terraform output -json of an environment root -> what HelmDeploy needs', () => {
  test('the dev root: cluster, Region, deploy network and the database host as --set-string', () => {
    const inputs = deployInputsFromTerraform(fixture());
    expect(inputs).toEqual(EXPECTED);
    expect(deployInputsSchema.parse(inputs)).toEqual(inputs);
    // Small enough for an SSM String parameter of the standard tier (4 KB).
    expect(Buffer.byteLength(JSON.stringify(inputs))).toBeLessThan(4_096);
  });

  test('a root that also declares db_port and db_name: --set for the port (a number), --set-string for the name', () => {
    const outputs = {
      ...fixture(),
      db_port: { sensitive: false, type: 'number', value: 5433 },
      db_name: { sensitive: false, type: 'string', value: 'orders' },
    };
    expect(deployInputsFromTerraform(outputs).helmSet).toEqual([
      '--set-string',
      'database.host=deploy-dev.c9akciq32.eu-west-1.rds.amazonaws.com',
      '--set',
      'database.port=5433',
      '--set-string',
      'database.name=orders',
    ]);
  });

  test('a root without deploy_network or region (public endpoint): only what is there', () => {
    const { deploy_network: _n, region: _r, ...rest } = fixture();
    expect(deployInputsFromTerraform(rest)).toEqual({ cluster: 'deploy-dev', helmSet: EXPECTED.helmSet });
  });

  test.each([
    ['no db_address', (o: Record<string, unknown>) => delete o.db_address, 'output "db_address" is missing (or null)'],
    [
      'no cluster_name',
      (o: Record<string, unknown>) => delete o.cluster_name,
      'output "cluster_name" is missing (or null)',
    ],
    [
      'a sensitive db_address',
      (o: Record<string, { sensitive: boolean }>) => {
        (o.db_address as { sensitive: boolean }).sensitive = true;
      },
      'output "db_address" is sensitive: it would be stored in plain text',
    ],
    [
      'a db_address that is no host name',
      (o: Record<string, { value: unknown }>) => {
        (o.db_address as { value: unknown }).value = 'postgres://deploy-dev:5432';
      },
      `db_address must be a host name (the chart's database.host pattern), got "postgres://deploy-dev:5432"`,
    ],
    [
      'a deploy_network that is not a network',
      (o: Record<string, { value: unknown }>) => {
        (o.deploy_network as { value: unknown }).value = {
          vpcId: 'vpc-1',
          subnetIds: [],
          securityGroupIds: ['sg-0a1b2c3d4e5f60003'],
        };
      },
      'output "deploy_network" vpcId: must be a VPC id (vpc-...)',
    ],
  ])('%s: refused, naming the output', (_what, change, problem) => {
    const outputs = fixture();
    change(outputs as never);
    expect(() => deployInputsFromTerraform(outputs)).toThrow(TerraformOutputsInvalid);
    expect(() => deployInputsFromTerraform(outputs)).toThrow(problem);
  });

  test('a port out of range and a document that is not terraform output -json are refused', () => {
    expect(() => deployInputsFromTerraform({ ...fixture(), db_port: { sensitive: false, value: 70000 } })).toThrow(
      'db_port must be a port number from 1 to 65535, got 70000',
    );
    expect(() => deployInputsFromTerraform({ db_address: 'x' })).toThrow(TerraformOutputsInvalid);
    expect(() => deployInputsFromTerraform([])).toThrow(TerraformOutputsInvalid);
  });

  test('values are escaped for --set: "," separates assignments and "\\" escapes', () => {
    expect(escapeHelmSetValue('a,b\\c')).toBe('a\\,b\\\\c');
    expect(escapeHelmSetValue('deploy-dev.eu-west-1.rds.amazonaws.com')).toBe('deploy-dev.eu-west-1.rds.amazonaws.com');
  });
});

describeWithTools(['terraform', 'jq'], 'the mapping against real terraform and jq', () => {
  test('the fixture is what terraform output -json prints for environments/dev/outputs.tf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-outputs-'));
    try {
      // The dev root's outputs, unchanged but for where their values come from.
      const outputs = readFileSync(join(REPO, 'terraform', 'environments', 'dev', 'outputs.tf'), 'utf8');
      expect(outputs).toContain('module.environment.');
      writeFileSync(join(dir, 'outputs.tf'), outputs.replaceAll('module.environment.', 'local.env.'));
      writeFileSync(join(dir, 'environment.tf'), ENVIRONMENT_LOCALS);
      writeFileSync(join(dir, 'terraformrc'), '');
      const env = {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        TF_IN_AUTOMATION: '1',
        TF_CLI_CONFIG_FILE: join(dir, 'terraformrc'),
      };
      const apply = spawnSync('terraform', [`-chdir=${dir}`, 'apply', '-auto-approve', '-input=false'], {
        env,
        encoding: 'utf8',
      });
      expect([apply.status, apply.stderr]).toEqual([0, '']);
      const out = spawnSync('terraform', [`-chdir=${dir}`, 'output', '-json'], { env, encoding: 'utf8' });
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual(fixture());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the jq program the build runs prints the same document as the TypeScript mapping', () => {
    const filter = deployInputsJqFilter();
    const cases = [
      fixture(),
      { ...fixture(), db_port: { sensitive: false, value: 5433 }, db_name: { sensitive: false, value: 'or,ders' } },
      (() => {
        const { deploy_network: _n, region: _r, ...rest } = fixture();
        return rest;
      })(),
    ];
    for (const outputs of cases) {
      const result = jq(filter, outputs);
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(JSON.parse(result.stdout)).toEqual(deployInputsFromTerraform(outputs));
    }
  });

  test('the jq program stops with the missing output’s name', () => {
    const { db_address: _a, ...noHost } = fixture();
    const { cluster_name: _c, ...noCluster } = fixture();
    expect(jq(deployInputsJqFilter(), noHost)).toMatchObject({
      code: 5,
      stderr: expect.stringContaining('output "db_address" is missing (or null)'),
    });
    expect(jq(deployInputsJqFilter(), noCluster)).toMatchObject({
      code: 5,
      stderr: expect.stringContaining('output "cluster_name" is missing (or null)'),
    });
  });
});
