import type { Logger } from '@aws-lambda-powertools/logger';
import { type RollbackDecision, rollbackRequestSchema } from '../../lib/contracts/rollback';
import { formatIssues } from '../../lib/contracts/validation-issues';
import { DEPLOY_STAGE, decideManualRollback, decideRollback } from './decide-rollback';
import { previousRevisionFromCause } from './revision-from-cause';

export interface RollbackDeps {
  readonly logger: Pick<Logger, 'info'>;
}

/** The task's input is not an execution state with a failure and run settings (a workflow defect). */
export class InvalidRollbackRequest extends Error {
  override readonly name = 'InvalidRollbackRequest';
}

/**
 * `Rollback`: reads the failure and what HelmDeploy recorded from the execution state and decides
 * what to undo (see `decideRollback`); for a manual rollback run (`$.rollbackRequest`) it decides a
 * rollback to the requested revision (see `decideManualRollback`). The Helm timeout is the run
 * settings' `deploy.timeoutMinutes`. It starts nothing: the workflow starts the rollback build
 * from `build` with `codebuild:startBuild.sync`, so the build is a step of the execution history.
 *
 * The recorded previous revision comes from HelmDeploy's result when it succeeded, else from the
 * failed build in the failure's cause (`previousRevisionFromCause`).
 *
 * @throws {@link InvalidRollbackRequest} naming each missing or malformed field (also when the state has
 *   both or neither of a failure and a rollback request); the workflow
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
  const settings = state.run.settings;
  const where = {
    release: settings.release,
    namespace: settings.namespace,
    cluster: settings.eksCluster,
    rollbackProject: settings.rollbackProject,
    helmTimeoutMinutes: settings.deploy.timeoutMinutes,
  };
  if (state.rollbackRequest !== undefined) {
    const decision = decideManualRollback({ ...where, request: state.rollbackRequest });
    deps.logger.info('rollback decision', {
      serviceName: state.service,
      environment: state.environment,
      manual: true,
      requestedBy: state.rollbackRequest.requestedBy,
      action: decision.action,
      toRevision: decision.toRevision,
    });
    return decision;
  }
  // The schema's refinement: without a rollback request the failure is there.
  const failure = state.error?.failure as NonNullable<typeof state.error>['failure'];
  const deploySucceeded = state.deploy !== undefined;
  const previousRevision = deploySucceeded
    ? state.deploy?.previousRevision
    : failure.stage === DEPLOY_STAGE
      ? previousRevisionFromCause(failure.cause)
      : undefined;
  const decision = decideRollback({
    ...where,
    failure: { stage: failure.stage, error: failure.error, cause: failure.cause },
    deploySucceeded,
    previousRevision,
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
