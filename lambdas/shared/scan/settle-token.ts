import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ScanGateResult } from '../../../lib/contracts/scan-policy';
import type { GateDecision } from './decide-gate';
import type { TokenRecord, TokenStore } from './token-store';

/** What became of one waiting deploy. */
export interface SettleResult {
  readonly tokenId: string;
  /**
   * `passed`/`failed`: Step Functions was told. `waiting`: the scan is not final, the token stays.
   * `already-settled`: another invocation took the token first. `token-expired`: Step Functions no
   * longer knows the token (the wait timed out or the execution ended); the item is gone.
   */
  readonly outcome: 'passed' | 'failed' | 'waiting' | 'already-settled' | 'token-expired';
  readonly status: string;
  readonly reason?: string;
}

export interface SettleDeps {
  readonly store: TokenStore;
  readonly sfn: SFNClient;
}

/** Step Functions' answers for a token that can no longer be completed (API Reference, SendTaskSuccess errors). */
const DEAD_TOKEN = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/**
 * Applies a decision to one stored token: nothing while waiting; otherwise claims the token (so only
 * one invocation answers) and calls `SendTaskSuccess` with `{ done: true, summary }` or
 * `SendTaskFailure` with the error name and the JSON report as cause.
 *
 * @throws the Step Functions or DynamoDB error when the answer could not be sent for another reason
 * than a dead token; the token is put back first, so a retry (or the polling fallback) settles it.
 */
export async function settleToken(
  record: TokenRecord,
  decision: GateDecision,
  deps: SettleDeps,
): Promise<SettleResult> {
  const { tokenId } = record;
  if (decision.kind === 'wait') {
    return { tokenId, outcome: 'waiting', status: decision.status, reason: decision.reason };
  }
  const status = decision.verdict.status;
  if (!(await deps.store.claim(record))) return { tokenId, outcome: 'already-settled', status };
  try {
    if (decision.kind === 'pass') {
      const output: ScanGateResult = { done: true, summary: decision.summary };
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: record.taskToken, output: JSON.stringify(output) }));
      return { tokenId, outcome: 'passed', status };
    }
    await deps.sfn.send(
      new SendTaskFailureCommand({ taskToken: record.taskToken, error: decision.error, cause: decision.cause }),
    );
    return { tokenId, outcome: 'failed', status, reason: decision.report.message };
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (DEAD_TOKEN.has(name)) return { tokenId, outcome: 'token-expired', status, reason: name };
    await deps.store.restore(record);
    throw err;
  }
}
