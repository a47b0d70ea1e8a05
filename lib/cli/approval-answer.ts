import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { InvalidArgumentError } from 'commander';
import {
  type ApprovalAnswer,
  ApprovalNotPending,
  answerApproval,
  findApprovalToken,
  type PendingApproval,
} from '../../lambdas/approval/find-approval';
import { executionNameOf } from '../../lambdas/approval/handle-approval';
import { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import type { LockTable } from '../../lambdas/shared/deploy-lock/lock-table';
import { executionArnOf } from '../../lambdas/shared/push-event/start-executions';
import { MAX_ROLLBACK_REASON_CHARS } from '../contracts/execution-input';
import { EXECUTION_ARN, stateMachineOfExecution } from './arns';
import { type AwsTarget, createDynamoDbDocumentClient, createStsClient } from './aws-clients';
import { RefusedError, UsageError } from './cli-errors';
import { describeExecution } from './execution-ref';
import { discover, type InstallationOptions, type Session, STACK_OUTPUTS, withSession } from './installation';

/** Step Functions execution names as this pipeline writes them: 1 to 80 of `[A-Za-z0-9_-]`. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * `--reason` and `--comment`: at most this many characters (Unicode code points). This pipeline's own
 * limit, the same as `rollbackRequest.reason` (`MAX_ROLLBACK_REASON_CHARS`, lib/contracts/execution-input.ts):
 * the text lands in the execution history and in notifications, where a page of text helps nobody.
 */
export const MAX_ANSWER_TEXT_CHARS = MAX_ROLLBACK_REASON_CHARS;

/**
 * Checks `<execution>` before anything reaches AWS: an execution ARN, or an execution name.
 * `latest` is refused on purpose: an approval must name the run it approves.
 *
 * @throws UsageError naming what is wrong.
 */
export function checkExecutionRef(ref: string): void {
  if (ref === 'latest') {
    throw new UsageError('name the execution to answer (not "latest"): it is in the approval notification');
  }
  if (ref.startsWith('arn:')) {
    if (!EXECUTION_ARN.test(ref)) {
      throw new UsageError(
        `"${ref}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>)`,
      );
    }
    return;
  }
  if (!EXECUTION_NAME.test(ref)) {
    throw new UsageError(`"${ref}" is neither an execution name (1-80 of A-Z a-z 0-9 _ -) nor an execution ARN`);
  }
}

/** The caller's IAM identity (`GetCallerIdentity`'s ARN): who approved, rejected or asked. */
export async function callerArn(sts: STSClient): Promise<string> {
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  if (Arn === undefined || Arn === '') throw new Error('STS GetCallerIdentity returned no ARN');
  return Arn;
}

/** The state a running execution is in now: the newest `StateEntered` event of its history. */
async function currentState(sfn: SFNClient, executionArn: string): Promise<string | null> {
  const { events } = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 50, includeExecutionData: false }),
  );
  const entered = (events ?? []).find((e: HistoryEvent) => e.stateEnteredEventDetails?.name !== undefined);
  return entered?.stateEnteredEventDetails?.name ?? null;
}

/**
 * Why `execution` has no approval to answer, in words: `<name> is not waiting for approval: it is
 * RUNNING in <state>` / `... it ended FAILED (ApprovalRejected) at <instant>` / `... its approval
 * timed out at <instant>`.
 *
 * @throws UsageError when no such execution exists.
 */
export async function notWaitingReason(
  executionArn: string,
  deps: { readonly sfn: SFNClient; readonly store: LockTable; readonly now?: () => Date },
): Promise<string> {
  const execution = await describeExecution(deps.sfn, executionArn);
  const name = execution.name ?? executionNameOf(executionArn);
  const head = `${name} is not waiting for approval`;
  if (execution.status !== 'RUNNING') {
    const error = execution.error ? ` (${execution.error})` : '';
    const at = execution.stopDate ? ` at ${execution.stopDate.toISOString()}` : '';
    const note =
      execution.error === 'ApprovalRejected'
        ? ': it was rejected'
        : execution.error === 'ApprovalTimedOut'
          ? ': nobody answered before the approval timed out'
          : '';
    return `${head}: it ended ${execution.status}${error}${at}${note}`;
  }
  const state = await currentState(deps.sfn, executionArn);
  if (state !== 'WaitForApproval') return `${head}: it is RUNNING in ${state ?? 'its first state'}`;
  const stored = await deps.store.getApproval(name);
  if (stored !== undefined && Date.parse(stored.expiresAtIso) <= (deps.now?.() ?? new Date()).getTime()) {
    return `${head}: its approval timed out at ${stored.expiresAtIso} (the run ends ApprovalTimedOut)`;
  }
  return `${head}: it is at WaitForApproval but holds no approval request (answered just now, or not stored yet): check with "deployctl status ${name}"`;
}

/** Everything `approve` and `reject` need: the installation, the lock table and the caller. */
export interface ApprovalSession {
  readonly session: Session;
  readonly store: LockTable;
  readonly sts: STSClient;
}

/**
 * The deploy lock table of the installation: `--lock-table`, else the stack's `DeployLockTableName`
 * output (read again once when the cached outputs predate it).
 *
 * @throws UsageError when the stack has no such output (a stack deployed before it existed).
 */
async function lockTableOf(session: Session, options: InstallationOptions): Promise<string> {
  if (session.lockTableName !== null) return session.lockTableName;
  if (session.source === 'cache') {
    const fresh = await discover(options, {}, { refresh: true });
    if (fresh.lockTableName !== null) return fresh.lockTableName;
  }
  if (session.source === 'override') {
    throw new UsageError('with --state-machine-arn, also pass --lock-table (the DeployLockTableName output)');
  }
  throw new UsageError(
    `stack "${session.stackName}" has no ${STACK_OUTPUTS.lockTableName} output: update it with "npx cdk deploy", or pass --lock-table`,
  );
}

/**
 * Runs `fn` with the installation the execution belongs to. An execution ARN names its Region;
 * the lock table comes from the stack (or `--lock-table`), so discovery runs unless both
 * `--state-machine-arn` and `--lock-table` are given.
 */
export async function withApprovalSession<T>(
  ref: string,
  options: InstallationOptions,
  fn: (s: ApprovalSession & { readonly executionArn: string }) => Promise<T>,
): Promise<T> {
  const region = options.region ?? EXECUTION_ARN.exec(ref)?.[2];
  const target = { ...options, ...(region === undefined ? {} : { region }) };
  return withSession(target, async (session) => {
    const table = await lockTableOf(session, target);
    const aws: AwsTarget = { profile: options.profile, region: session.region };
    const store = new LockStore(createDynamoDbDocumentClient(aws), table);
    const executionArn = ref.startsWith('arn:') ? ref : executionArnOf(session.stateMachineArn, ref);
    if (ref.startsWith('arn:') && stateMachineOfExecution(ref) !== session.stateMachineArn) {
      throw new UsageError(
        `${ref} is not an execution of this installation's state machine ${session.stateMachineArn}`,
      );
    }
    return fn({ session, store, sts: createStsClient(aws), executionArn });
  });
}

/** What `approve`/`reject` did. */
export interface AnsweredApproval {
  readonly pending: PendingApproval;
  readonly by: string;
}

/**
 * Answers the approval `executionArn` waits for, as the caller's IAM identity.
 *
 * @throws RefusedError when nothing waits (with {@link notWaitingReason}'s words) or another
 *   answer came first; UsageError for an unknown execution.
 */
export async function answerAs(
  executionArn: string,
  answer: (by: string) => ApprovalAnswer,
  deps: ApprovalSession,
): Promise<AnsweredApproval> {
  const { store, session } = deps;
  const pending = await findApprovalToken(executionArn, { store });
  if (pending === undefined) throw new RefusedError(await notWaitingReason(executionArn, { sfn: session.sfn, store }));
  const by = await callerArn(deps.sts);
  try {
    return { pending: await answerApproval(executionArn, answer(by), { store, sfn: session.sfn }), by };
  } catch (err) {
    if (err instanceof ApprovalNotPending) {
      throw new RefusedError(`${pending.execution} is not waiting for approval any more: ${err.message}`);
    }
    throw err;
  }
}

/**
 * A commander parser for `--reason`/`--comment`: 1 to {@link MAX_ANSWER_TEXT_CHARS} characters, not
 * only blanks.
 */
export function answerText(what: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${what} must not be empty`);
    const length = [...value].length;
    if (length > MAX_ANSWER_TEXT_CHARS) {
      throw new InvalidArgumentError(`${what} is ${length} characters long: at most ${MAX_ANSWER_TEXT_CHARS}`);
    }
    return value;
  };
}
