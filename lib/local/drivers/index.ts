import type { BuildStageName } from '../../contracts/stage-outputs';
import type { StageDriver } from '../stage-driver';
import { BuildImageDriver } from './build-image';
import { HelmDeployDriver } from './helm-deploy';
import { HelmRollbackDriver } from './helm-rollback';
import { RunTestsDriver } from './run-tests';
import { TerraformApplyDriver } from './terraform-apply';
import { TerraformPlanDriver } from './terraform-plan';

export {
  BuildImageDriver,
  HelmDeployDriver,
  HelmRollbackDriver,
  RunTestsDriver,
  TerraformApplyDriver,
  TerraformPlanDriver,
};

/** What the local drivers need to know about the run. */
export interface LocalDriverOptions {
  /**
   * The run's AWS endpoint (moto_server, `deployctl local --aws-endpoint`): with it, and with
   * `terraform` and `moto_server` installed, TerraformPlan and TerraformApply run for real.
   * @default `AWS_ENDPOINT_URL` of this process
   */
  readonly awsEndpoint?: string;
}

/**
 * One driver per CodeBuild stage, each running the stage's own script (`lib/stages/scripts/`) where
 * its tool runs on this machine and simulating it otherwise; `detect()` tells which, and why.
 */
export function realDrivers(options: LocalDriverOptions = {}): { readonly [S in BuildStageName]: StageDriver<S> } {
  return {
    RunTests: new RunTestsDriver(),
    TerraformPlan: new TerraformPlanDriver(options),
    BuildImage: new BuildImageDriver(options),
    TerraformApply: new TerraformApplyDriver(options),
    HelmDeploy: new HelmDeployDriver(),
    HelmRollback: new HelmRollbackDriver(),
  };
}
