import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { PipelineConfig } from '../../lib/contracts/pipeline-config';
import {
  InvalidCodeCommitEvent,
  parseCodeCommitEvent,
  pushEventFromCodeCommit,
} from '../shared/push-event/codecommit-push';
import { normalizePush } from '../shared/push-event/normalize-push';
import { type StartedExecution, startExecutions } from '../shared/push-event/start-executions';

export interface CodeCommitTriggerDeps {
  readonly config: PipelineConfig;
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  readonly logger: Logger;
}

export type CodeCommitTriggerResult =
  | { readonly decision: 'rejected' | 'ignored'; readonly reason: string; readonly detail: string }
  | { readonly decision: 'started'; readonly executions: readonly StartedExecution[] };

/**
 * Starts the executions of a CodeCommit push delivered by EventBridge, through the same
 * normalizer as GitHub pushes. A malformed event is logged and dropped (a retry would not fix
 * it); a Step Functions failure is thrown so Lambda retries the event, which maps to the same
 * execution names.
 */
export async function handleCodeCommitEvent(
  event: unknown,
  deps: CodeCommitTriggerDeps,
): Promise<CodeCommitTriggerResult> {
  let push: ReturnType<typeof pushEventFromCodeCommit>;
  try {
    push = pushEventFromCodeCommit(parseCodeCommitEvent(event));
  } catch (err) {
    if (!(err instanceof InvalidCodeCommitEvent)) throw err;
    deps.logger.error('codecommit event', { decision: 'rejected', reason: 'invalid-event', detail: err.message });
    return { decision: 'rejected', reason: 'invalid-event', detail: err.message };
  }
  const context = { deliveryId: push.deliveryId, repository: push.repository, ref: push.ref, commit: push.after };
  const decision = normalizePush(push, deps.config);
  if (decision.kind === 'ignored') {
    deps.logger.info('codecommit event', {
      ...context,
      decision: 'ignored',
      reason: decision.reason,
      detail: decision.detail,
    });
    return { decision: 'ignored', reason: decision.reason, detail: decision.detail };
  }
  const executions = await startExecutions(decision.executions, {
    sfn: deps.sfn,
    stateMachineArn: deps.stateMachineArn,
  });
  deps.logger.info('codecommit event', {
    ...context,
    decision: 'started',
    executions: executions.map((e, i) => ({
      name: e.name,
      outcome: e.outcome,
      ...(decision.executions[i]?.trimmed === undefined ? {} : { trimmed: decision.executions[i]?.trimmed }),
    })),
  });
  return { decision: 'started', executions };
}
