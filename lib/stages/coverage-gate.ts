import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { CoverageGate } from '../constructs/coverage-gate';
import type { PipelineStageModule, StageContext } from './pipeline-stage';
import type { RunTestsStage } from './run-tests';

/**
 * CoverageGate (Lambda, `lambdas/coverage-gate`): judges the RunTests coverage report, the push's
 * changed lines and the stored baseline against the environment's coverage policy.
 */
export class CoverageGateStage implements PipelineStageModule {
  readonly stateName = 'CoverageGate';
  readonly outputs: readonly string[] = [];
  readonly gate: CoverageGate;
  readonly startedProjects: readonly codebuild.IProject[] = [];

  constructor(scope: Construct, ctx: StageContext, runTests: RunTestsStage) {
    this.gate = new CoverageGate(scope, 'CoverageGate', {
      artifactsBucket: ctx.artifactsBucket,
      logRetention: ctx.logRetention,
      reportGroupNamePrefix: runTests.coverageReportGroupName,
      runTestsProject: runTests.build.project,
    });
  }

  get invokedFunctions(): readonly lambda.IFunction[] {
    return [this.gate.function];
  }

  substitutions(): Record<string, string> {
    return { CoverageGateFunctionArn: this.gate.function.functionArn };
  }
}
