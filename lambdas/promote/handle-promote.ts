import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { type PromoteOutput, promoteInputSchema } from '../../lib/contracts/deploy-lock';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import type { PipelineConfig } from '../../lib/contracts/pipeline-config';
import { buildExecutionInput, InvalidExecutionInput } from '../shared/push-event/build-execution-input';
import { startExecutions } from '../shared/push-event/start-executions';

export interface PromoteDeps {
  readonly config: PipelineConfig;
  readonly sfn: SFNClient;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** The promotion cannot start: the message names what is wrong. */
export class InvalidPromotion extends Error {
  override readonly name = 'InvalidPromotion';
}

/** The delivery id of a promotion: it names the source run, so one run promotes once (same execution name). */
export function promotionDeliveryId(sourceExecutionArn: string): string {
  return `promotion:${sourceExecutionArn.split(':').pop() ?? sourceExecutionArn}`;
}

/**
 * The state machine of an execution: `arn:<p>:states:<r>:<a>:execution:<machine>:<name>` ->
 * `arn:<p>:states:<r>:<a>:stateMachine:<machine>`. A promotion starts the pipeline that ran the source
 * (so the function needs no state machine ARN of its own, which would make the stack circular).
 */
export function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':');
}

/**
 * Promotion, after a run succeeded (`lambda:invoke`; wiring in docs/deploy-lock.md). Starts one run per
 * environment of the same service whose `promoteFrom` names the run's environment, for the same
 * commit and image: `trigger: "promotion"`, `image` set (the target never rebuilds), the source's
 * `source` and `changes`, and a delivery id naming the source run, so the execution name
 * (`<service>-<environment>-<sha7>-<id>`) is the same on every retry and Step Functions starts it once.
 *
 * Input ({@link promoteInputSchema}): `{ run: $$.Execution.Input, executionArn: $$.Execution.Id,
 * image: { repository, digest } | null }`; a null `image` falls back to the run's own `image` (a run
 * that was itself a promotion).
 *
 * @returns {@link PromoteOutput}: one entry per target environment (`started` or `already-exists`);
 *   empty when no environment promotes from this one.
 * @throws InvalidPromotion when the input is malformed, or the run changed the application and no
 *   image digest is known (promotion never rebuilds).
 */
export async function handlePromote(event: unknown, deps: PromoteDeps): Promise<PromoteOutput> {
  const parsed = promoteInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidPromotion(`invalid promotion input: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  const run = executionInputSchema.safeParse(parsed.data.run);
  if (!run.success) {
    throw new InvalidPromotion(
      `invalid promotion input: run is not an execution input: ${z.prettifyError(run.error).replace(/\n/g, '; ')}`,
    );
  }
  const source = run.data;
  const service = deps.config.services.find((s) => s.name === source.service);
  const targets = service?.environments.filter((env) => env.promoteFrom === source.environment) ?? [];
  if (targets.length === 0) {
    deps.logger.info('nothing promotes from this environment', {
      service: source.service,
      environment: source.environment,
    });
    return { promotions: [] };
  }

  const image = parsed.data.image ?? source.image ?? null;
  if (image === null && source.changes.app) {
    throw new InvalidPromotion(
      `${parsed.data.executionArn} changed the application but no image digest was given: promotion deploys the source's image and never rebuilds`,
    );
  }
  let planned: ReturnType<typeof buildExecutionInput>[];
  try {
    planned = targets.map((target) =>
      buildExecutionInput({
        service: source.service,
        environment: target.name,
        trigger: 'promotion',
        source: { ...source.source, deliveryId: promotionDeliveryId(parsed.data.executionArn) },
        changes: source.changes,
        ...(image === null ? {} : { image }),
      }),
    );
  } catch (err) {
    if (err instanceof InvalidExecutionInput) throw new InvalidPromotion(err.message);
    throw err;
  }
  const started = await startExecutions(planned, {
    sfn: deps.sfn,
    stateMachineArn: stateMachineArnOf(parsed.data.executionArn),
  });
  const promotions = started.map(({ environment, name, executionArn, outcome }) => ({
    environment,
    name,
    executionArn,
    outcome,
  }));
  deps.logger.info('promoted', {
    service: source.service,
    from: source.environment,
    commit: source.source.commit,
    digest: image?.digest,
    promotions,
  });
  return { promotions };
}
