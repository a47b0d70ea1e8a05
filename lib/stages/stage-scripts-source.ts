import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { IConstruct } from 'constructs';
import type { BuildStage } from '../constructs/build-stage';
import { acknowledgeFindings } from '../nag/acknowledge';
import { STAGE_SCRIPTS_DIR, STAGE_SCRIPTS_SOURCE_ID } from './stage-scripts';

const ASSET_ID = 'StageScripts';

/**
 * `lib/stages/scripts/` as one zipped S3 asset per stack (CDK uploads it with the stack's other
 * assets at `cdk deploy`; its key is the content hash, so a changed script is a new object).
 */
export function stageScriptsAsset(scope: IConstruct): s3assets.Asset {
  const stack = Stack.of(scope);
  return (
    (stack.node.tryFindChild(ASSET_ID) as s3assets.Asset | undefined) ??
    new s3assets.Asset(stack, ASSET_ID, { path: STAGE_SCRIPTS_DIR })
  );
}

/**
 * Makes the stage scripts reach `builds`: the asset becomes each project's secondary source
 * `stage_scripts`, which CodeBuild downloads and unpacks beside the primary source and names in
 * `$CODEBUILD_SRC_DIR_stage_scripts` ("Multiple input sources and output artifacts sample",
 * https://docs.aws.amazon.com/codebuild/latest/userguide/sample-multi-in-out.html). Every run
 * overrides only the primary source (the service's repository and commit), so the scripts come from
 * the deployed stack, never from the service's repository: StartBuild's overrides apply to that
 * build only and what a build does not override comes from the project, here the secondary sources
 * (no `secondarySourcesOverride`; https://docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html).
 * A project without a primary source of its own may have secondary sources: aws-cdk's integration
 * test `integ.project-secondary-sources-artifacts` deploys exactly that.
 *
 * Why not inline the scripts into the buildspecs at synth: each buildspec is also a
 * `BuildspecOverride` in the state machine definition (at most 1 MB, a hard quota:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), where scripts would sit
 * JSON-escaped and unreviewable, and would be duplicated per project. As a source they stay files
 * that a reviewer reads, that `deployctl local` and GitHub Actions run as they are.
 *
 * CodeBuild reads the object with each project's role: the S3 source grants it read access to the
 * asset's object only.
 */
export function attachStageScripts(builds: readonly BuildStage[]): void {
  for (const build of builds) {
    const asset = stageScriptsAsset(build);
    build.project.addSecondarySource(
      codebuild.Source.s3({ bucket: asset.bucket, path: asset.s3ObjectKey, identifier: STAGE_SCRIPTS_SOURCE_ID }),
    );
    acknowledgeFindings(
      build.role,
      'AwsSolutions-IAM5',
      ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'],
      'CodeBuild downloads the stage scripts asset (one object of the CDK assets bucket) as a secondary source; CDK grants these read actions on that object only.',
    );
  }
}
