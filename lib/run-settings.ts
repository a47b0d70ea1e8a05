import { deploySettingsOf, runDeploySettingsOf } from './contracts/deploy-settings';
import {
  type EnvironmentConfig,
  ecrRepositoryName,
  gitHubHostKind,
  type ServiceConfig,
} from './contracts/pipeline-config';
import type { RunSettings } from './contracts/run-settings';
import type { ScanType } from './contracts/scan-policy';

export interface RunSettingsContext {
  readonly account: string;
  readonly region: string;
  readonly urlSuffix: string;
  readonly deployProject: string;
  readonly rollbackProject: string;
  /** The installation's ECR scanning (`PipelineConfig.scanType`). */
  readonly scanType: ScanType;
}

/**
 * Where CodeBuild fetches a service's source from: `sourceType` and `sourceLocation` become the
 * `SourceTypeOverride` and `SourceLocationOverride` of every build of a run (StartBuild: "A source input
 * type, for this build, that overrides the source input defined in the build project"; "A location that
 * overrides, for this build, the source location for the one defined in the build project",
 * docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html).
 *
 * - GitHub.com: type `GITHUB`, the HTTPS clone URL `https://github.com/<owner>/<repo>.git`.
 * - Any other GitHub host: type `GITHUB_ENTERPRISE` ("The source code is in a GitHub Enterprise Server
 *   repository", docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html), the HTTPS clone
 *   URL on that host. `GITHUB` is for GitHub.com only, so a GHE.com data-residency host takes the same
 *   type; AWS documents it for GitHub Enterprise Server (see docs/push-trigger.md).
 * - CodeCommit: type `CODECOMMIT`, `https://git-codecommit.<region>.<suffix>/v1/repos/<name>`.
 */
export function sourceOf(
  service: ServiceConfig,
  ctx: Pick<RunSettingsContext, 'region' | 'urlSuffix'>,
): Pick<RunSettings, 'sourceType' | 'sourceLocation'> {
  const { repository } = service;
  if (repository.provider === 'codecommit') {
    return {
      sourceType: 'CODECOMMIT',
      sourceLocation: `https://git-codecommit.${ctx.region}.${ctx.urlSuffix}/v1/repos/${repository.name}`,
    };
  }
  return {
    sourceType: gitHubHostKind(repository.host) === 'github.com' ? 'GITHUB' : 'GITHUB_ENTERPRISE',
    sourceLocation: `https://${repository.host}/${repository.name}.git`,
  };
}

/** The run settings of one service in one environment, as the stack stores them (see `RunSettings`). */
export function runSettingsFor(service: ServiceConfig, env: EnvironmentConfig, ctx: RunSettingsContext): RunSettings {
  return {
    ...sourceOf(service, ctx),
    appPath: service.appPath,
    terraformDir: env.terraformDir,
    terraformStateKey: `${service.name}/${env.name}/infra.tfstate`,
    chart: service.helm.chart,
    release: service.helm.release,
    namespace: service.helm.namespace,
    valuesFile: env.helmValuesFile ?? '',
    eksCluster: env.eksCluster,
    ecrRepositoryUri: `${ctx.account}.dkr.ecr.${ctx.region}.${ctx.urlSuffix}/${ecrRepositoryName(service, env)}`,
    coveragePolicy: env.coverage,
    scanPolicy: env.scan,
    scanType: ctx.scanType,
    deployProject: ctx.deployProject,
    rollbackProject: ctx.rollbackProject,
    deploy: runDeploySettingsOf(deploySettingsOf(env)),
  };
}
