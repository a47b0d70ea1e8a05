import { Aws, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BuildStage } from '../constructs/build-stage';
import { ecrRepositoryName } from '../contracts/pipeline-config';
import { STAGE_EXPORTS } from '../contracts/stage-outputs';
import { acknowledgeFindings } from '../nag/acknowledge';
import { buildSubstitutions, grantSourcePull, type PipelineStageModule, type StageContext } from './pipeline-stage';
import { attachStageScripts } from './stage-scripts-source';

/**
 * BuildImage (CodeBuild, `lib/buildspecs/build-image.yml` calling `lib/stages/scripts/build-image.sh`): builds a service image with Docker
 * BuildKit and pushes `<repository>:<commit>` to the service's ECR repository.
 */
export class BuildImageStage implements PipelineStageModule {
  readonly stateName = 'BuildImage';
  readonly outputs = STAGE_EXPORTS.BuildImage;
  readonly build: BuildStage;
  readonly invokedFunctions: readonly lambda.IFunction[] = [];

  constructor(scope: Construct, ctx: StageContext) {
    this.build = new BuildStage(scope, 'BuildImage', {
      encryptionKey: ctx.encryptionKey,
      logRetention: ctx.logRetention,
      buildspec: 'build-image',
      description: 'Builds a service image and pushes <repository>:<commit> to ECR',
      environment: { ARTIFACTS_BUCKET: ctx.artifactsBucket.bucketName },
      privileged: true,
      compute: ctx.config.build.compute.BuildImage,
      // Docker layers kept on the build host between builds that land on it (best effort: a host is
      // reused only while builds keep coming), beside the registry cache the build script reads from ECR
      // (https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching-local.html).
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.DOCKER_LAYER, codebuild.LocalCacheMode.SOURCE),
    });
    attachStageScripts([this.build]);
    Validations.of(this.build).acknowledge({
      id: 'AwsSolutions-CB3',
      reason: 'Building container images with Docker BuildKit needs privileged mode.',
    });

    const repositories = [
      ...new Set(ctx.config.services.flatMap((svc) => svc.environments.map((env) => ecrRepositoryName(svc, env)))),
    ].map((name) => `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/${name}`);
    this.build.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        resources: repositories,
      }),
    );
    // GetAuthorizationToken has no resource-level form.
    this.build.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    grantSourcePull(ctx.config, this.build.role);
    acknowledgeFindings(
      this.build.project,
      'AwsSolutions-IAM5',
      ['Resource::*'],
      'ecr:GetAuthorizationToken has no resource-level form; pushes are limited to the configured repositories.',
    );
  }

  get startedProjects(): readonly codebuild.IProject[] {
    return [this.build.project];
  }

  substitutions(): Record<string, string> {
    return buildSubstitutions(this.stateName, this.build);
  }
}
