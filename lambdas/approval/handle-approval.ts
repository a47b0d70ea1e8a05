import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import {
  type ApprovalItem,
  type ApprovalRequestedMessage,
  approvalReasonOf,
  approvalRequestSchema,
  type DeployPolicy,
  planCountsSchema,
} from '../../lib/contracts/deploy-lock';
import { approvalPk } from '../shared/deploy-lock/lock-store';
import type { LockTable } from '../shared/deploy-lock/lock-table';

export interface ApprovalDeps {
  readonly store: LockTable;
  /** The environment's policy (its approval timeout); undefined for an unknown service or environment. */
  readonly policyOf: (service: string, environment: string) => DeployPolicy | undefined;
  /** Publishes the `approval_requested` notification (SNS). */
  readonly publish: (message: ApprovalRequestedMessage) => Promise<void>;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** The approval request is not the documented shape; the message names each bad field. */
export class InvalidApprovalRequest extends Error {
  override readonly name = 'InvalidApprovalRequest';
}

/** The execution name in an execution ARN (`...:execution:<state machine>:<name>`). */
export function executionNameOf(executionArn: string): string {
  return executionArn.split(':').pop() ?? executionArn;
}

/** The commands an approver runs (`deployctl`, authenticated with the caller's IAM identity). */
export function approvalCommands(execution: string): { approve: string; reject: string } {
  return {
    approve: `deployctl approve ${execution}`,
    reject: `deployctl reject ${execution} --reason "<why>"`,
  };
}

/** PlanGuard's counts from the TerraformPlan branch's output, or null when the run has no plan. */
function planCountsOf(plan: unknown): z.infer<typeof planCountsSchema> | null {
  const parsed = z.looseObject({ guard: z.looseObject({ summary: planCountsSchema }) }).safeParse(plan);
  return parsed.success ? parsed.data.guard.summary : null;
}

/** A day past the approval's timeout: TTL deletes the token only once nothing can use it. */
const TTL_MARGIN_SECONDS = 24 * 60 * 60;

/**
 * The `WaitForApproval` task (`arn:aws:states:::lambda:invoke.waitForTaskToken`; wiring in
 * docs/deploy-lock.md). Stores the task token under the execution's name (so
 * `deployctl approve|reject <execution>` finds it with {@link findApprovalToken}), then publishes
 * and returns the `approval_requested` notification: plan summary and the exact commands.
 *
 * The integration ignores this function's return value: the task ends when someone calls
 * `SendTaskSuccess` (output {@link ApprovalDecision}: `{ approved: true, by, at, comment }`) or
 * `SendTaskFailure` (error `ApprovalRejected`, cause JSON {@link ApprovalRejection}), or when the
 * state's `TimeoutSecondsPath` (`$.lock.policy.approval.timeoutSeconds`) passes (`States.Timeout`,
 * which the workflow records as `ApprovalTimedOut`).
 *
 * Input ({@link approvalRequestSchema}): `{ taskToken, executionArn, service, environment, commit,
 * reason: "approval" | "destructive", plan: $.verify.plan | null, blocked? }`.
 *
 * @throws InvalidApprovalRequest for input that is not this shape or names an unknown environment
 *   (the task fails at once instead of waiting for an approval nobody is told about).
 */
export async function handleApproval(event: unknown, deps: ApprovalDeps): Promise<ApprovalRequestedMessage> {
  const parsed = approvalRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidApprovalRequest(`invalid approval request: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  const request = parsed.data;
  const reason = approvalReasonOf(request);
  const blocked = request.blocked ?? request.plan?.guard?.summary.blocked ?? null;
  const policy = deps.policyOf(request.service, request.environment);
  if (policy === undefined) {
    throw new InvalidApprovalRequest(
      `no environment "${request.environment}" of service "${request.service}" is configured`,
    );
  }
  const now = deps.now();
  const execution = executionNameOf(request.executionArn);
  const expires = new Date(now.getTime() + policy.approval.timeoutSeconds * 1000);
  const item: ApprovalItem = {
    pk: approvalPk(execution),
    kind: 'approval',
    executionArn: request.executionArn,
    execution,
    taskToken: request.taskToken,
    service: request.service,
    environment: request.environment,
    commit: request.commit,
    reason,
    requestedAt: now.toISOString(),
    expiresAtIso: expires.toISOString(),
    expiresAt: Math.floor(expires.getTime() / 1000) + TTL_MARGIN_SECONDS,
  };
  await deps.store.putApproval(item);

  const counts = planCountsOf(request.plan);
  const commands = approvalCommands(execution);
  const message: ApprovalRequestedMessage = {
    type: 'approval_requested',
    service: request.service,
    environment: request.environment,
    execution,
    executionArn: request.executionArn,
    commit: request.commit,
    reason,
    planSummary: counts?.summary ?? null,
    plan: counts === null ? null : { add: counts.add, change: counts.change, destroy: counts.destroy },
    blocked,
    approveCommand: commands.approve,
    rejectCommand: commands.reject,
    expiresAt: item.expiresAtIso,
  };
  await deps.publish(message);
  deps.logger.info('approval requested', {
    execution,
    service: request.service,
    environment: request.environment,
    reason,
    expiresAt: item.expiresAtIso,
  });
  return message;
}
