import type { Logger } from '@aws-lambda-powertools/logger';
import { deploySettingsOf } from '../../lib/contracts/deploy-settings';
import type { PipelineConfig } from '../../lib/contracts/pipeline-config';
import { type RollbackDecision, rollbackRequestSchema } from '../../lib/contracts/rollback';
import { formatIssues } from '../../lib/contracts/validation-issues';
import { DEPLOY_STAGE, decideRollback } from './decide-rollback';
import { previousRevisionFromCause } from './revision-from-cause';

export interface RollbackDeps {
  readonly config: PipelineConfig;
  readonly logger: Logger;
}

/** The task's input is not an execution state with a failure and run settings (a workflow defect). */
export class InvalidRollbackRequest extends Error {
  override readonly name = 'InvalidRollbackRequest';
}

/**
 * `Rollback`: reads the failure and what HelmDeploy recorded from the execution state and decides
 * what to undo (see `decideRollback`). It starts nothing: the workflow starts the rollback build
 * from `build` with `codebuild:startBuild.sync`, so the build is a step of the execution history.
 *
 * The recorded previous revision comes from HelmDeploy's result when it succeeded, else from the
 * failed build in the failure's cause (`previousRevisionFromCause`).
 *
 * @throws {@link InvalidRollbackRequest} naming each missing or malformed field; the workflow
 *   catches it as any other error of this task and ends the run `RollbackFailed`.
 */
export async function handleRollback(event: unknown, deps: RollbackDeps): Promise<RollbackDecision> {
  const parsed = rollbackRequestSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidRollbackRequest(
      `Rollback input is not the execution state: ${formatIssues(parsed.error.issues).join('; ')}`,
    );
  }
  const { state } = parsed.data;
  const { failure } = state.error;
  const settings = state.run.settings;
  const deploySucceeded = state.deploy !== undefined;
  const previousRevision = deploySucceeded
    ? state.deploy?.previousRevision
    : failure.stage === DEPLOY_STAGE
      ? previousRevisionFromCause(failure.cause)
      : undefined;

  const environment = deps.config.services
    .find((s) => s.name === state.service)
    ?.environments.find((e) => e.name === state.environment);
  if (environment === undefined) {
    // The rollback still runs: a missing entry only costs the configured Helm timeout.
    deps.logger.warn('service or environment not in the embedded configuration; default Helm timeout', {
      serviceName: state.service,
      environment: state.environment,
    });
  }
  const decision = decideRollback({
    failure: { stage: failure.stage, error: failure.error, cause: failure.cause },
    release: settings.release,
    namespace: settings.namespace,
    cluster: settings.eksCluster,
    rollbackProject: settings.rollbackProject,
    deploySucceeded,
    previousRevision,
    helmTimeoutMinutes: deploySettingsOf(environment ?? { name: state.environment }).timeoutMinutes,
  });
  deps.logger.info('rollback decision', {
    serviceName: state.service,
    environment: state.environment,
    failedStage: failure.stage,
    failedWith: failure.error,
    previousRevision,
    action: decision.action,
    toRevision: decision.toRevision,
    needsAttention: decision.needsAttention,
  });
  return decision;
}
