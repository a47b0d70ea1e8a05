import type { CoveragePolicy, EnvironmentConfig, ServiceConfig } from './config/pipeline-config';

/**
 * What one run of a service in an environment needs to know beyond its execution input. The stack
 * stores one JSON document per service and environment in SSM Parameter Store; the workflow's
 * `LoadRunSettings` state reads it, so the state machine stays the same for every service.
 */
export interface RunSettings {
  readonly sourceType: 'GITHUB' | 'CODECOMMIT';
  readonly sourceLocation: string;
  readonly appPath: string;
  readonly terraformDir: string;
  readonly terraformStateKey: string;
  readonly chart: string;
  readonly release: string;
  readonly namespace: string;
  readonly valuesFile: string;
  readonly eksCluster: string;
  readonly ecrRepositoryUri: string;
  /** The environment's coverage policy, passed to the coverage gate. */
  readonly coveragePolicy: CoveragePolicy;
  /** The CodeBuild projects that deploy to and roll back this environment's cluster. */
  readonly deployProject: string;
  readonly rollbackProject: string;
}

export interface RunSettingsContext {
  readonly account: string;
  readonly region: string;
  readonly urlSuffix: string;
  readonly deployProject: string;
  readonly rollbackProject: string;
}

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

/** Parameter name of one service and environment's settings, under the stack's prefix. */
export function runSettingsParameterName(prefix: string, service: string, environment: string): string {
  return `${prefix}/${service}/${environment}`;
}
