import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PlanGuard } from '../constructs/plan-guard';
import type { PipelineStageModule, StageContext } from './pipeline-stage';

/**
 * PlanGuard (Lambda, `lambdas/plan-guard`): reads the saved plan's JSON and blocks deletion or
 * replacement of protected resource types unless approved.
 */
export class PlanGuardStage implements PipelineStageModule {
  readonly stateName = 'PlanGuard';
  readonly outputs: readonly string[] = [];
  readonly guard: PlanGuard;
  readonly startedProjects: readonly codebuild.IProject[] = [];

  constructor(scope: Construct, ctx: StageContext) {
    this.guard = new PlanGuard(scope, 'PlanGuard', {
      artifactsBucket: ctx.artifactsBucket,
      logRetention: ctx.logRetention,
    });
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.guard.function];
  }

  substitutions(): Record<string, string> {
    return { PlanGuardFunctionArn: this.guard.function.functionArn };
  }
}
