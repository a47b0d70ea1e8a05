import type { PipelineConfigInput } from '../contracts/pipeline-config';

/**
 * The configuration `cdk synth` uses when none is given: the bundled sample service (`app/`),
 * deployed from a sample GitHub repository to `dev` on pushes to `main`, then promoted to `prod` (the
 * image dev tested, after a person approves the plan), with the default coverage policy
 * (`DEFAULT_MIN_LINE_PCT`).
 */
export const DEFAULT_CONFIG: PipelineConfigInput = {
  services: [
    {
      name: 'sample-service',
      repository: { provider: 'github', name: 'example-org/sample-service' },
      appPath: 'app',
      terraformPath: 'terraform',
      helm: { chart: 'app/chart', release: 'sample-service', namespace: 'sample-service' },
      ecrRepository: 'sample-service',
      environments: [
        {
          name: 'dev',
          branch: 'main',
          eksCluster: 'deploy-dev',
          terraformDir: 'terraform/environments/dev',
          helmValuesFile: 'values-dev.yaml',
        },
        {
          name: 'prod',
          branch: 'main',
          eksCluster: 'deploy-prod',
          terraformDir: 'terraform/environments/prod',
          helmValuesFile: 'values-prod.yaml',
          promoteFrom: 'dev',
          approval: true,
        },
      ],
    },
  ],
  logRetentionDays: 90,
};
