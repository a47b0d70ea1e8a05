import type { EnvironmentConfig, ServiceConfig } from './contracts/pipeline-config';
import type { RunSettings } from './contracts/run-settings';

export interface RunSettingsContext {
  readonly account: string;
  readonly region: string;
  readonly urlSuffix: string;
  readonly deployProject: string;
  readonly rollbackProject: string;
}

/** The run settings of one service in one environment, as the stack stores them (see `RunSettings`). */
export function runSettingsFor(service: ServiceConfig, env: EnvironmentConfig, ctx: RunSettingsContext): RunSettings {
  const source =
    service.repository.provider === 'github'
      ? { sourceType: 'GITHUB' as const, sourceLocation: `https://github.com/${service.repository.name}.git` }
      : {
          sourceType: 'CODECOMMIT' as const,
          sourceLocation: `https://git-codecommit.${ctx.region}.${ctx.urlSuffix}/v1/repos/${service.repository.name}`,
        };
  return {
    ...source,
    appPath: service.appPath,
    terraformDir: env.terraformDir,
    terraformStateKey: `${service.name}/${env.name}/infra.tfstate`,
    chart: service.helm.chart,
    release: service.helm.release,
    namespace: service.helm.namespace,
    valuesFile: env.helmValuesFile ?? '',
    eksCluster: env.eksCluster,
    ecrRepositoryUri: `${ctx.account}.dkr.ecr.${ctx.region}.${ctx.urlSuffix}/${service.ecrRepository}`,
    coveragePolicy: env.coverage,
    deployProject: ctx.deployProject,
    rollbackProject: ctx.rollbackProject,
  };
}
