import { validateConfig } from '../../lib/config/load-config';
import type { PipelineConfig, PipelineConfigInput } from '../../lib/contracts/pipeline-config';

export const REPO = 'Codertocat/Hello-World';

/** The configuration the push-trigger tests route against. */
export const CONFIG_INPUT: PipelineConfigInput = {
  services: [
    {
      name: 'hello',
      repository: { provider: 'github', name: REPO },
      helm: { chart: 'app/chart', release: 'hello', namespace: 'hello' },
      ecrRepository: 'hello',
      environments: [
        { name: 'dev', branch: 'master', eksCluster: 'dev', terraformDir: 'terraform/environments/dev' },
        { name: 'prod', branch: 'master', eksCluster: 'prod', terraformDir: 'terraform/environments/prod' },
        { name: 'preview', branch: 'feature/x', eksCluster: 'dev', terraformDir: 'terraform/environments/dev' },
      ],
    },
    {
      name: 'docs-site',
      repository: { provider: 'github', name: 'codertocat/hello-world' },
      paths: { app: ['docs/**'], infra: ['docs-infra/**'], both: [] },
      helm: { chart: 'docs/chart', release: 'docs', namespace: 'docs' },
      ecrRepository: 'docs',
      environments: [{ name: 'dev', branch: 'master', eksCluster: 'dev', terraformDir: 'docs-infra/dev' }],
    },
    {
      name: 'billing',
      repository: { provider: 'codecommit', name: 'billing-repo' },
      helm: { chart: 'app/chart', release: 'billing', namespace: 'billing' },
      ecrRepository: 'billing',
      environments: [{ name: 'dev', branch: 'main', eksCluster: 'dev', terraformDir: 'terraform/environments/dev' }],
    },
  ],
};

export const CONFIG: PipelineConfig = validateConfig(CONFIG_INPUT, 'test');
