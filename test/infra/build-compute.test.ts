import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { BuildStage, type BuildStageProps } from '../../lib/constructs/build-stage';
import { NPM_CACHE_PATH } from '../../lib/stages/run-tests';
import { TERRAFORM_PLUGIN_CACHE_DIR } from '../../lib/stages/terraform-apply';
import { synthApp } from './synth-app';

type Resource = { Type: string; Properties: Record<string, any> };

/** Each CodeBuild project of a synthesized stack, by the stage suffix of its name (`run-tests`, ...). */
function projectsOf(template: ReturnType<typeof synthApp>['template']): Record<string, Record<string, any>> {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return Object.fromEntries(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::CodeBuild::Project')
      .map((r) => [String(r.Properties.Name).replace(/^.*?-(?=[a-z]+-[a-z])/, ''), r.Properties]),
  );
}

describe('CodeBuild compute and caches per stage (build.compute)', () => {
  const projects = projectsOf(synthApp().template);

  test('defaults: Lambda compute for the plan, EC2 where Docker, containers or long builds need it', () => {
    const envOf = (name: string) => {
      const p = projects[name];
      return [p?.Environment.Type, p?.Environment.ComputeType];
    };
    expect(envOf('terraform-plan')).toEqual(['LINUX_LAMBDA_CONTAINER', 'BUILD_LAMBDA_2GB']);
    expect(projects['terraform-plan']?.Environment.Image).toMatch(/lambda-standard:nodejs22/);
    // CodeBuild takes no timeout on Lambda compute (its own limit is 15 minutes).
    expect(projects['terraform-plan']?.TimeoutInMinutes).toBeUndefined();
    for (const name of ['run-tests', 'build-image', 'terraform-apply', 'helm-deploy', 'helm-rollback']) {
      expect([name, ...envOf(name)]).toEqual([name, 'LINUX_CONTAINER', 'BUILD_GENERAL1_SMALL']);
    }
  });

  test('npm cache (local custom cache) for the tests, local Docker layer and source cache for image builds', () => {
    expect(projects['run-tests']?.Cache).toEqual({ Type: 'LOCAL', Modes: ['LOCAL_CUSTOM_CACHE'] });
    // The buildspec is a Fn::Join (it names the report group by ARN): look for the cache part in its text.
    const parts = projects['run-tests']?.Source.BuildSpec['Fn::Join'][1] as unknown[];
    const text = parts.map((p) => (typeof p === 'string' ? p : 'ARN')).join('');
    expect(JSON.parse(text).cache).toEqual({ paths: [NPM_CACHE_PATH] });
    expect(projects['build-image']?.Cache).toEqual({
      Type: 'LOCAL',
      Modes: ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE'],
    });
    expect(projects['build-image']?.Environment.PrivilegedMode).toBe(true);
  });

  test('Terraform provider plugin cache (local custom cache) for the apply on EC2', () => {
    const apply = projects['terraform-apply'];
    expect(apply?.Cache).toEqual({ Type: 'LOCAL', Modes: ['LOCAL_CUSTOM_CACHE'] });
    expect(JSON.parse(apply?.Source.BuildSpec).cache).toEqual({ paths: [`${TERRAFORM_PLUGIN_CACHE_DIR}/**/*`] });
    expect(apply?.Environment.EnvironmentVariables).toContainEqual({
      Name: 'TF_PLUGIN_CACHE_DIR',
      Type: 'PLAINTEXT',
      Value: TERRAFORM_PLUGIN_CACHE_DIR,
    });
    // The plan runs on Lambda compute: no cache, nothing written outside /tmp.
    expect(projects['terraform-plan']?.Cache).toEqual({ Type: 'NO_CACHE' });
    expect(JSON.stringify(projects['terraform-plan']?.Environment)).not.toContain('TF_PLUGIN_CACHE_DIR');
  });

  test('a configured compute type reaches its project', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'config.json');
    const config = structuredClone(DEFAULT_CONFIG) as any;
    config.build = { compute: { RunTests: 'arm-medium', HelmRollback: 'arm-lambda-1gb', TerraformPlan: 'ec2-large' } };
    for (const env of config.services[0].environments) env.deploy = { ...env.deploy, timeoutMinutes: 2 };
    writeFileSync(file, JSON.stringify(config));
    const custom = projectsOf(synthApp({ config: file }).template);
    expect(custom['run-tests']?.Environment).toMatchObject({
      Type: 'ARM_CONTAINER',
      ComputeType: 'BUILD_GENERAL1_MEDIUM',
    });
    expect(custom['helm-rollback']?.Environment).toMatchObject({
      Type: 'ARM_LAMBDA_CONTAINER',
      ComputeType: 'BUILD_LAMBDA_1GB',
    });
    expect(custom['terraform-plan']?.Environment).toMatchObject({
      Type: 'LINUX_CONTAINER',
      ComputeType: 'BUILD_GENERAL1_LARGE',
    });
    expect(custom['terraform-plan']?.TimeoutInMinutes).toBe(30);
  });
});

describe('BuildStage on Lambda compute', () => {
  // CodeBuild User Guide, Limitations of AWS Lambda compute: no privileged mode, no VPC connectivity.
  const stageWith = (extra: Partial<BuildStageProps>) => () => {
    const stack = new Stack(new App(), 'S');
    new BuildStage(stack, 'Plan', {
      buildspec: 'terraform-plan',
      description: 'd',
      encryptionKey: new kms.Key(stack, 'Key'),
      logRetention: logs.RetentionDays.ONE_WEEK,
      compute: 'lambda-2gb',
      ...extra,
    });
  };

  test('refuses privileged mode and a VPC, naming the unsupported feature', () => {
    expect(stageWith({ privileged: true })).toThrow(
      'Plan: "lambda-2gb" is CodeBuild Lambda compute, which does not support privileged mode (Docker); choose EC2 compute',
    );
    expect(
      stageWith({
        network: {
          vpcId: 'vpc-0123456789abcdef0',
          subnetIds: ['subnet-0123456789abcdef0'],
          securityGroupIds: ['sg-0123456789abcdef0'],
        },
      }),
    ).toThrow('which does not support VPC connectivity; choose EC2 compute');
    expect(stageWith({})).not.toThrow();
  });
});
