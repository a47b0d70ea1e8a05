import type { Construct } from 'constructs';
import { ApprovalStage, PromoteStage } from './approval';
import { BuildImageStage } from './build-image';
import { CoverageGateStage } from './coverage-gate';
import { DeployLockStage } from './deploy-lock';
import { HelmDeployStage } from './helm-deploy';
import { HelmRollbackStage } from './helm-rollback';
import { NotificationsStage } from './notifications';
import type { PipelineStageModule, StageContext } from './pipeline-stage';
import { PlanGuardStage } from './plan-guard';
import { RunTestsStage } from './run-tests';
import { ScanGateStage } from './scan-gate';
import { TerraformApplyStage } from './terraform-apply';
import { TerraformPlanStage } from './terraform-plan';
import { RollbackStage, VerifyDeploymentStage } from './verify-rollback';

export type { PipelineStageModule, StageContext } from './pipeline-stage';

/** The pipeline's stages: the one list, and the two the stack's run settings name per cluster. */
export interface PipelineStages {
  /**
   * Every stage, in the workflow's order. The state machine takes its substitutions, projects and
   * functions from this list, the dashboard and alarms follow it.
   */
  readonly all: readonly PipelineStageModule[];
  readonly deployLock: DeployLockStage;
  readonly helmDeploy: HelmDeployStage;
  readonly helmRollback: HelmRollbackStage;
  readonly notifications: NotificationsStage;
  readonly scanGate: ScanGateStage;
  /** Starts the pipeline's own executions: allowed once the state machine exists (`allowStartOf`). */
  readonly promote: PromoteStage;
}

/**
 * Creates every stage in `scope` (the stack). To add a stage: create it here, after the stages it
 * needs, and put it in `all` where the workflow runs it.
 */
export function createPipelineStages(scope: Construct, ctx: StageContext): PipelineStages {
  const runTests = new RunTestsStage(scope, ctx);
  const coverageGate = new CoverageGateStage(scope, ctx, runTests);
  const helmDeploy = new HelmDeployStage(scope, ctx);
  const helmRollback = new HelmRollbackStage(scope, ctx, helmDeploy);
  const terraformApply = new TerraformApplyStage(scope, ctx, helmDeploy.role);
  const terraformPlan = new TerraformPlanStage(scope, ctx, terraformApply);
  const planGuard = new PlanGuardStage(scope, ctx);
  const buildImage = new BuildImageStage(scope, ctx);
  const scanGate = new ScanGateStage(scope, ctx);
  const notifications = new NotificationsStage(scope, ctx);
  const deployLock = new DeployLockStage(scope, ctx);
  const approval = new ApprovalStage(scope, ctx, deployLock);
  const verifyDeployment = new VerifyDeploymentStage(scope, ctx);
  const rollback = new RollbackStage(scope, ctx);
  const promote = new PromoteStage(scope, ctx);
  return {
    all: [
      deployLock,
      runTests,
      coverageGate,
      terraformPlan,
      planGuard,
      buildImage,
      approval,
      scanGate,
      terraformApply,
      helmDeploy,
      verifyDeployment,
      rollback,
      helmRollback,
      notifications,
      promote,
    ],
    deployLock,
    helmDeploy,
    helmRollback,
    notifications,
    scanGate,
    promote,
  };
}
