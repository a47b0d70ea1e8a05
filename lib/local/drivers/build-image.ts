import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseStageOutputs, type StageOutputs } from '../../contracts/stage-outputs';
import { buildspecVariables } from '../../stages/stage-scripts';
import { buildContextDigest } from '../build-context-digest';
import { onPath, runStageScript } from '../run-stage-script';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from '../stage-driver';
import { awsEndpoint } from '../terraform-against-moto';

/** How long `docker info` may take to find an engine before there is taken to be none. */
const ENGINE_PROBE_TIMEOUT_MS = 10_000;

/**
 * BuildImage on this machine. Real only where a Docker-compatible engine answers (the client alone
 * is not enough: `docker info` must reach an engine) and the run talks to AWS itself, not to an
 * emulator (moto_server's ECR cannot receive an image push): then `lib/stages/scripts/build-image.sh`
 * builds and pushes as in CodeBuild. Simulated elsewhere: no image is built; IMAGE_DIGEST is
 * {@link buildContextDigest} of the build context (APP_PATH), so the same tree gives the same
 * digest and any change to what `docker build` would read gives another.
 *
 * Scenario keys read:
 * - `outcome: 'fail'`: the build fails;
 * - `repository: 'missing'`: the ECR repository does not exist yet (a first push): with
 *   ON_MISSING_REPOSITORY=defer the build succeeds with IMAGE_DEFERRED=true alone, with `fail` (the
 *   default) it fails naming the repository, as build-image.sh does.
 */
export class BuildImageDriver implements StageDriver<'BuildImage'> {
  readonly stage = 'BuildImage';

  constructor(private readonly options: { readonly awsEndpoint?: string } = {}) {}

  async detect(): Promise<StageMode> {
    if (!onPath('docker')) return { mode: 'simulated', reason: 'no Docker: docker is not installed' };
    const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      encoding: 'utf8',
      timeout: ENGINE_PROBE_TIMEOUT_MS,
    });
    if (info.status !== 0 || info.stdout.trim() === '') {
      return {
        mode: 'simulated',
        reason: 'no Docker engine: the docker client is installed, but `docker info` reaches no engine',
      };
    }
    const endpoint = awsEndpoint(this.options.awsEndpoint);
    if (endpoint !== undefined) {
      return {
        mode: 'simulated',
        reason: `Docker ${info.stdout.trim()} is here, but ECR at ${endpoint} (an emulator) cannot receive image pushes`,
      };
    }
    return { mode: 'real', reason: `docker buildx with Docker ${info.stdout.trim()}, pushing to ECR` };
  }

  async run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<'BuildImage'>> {
    if (ctx.scenario.outcome === 'fail')
      throw new LocalBuildFailed('FAILED', 'BuildImage: the image build failed (scenario)');
    if (ctx.scenario.repository === 'missing') {
      const repository = ctx.environment.ECR_REPOSITORY_URI ?? ctx.settings.ecrRepositoryUri;
      if ((ctx.environment.ON_MISSING_REPOSITORY ?? 'fail') === 'defer') {
        ctx.log(`scenario: ECR repository ${repository} does not exist yet: building after TerraformApply creates it`);
        return parseStageOutputs('BuildImage', { IMAGE_DEFERRED: 'true' });
      }
      throw new LocalBuildFailed(
        'FAILED',
        `BuildImage: ECR repository ${repository} does not exist: the environment's Terraform creates it (module ecr); apply it first`,
      );
    }
    if (mode.mode === 'real') {
      const { outputs } = await runStageScript('BuildImage', ctx, {
        cwd: ctx.sourceDir,
        defaults: buildspecVariables('build-image'),
      });
      return parseStageOutputs('BuildImage', outputs);
    }
    const appPath = ctx.environment.APP_PATH ?? ctx.settings.appPath;
    const repository = ctx.environment.ECR_REPOSITORY_URI ?? ctx.settings.ecrRepositoryUri;
    const commit = ctx.environment.COMMIT ?? ctx.input.source.commit;
    let digest: string;
    try {
      digest = buildContextDigest(join(ctx.sourceDir, appPath));
    } catch (error) {
      throw new LocalBuildFailed('FAILED', `BuildImage: ${(error as Error).message}`);
    }
    ctx.log(`simulated (${mode.reason}): ${repository}:${commit} with the build context's content digest ${digest}`);
    return parseStageOutputs('BuildImage', { IMAGE_URI: `${repository}@${digest}`, IMAGE_DIGEST: digest });
  }
}
