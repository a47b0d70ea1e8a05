import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { ApprovalDecision, ApprovalItem, ApprovalRejection } from '../../lib/contracts/deploy-lock';
import { ErrorName } from '../../lib/contracts/error-names';
import type { LockTable } from '../shared/deploy-lock/lock-table';
import { executionNameOf } from './handle-approval';

/** A run waiting at `WaitForApproval`, as `deployctl approve|reject` finds it. */
export interface PendingApproval {
  readonly execution: string;
  readonly executionArn: string;
  readonly taskToken: string;
  readonly service: string;
  readonly environment: string;
  readonly commit: string;
  readonly reason: ApprovalItem['reason'];
  /** ISO 8601. */
  readonly requestedAt: string;
  /** ISO 8601: when `WaitForApproval` times out. */
  readonly expiresAt: string;
}

/** Nothing waits for approval under that name (never did, already answered, or timed out). */
export class ApprovalNotPending extends Error {
  override readonly name = 'ApprovalNotPending';
}

/**
 * The task token of a run waiting at `WaitForApproval`, for `SendTaskSuccess`/`SendTaskFailure`.
 *
 * @param execution the execution's name, or its ARN (then it must be the stored execution's ARN).
 * @param now approvals past their timeout are not pending (TTL deletes them only later).
 * @returns undefined when no approval of that execution is pending.
 */
export async function findApprovalToken(
  execution: string,
  deps: { readonly store: LockTable; readonly now?: () => Date },
): Promise<PendingApproval | undefined> {
  const item = await pendingItem(execution, deps);
  return item === undefined ? undefined : pendingOf(item);
}

async function pendingItem(
  execution: string,
  deps: { readonly store: LockTable; readonly now?: () => Date },
): Promise<ApprovalItem | undefined> {
  const name = execution.startsWith('arn:') ? executionNameOf(execution) : execution;
  const item = await deps.store.getApproval(name);
  if (item === undefined) return undefined;
  if (execution.startsWith('arn:') && item.executionArn !== execution) return undefined;
  if (Date.parse(item.expiresAtIso) <= (deps.now?.() ?? new Date()).getTime()) return undefined;
  return item;
}

function pendingOf(item: ApprovalItem): PendingApproval {
  return {
    execution: item.execution,
    executionArn: item.executionArn,
    taskToken: item.taskToken,
    service: item.service,
    environment: item.environment,
    commit: item.commit,
    reason: item.reason,
    requestedAt: item.requestedAt,
    expiresAt: item.expiresAtIso,
  };
}

export type ApprovalAnswer =
  | { readonly approve: true; readonly by: string; readonly comment?: string }
  | { readonly approve: false; readonly by: string; readonly reason?: string };

/**
 * Approves or rejects a waiting run: takes the stored token (one answer wins), then calls
 * `SendTaskSuccess` with {@link ApprovalDecision} or `SendTaskFailure` with error `ApprovalRejected`
 * and cause JSON {@link ApprovalRejection}, using the caller's own credentials (IAM decides who may).
 *
 * @throws ApprovalNotPending when nothing waits under that name, another answer came first, or the
 *   task already ended (timed out, execution stopped).
 */
export async function answerApproval(
  execution: string,
  answer: ApprovalAnswer,
  deps: { readonly store: LockTable; readonly sfn: SFNClient; readonly now?: () => Date },
): Promise<PendingApproval> {
  const item = await pendingItem(execution, deps);
  if (item === undefined) {
    throw new ApprovalNotPending(`${execution} is not waiting for approval (unknown, already answered or timed out)`);
  }
  const pending = pendingOf(item);
  if (!(await deps.store.claimApproval(pending.execution))) {
    throw new ApprovalNotPending(`${execution} was answered by someone else just now`);
  }
  const at = (deps.now?.() ?? new Date()).toISOString();
  try {
    if (answer.approve) {
      const output: ApprovalDecision = { approved: true, by: answer.by, at, comment: answer.comment ?? null };
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: pending.taskToken, output: JSON.stringify(output) }));
    } else {
      const cause: ApprovalRejection = { rejectedBy: answer.by, at, reason: answer.reason ?? null };
      await deps.sfn.send(
        new SendTaskFailureCommand({
          taskToken: pending.taskToken,
          error: ErrorName.ApprovalRejected,
          cause: JSON.stringify(cause),
        }),
      );
    }
  } catch (err) {
    if (err instanceof TaskTimedOut || err instanceof TaskDoesNotExist || err instanceof InvalidToken) {
      throw new ApprovalNotPending(`${execution} no longer waits for approval (${err.name})`);
    }
    // Step Functions was not told: put the token back so the answer can be given again.
    await deps.store.putApproval(item);
    throw err;
  }
  return pending;
}
