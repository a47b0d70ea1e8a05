import { randomUUID } from 'node:crypto';
import { buildExecutionInput } from '../../lambdas/shared/push-event/build-execution-input';
import type { PlannedExecution } from '../../lambdas/shared/push-event/push-decision';
import type { PipelineConfig } from '../contracts/pipeline-config';
import { UsageError } from './cli-errors';

export interface RollbackRunRequest {
  readonly config: PipelineConfig;
  readonly service: string;
  readonly environment: string;
  /**
   * The commit the run is recorded against (40 lowercase hex): the one deployed now, i.e. the commit
   * of the newest succeeded run. A rollback builds nothing from it; it names the run and its messages.
   */
  readonly commit: string;
  /** The Helm revision to return to. @default the revision before the deployed one (the build reads `helm history`) */
  readonly toRevision?: number;
  /** Who asks: the caller's IAM ARN. */
  readonly requestedBy: string;
  readonly reason?: string;
  /** Idempotency key of this request. @default a random `rollback-<uuid>`: every request its own execution */
  readonly deliveryId?: string;
}

/**
 * The configured service and environment, with the same words as `deployctl run`
 * (`manualExecutionInput`) for names the configuration does not have.
 *
 * @throws UsageError naming the unknown service or environment and the configured ones.
 */
export function configuredEnvironment(config: PipelineConfig, serviceName: string, environmentName: string) {
  const service = config.services.find((s) => s.name === serviceName);
  if (service === undefined) {
    const known = config.services.map((s) => s.name).join(', ');
    throw new UsageError(`unknown service "${serviceName}" (configured: ${known})`);
  }
  const environment = service.environments.find((e) => e.name === environmentName);
  if (environment === undefined) {
    const known = service.environments.map((e) => e.name).join(', ');
    throw new UsageError(`unknown environment "${environmentName}" for service ${service.name} (configured: ${known})`);
  }
  return { service, environment };
}

/**
 * The execution a `deployctl rollback` starts: `trigger: "rollback"`, no stage to run
 * (`changes: { app: false, infra: false, paths: null, source: "manual" }`; the schema wants `paths`
 * null for a manual source) and `rollbackRequest: { toRevision?, requestedBy, reason? }`, which the
 * state machine routes to `Rollback` -> `RollbackOnRequest` while holding the lock (docs/rollback.md).
 * Built by the code every trigger shares (`buildExecutionInput`: schema, input limit, execution name).
 *
 * @throws UsageError for a service or environment the configuration does not have, or an input the
 *   schema refuses (the message names the field, e.g. `rollbackRequest.requestedBy` over 256 characters).
 */
export function rollbackExecution(request: RollbackRunRequest): PlannedExecution {
  const { service, environment } = configuredEnvironment(request.config, request.service, request.environment);
  const to = request.toRevision === undefined ? 'the previous revision' : `revision ${request.toRevision}`;
  try {
    return buildExecutionInput({
      service: service.name,
      environment: environment.name,
      trigger: 'rollback',
      source: {
        provider: 'manual',
        repository: service.repository.name,
        ref: `refs/heads/${environment.branch}`,
        branch: environment.branch,
        commit: request.commit,
        before: null,
        message: `Roll ${service.name} in ${environment.name} back to ${to}${request.reason ? `: ${request.reason}` : ''}`,
        author: request.requestedBy,
        url: '',
        deliveryId: request.deliveryId ?? `rollback-${randomUUID()}`,
      },
      changes: { app: false, infra: false, paths: null, source: 'manual' },
      rollbackRequest: {
        ...(request.toRevision === undefined ? {} : { toRevision: request.toRevision }),
        requestedBy: request.requestedBy,
        ...(request.reason === undefined ? {} : { reason: request.reason }),
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
