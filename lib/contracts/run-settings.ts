import * as z from 'zod';
import { runDeploySettingsSchema } from './deploy-settings';
import { coveragePolicySchema } from './pipeline-config';
import { scanPolicySchema, scanTypeSchema } from './scan-policy';

/**
 * What one run of a service in an environment needs to know beyond its execution input. The stack
 * stores one JSON document per service and environment in SSM Parameter Store; the workflow's
 * `LoadRunSettings` state reads it, so the state machine stays the same for every service.
 */
export const runSettingsSchema = z.strictObject({
  /** CodeBuild source type of the service's repository (`GITHUB_ENTERPRISE` for any GitHub host but github.com). */
  sourceType: z.enum(['GITHUB', 'GITHUB_ENTERPRISE', 'CODECOMMIT']),
  /** HTTPS clone URL on the repository's own host. */
  sourceLocation: z.string().min(1),
  appPath: z.string().min(1),
  terraformDir: z.string().min(1),
  terraformStateKey: z.string().min(1),
  chart: z.string().min(1),
  release: z.string().min(1),
  namespace: z.string().min(1),
  /** Helm values file relative to the chart; empty = the chart's defaults only. */
  valuesFile: z.string(),
  eksCluster: z.string().min(1),
  ecrRepositoryUri: z.string().min(1),
  /** The environment's coverage policy, passed to the coverage gate. */
  coveragePolicy: coveragePolicySchema,
  /** The environment's image scan policy, passed to `WaitForScan` and `PollScan` (docs/scan-gate.md). */
  scanPolicy: scanPolicySchema,
  /** The registry's scanning: `basic` (scan on push) or `enhanced` (Amazon Inspector); the installation's `scanType`. */
  scanType: scanTypeSchema,
  /** The CodeBuild projects that deploy to and roll back this environment's cluster. */
  deployProject: z.string().min(1),
  rollbackProject: z.string().min(1),
  /**
   * The environment's deploy settings (`deploySettingsOf` then `runDeploySettingsOf`): Helm timeout
   * (minutes), bake (seconds, `WaitBake`'s `SecondsPath`), alarms and `/version` URL for `VerifyDeployment`.
   */
  deploy: runDeploySettingsSchema,
});

export type RunSettings = z.infer<typeof runSettingsSchema>;

/** Parameter name of one service and environment's settings, under the stack's prefix. */
export function runSettingsParameterName(prefix: string, service: string, environment: string): string {
  return `${prefix}/${service}/${environment}`;
}
