import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { validateConfig } from '../../lib/config/load-config';
import { BUILD_STAGE_NAMES } from '../../lib/contracts/stage-outputs';
import { createPipelineStages } from '../../lib/stages';
import { STAGE_SCRIPTS, STAGE_SCRIPTS_DIR, STAGE_SCRIPTS_SOURCE_ID } from '../../lib/stages/stage-scripts';
import { stageScriptsAsset } from '../../lib/stages/stage-scripts-source';
import { BUILDSPEC_DIR, readBuildspec } from './run-buildspec';

type Resource = { Type: string; Properties: Record<string, any> };

/** The stages alone in a stack, with prod's cluster reached from inside its VPC (two more projects). */
function synthStages() {
  const config = JSON.parse(JSON.stringify(DEFAULT_CONFIG));
  config.services[0].environments[1].deployNetwork = {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0123456789abcdef0'],
    securityGroupIds: ['sg-0123456789abcdef0'],
  };
  const stack = new Stack(new App(), 'DeployPipeline');
  const stages = createPipelineStages(stack, {
    config: validateConfig(config),
    encryptionKey: new kms.Key(stack, 'Key'),
    logRetention: logs.RetentionDays.ONE_MONTH,
    artifactsBucket: new s3.Bucket(stack, 'Artifacts'),
    topic: new sns.Topic(stack, 'Events'),
    runTimeoutSeconds: 10_800,
  });
  return { stack, stages, template: Template.fromStack(stack) };
}

const { stack, stages, template } = synthStages();
const resources = template.toJSON().Resources as Record<string, Resource>;
const projects = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CodeBuild::Project');
const asset = stageScriptsAsset(stack);
const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));

describe('how the stage scripts reach CodeBuild (cdk assertions)', () => {
  test('every stage project, in-VPC ones included, has lib/stages/scripts as its one secondary source', () => {
    expect(projects.map(([, p]) => p.Properties.Name).sort()).toEqual([
      'DeployPipeline-build-image',
      'DeployPipeline-helm-deploy',
      'DeployPipeline-helm-deploy-deploy-prod',
      'DeployPipeline-helm-rollback',
      'DeployPipeline-helm-rollback-deploy-prod',
      'DeployPipeline-run-tests',
      'DeployPipeline-terraform-apply',
      'DeployPipeline-terraform-plan',
    ]);
    expect(asset.isZipArchive).toBe(true);
    // One asset for the whole stack, whatever the number of projects.
    expect(stack.node.children.filter((c) => c.node.id === 'StageScripts')).toHaveLength(1);
    for (const [, project] of projects) {
      // The primary source stays NO_SOURCE: every run overrides it with the service's repository.
      expect(project.Properties.Source.Type).toBe('NO_SOURCE');
      expect(project.Properties.SecondarySources).toHaveLength(1);
      const [source] = project.Properties.SecondarySources;
      expect(source).toMatchObject({ Type: 'S3', SourceIdentifier: STAGE_SCRIPTS_SOURCE_ID });
      expect(JSON.stringify(source.Location)).toContain(`${asset.assetHash}.zip`);
      expect(JSON.stringify(source.Location)).toContain(resolve(asset.s3BucketName).replace(/^"|"$/g, ''));
    }
  });

  test('each project role may read the scripts object, and nothing else of the assets bucket', () => {
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .map((r) => [r.Properties.Roles, r.Properties.PolicyDocument.Statement] as const);
    const roles = new Set(projects.map(([, p]) => JSON.stringify(p.Properties.ServiceRole)));
    // Rollbacks and in-VPC deploys act as the deploy identity: five roles for eight projects.
    expect(roles.size).toBe(5);
    const object = resolve(stack.resolve(`${asset.bucket.bucketArn}/${asset.s3ObjectKey}`)).replace(/^"|"$/g, '');
    for (const role of roles) {
      const roleId = JSON.parse(role)['Fn::GetAtt'][0];
      const reads = statements
        .filter(([policyRoles]) => policyRoles.some((r: any) => r.Ref === roleId))
        .flatMap(([, s]) => s)
        .filter((s: any) => JSON.stringify(s.Resource).includes(asset.assetHash));
      expect(reads).toHaveLength(1);
      expect([...reads[0].Action].sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
      expect(JSON.stringify(reads[0].Resource)).toContain(object.slice(object.lastIndexOf('/')));
      // The bucket itself (for List) and the one object: never the bucket's whole content.
      expect(JSON.stringify(reads[0].Resource)).not.toContain('/*');
    }
  });

  test.each(BUILD_STAGE_NAMES)(
    'the %s buildspec only calls its script from the secondary source, from the checkout root',
    (stage) => {
      const name = STAGE_SCRIPTS[stage].replace(/\.sh$/, '');
      const spec = readBuildspec(name);
      const scripts = `"$CODEBUILD_SRC_DIR_${STAGE_SCRIPTS_SOURCE_ID}`;
      const commands = Object.values(spec.phases).flatMap((p) => p.commands ?? []);
      // Besides the stage script: pinned tools, the outputs file and the export of its lines, nothing.
      const allowed = [
        `cd "$CODEBUILD_SRC_DIR" && bash ${scripts}/${STAGE_SCRIPTS[stage]}"`,
        /^bash "\$CODEBUILD_SRC_DIR_stage_scripts\/install-tools\.sh" (terraform|helm|helm kubectl)$/,
        'export STAGE_OUTPUT_FILE="$(mktemp)"',
        `while IFS='=' read -r name value; do export "$name=$value"; done < "$STAGE_OUTPUT_FILE"`,
      ];
      for (const command of commands) {
        expect(allowed.some((a) => (typeof a === 'string' ? a === command : a.test(command)))).toBe(true);
      }
      expect(commands.filter((c) => c === allowed[0])).toHaveLength(1);
      // A stage with outputs records them to a file and exports them for `exported-variables`.
      if ((spec.env?.['exported-variables'] ?? []).length > 0) {
        expect(commands.slice(-3)).toEqual([allowed[2], allowed[0], allowed[3]]);
      }
    },
  );

  test('the buildspecs that reach the state machine definition stay small (scripts are not inlined)', () => {
    for (const stage of stages.all) {
      if (stage.build === undefined) continue;
      // Each is a BuildspecOverride inside the definition (1 MB in all) and on the project.
      expect({ stage: stage.stateName, bytes: stage.build.buildspecJson.length < 1500 }).toEqual({
        stage: stage.stateName,
        bytes: true,
      });
    }
  });
});

describe('lib/stages/scripts', () => {
  const all = readdirSync(STAGE_SCRIPTS_DIR);
  const files = all.filter((file) => file.endsWith('.sh'));

  test('holds one script per CodeBuild stage, the tool installer, the shared helpers and the deploy-values filter, nothing else', () => {
    expect(all.sort()).toEqual(
      [...Object.values(STAGE_SCRIPTS), 'common.sh', 'install-tools.sh', 'deploy-values.jq'].sort(),
    );
    expect(readdirSync(BUILDSPEC_DIR).sort()).toEqual(
      Object.values(STAGE_SCRIPTS)
        .map((s) => s.replace(/\.sh$/, '.yml'))
        .sort(),
    );
  });

  test.each(files)('%s is valid bash and stops at the first failure', (file) => {
    const text = readFileSync(join(STAGE_SCRIPTS_DIR, file), 'utf8');
    const syntax = spawnSync('bash', ['-n', join(STAGE_SCRIPTS_DIR, file)], { encoding: 'utf8' });
    expect({ status: syntax.status, stderr: syntax.stderr }).toEqual({ status: 0, stderr: '' });
    if (file !== 'common.sh') {
      expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(text).toContain('\nset -euo pipefail\n');
    }
  });

  test('no script pipes a download into a shell, and every download is checked before use', () => {
    for (const file of files) {
      const text = readFileSync(join(STAGE_SCRIPTS_DIR, file), 'utf8');
      expect(text).not.toMatch(/(curl|wget)[^|\n]*\|\s*(sudo\s+)?(ba)?sh\b/);
      if (/\bcurl\b/.test(text)) expect(text).toMatch(/sha256sum -c/);
      if (/npm pack/.test(text)) expect(text).toMatch(/\[ "\$GOT" = "\$KUBECTL_LAYER_INTEGRITY" \]/);
    }
  });
});
