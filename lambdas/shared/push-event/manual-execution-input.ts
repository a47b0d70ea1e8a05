import { randomUUID } from 'node:crypto';
import type { ExecutionInput } from '../../../lib/contracts/execution-input';
import type { PipelineConfig } from '../../../lib/contracts/pipeline-config';
import { buildExecutionInput } from './build-execution-input';
import type { PlannedExecution } from './push-decision';

export interface ManualRunRequest {
  readonly config: PipelineConfig;
  readonly service: string;
  readonly environment: string;
  /** 40-character lowercase hex commit id to deploy. */
  readonly commit: string;
  /** Branch the commit is on (any branch: a manual run is not bound to the environment's branch). */
  readonly branch: string;
  /** @default '' */
  readonly message?: string;
  /** Who asked for the run. @default '' */
  readonly author?: string;
  /** @default '' */
  readonly url?: string;
  /** Stages to run. @default everything ({ app: true, infra: true }, paths unknown) */
  readonly changes?: { readonly app: boolean; readonly infra: boolean };
  /** An already built image to deploy instead of building one. @default none */
  readonly image?: ExecutionInput['image'];
  /** Idempotency key: the same id gives the same execution name. @default a random `manual-<uuid>` */
  readonly deliveryId?: string;
}

/**
 * The execution of a `deployctl run`, built by the same code as a push's: the service and
 * environment must exist in the configuration; the input is validated against the shared schema.
 */
export function manualExecutionInput(request: ManualRunRequest): PlannedExecution {
  const service = request.config.services.find((s) => s.name === request.service);
  if (service === undefined) {
    const known = request.config.services.map((s) => s.name).join(', ');
    throw new Error(`unknown service "${request.service}" (configured: ${known})`);
  }
  if (!service.environments.some((e) => e.name === request.environment)) {
    const known = service.environments.map((e) => e.name).join(', ');
    throw new Error(`unknown environment "${request.environment}" for service ${service.name} (configured: ${known})`);
  }
  const changes = request.changes ?? { app: true, infra: true };
  return buildExecutionInput({
    service: service.name,
    environment: request.environment,
    trigger: 'manual',
    source: {
      provider: 'manual',
      repository: service.repository.name,
      ref: `refs/heads/${request.branch}`,
      branch: request.branch,
      commit: request.commit,
      before: null,
      message: request.message ?? '',
      author: request.author ?? '',
      url: request.url ?? '',
      deliveryId: request.deliveryId ?? `manual-${randomUUID()}`,
    },
    changes: { app: changes.app, infra: changes.infra, paths: null, source: 'manual' },
    image: request.image,
  });
}
