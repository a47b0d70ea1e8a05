import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BuildStage } from '../constructs/build-stage';
import { STAGE_EXPORTS } from '../contracts/stage-outputs';
import { acknowledgeFindings } from '../nag/acknowledge';
import {
  buildSubstitutions,
  grantSourcePull,
  type PipelineStageModule,
  runArtifactsFinding,
  SCOPED_OBJECT_GRANTS_REASON,
  type StageContext,
} from './pipeline-stage';
import { RUN_TESTS_PROJECT_ENVIRONMENT } from './stage-scripts';
import { attachStageScripts } from './stage-scripts-source';

/** npm's cache directory on the CodeBuild standard image (builds run as root), as a cache path. */
export const NPM_CACHE_PATH = '/root/.npm/**/*';

/**
 * RunTests (CodeBuild, `lib/buildspecs/run-tests.yml` calling `lib/stages/scripts/run-tests.sh`): runs a service's tests with coverage,
 * uploads the Cobertura report and the push's changed lines under `runs/`, and publishes the
 * report to a CodeBuild coverage report group.
 */
export class RunTestsStage implements PipelineStageModule {
  readonly stateName = 'RunTests';
  readonly outputs = STAGE_EXPORTS.RunTests;
  readonly build: BuildStage;
  /** The coverage report group's name; the coverage gate may read reports of groups with this prefix. */
  readonly coverageReportGroupName: string;
  readonly invokedFunctions: readonly lambda.IFunction[] = [];

  constructor(scope: Construct, ctx: StageContext) {
    this.coverageReportGroupName = `${Stack.of(scope).stackName}-coverage`;
    const coverageReports = new codebuild.ReportGroup(scope, 'CoverageReports', {
      reportGroupName: this.coverageReportGroupName,
      type: codebuild.ReportGroupType.CODE_COVERAGE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.build = new BuildStage(scope, 'RunTests', {
      encryptionKey: ctx.encryptionKey,
      logRetention: ctx.logRetention,
      buildspec: 'run-tests',
      description: 'Runs a service’s tests with coverage',
      compute: ctx.config.build.compute.RunTests,
      // npm's download cache kept on the build host between builds (the buildspec's `cache.paths`,
      // LOCAL_CUSTOM_CACHE, https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching-local.html).
      // Not an S3 cache: its grant would cover the whole artifacts bucket, and a test build runs the
      // service's own code, which must not reach other runs' plans.
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
      environment: {
        ARTIFACTS_BUCKET: ctx.artifactsBucket.bucketName,
        ...RUN_TESTS_PROJECT_ENVIRONMENT,
      },
      // The buildspec names its report group by ARN, known only at deploy time.
      transformBuildspec: (spec) => {
        const { coverage, ...rest } = spec.reports as Record<string, unknown>;
        return {
          ...spec,
          reports: { ...rest, [coverageReports.reportGroupArn]: coverage },
          cache: { paths: [NPM_CACHE_PATH] },
        };
      },
    });
    attachStageScripts([this.build]);
    coverageReports.grantWrite(this.build.project);
    ctx.artifactsBucket.grantPut(this.build.project, 'runs/*');
    grantSourcePull(ctx.config, this.build.role);
    acknowledgeFindings(
      this.build.project,
      'AwsSolutions-IAM5',
      [runArtifactsFinding(ctx.artifactsBucket), 'Action::s3:Abort*'],
      SCOPED_OBJECT_GRANTS_REASON,
    );
  }

  get startedProjects(): readonly codebuild.IProject[] {
    return [this.build.project];
  }

  substitutions(): Record<string, string> {
    return buildSubstitutions(this.stateName, this.build);
  }
}
