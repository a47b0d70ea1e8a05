import type { ApprovalItem, LockItem, LockRecord } from '../../../lib/contracts/deploy-lock';
import type { LockTable } from './lock-table';
import type { LockWrite } from './lock-transitions';

/**
 * The lock table in memory, with the DynamoDB table's conditions (version compare-and-swap, records
 * written with their lock change, one claim wins): for local runs without DynamoDB. Every method
 * runs to completion without awaiting in between, so concurrent callers in one process see each
 * write whole, as they would see a DynamoDB transaction.
 */
export class MemoryLockTable implements LockTable {
  private readonly locks = new Map<string, LockItem>();
  private readonly records = new Map<string, LockRecord>();
  private readonly approvals = new Map<string, ApprovalItem>();
  /** Every lock item written, in order (what a DynamoDB stream would show). */
  readonly history: LockItem[] = [];

  async getLock(lockKey: string): Promise<LockItem | undefined> {
    return clone(this.locks.get(lockKey));
  }

  async getRecord(executionArn: string, nowSeconds: number): Promise<LockRecord | undefined> {
    const record = this.records.get(executionArn);
    return record !== undefined && record.expiresAt > nowSeconds ? clone(record) : undefined;
  }

  async writeLock(write: LockWrite): Promise<boolean> {
    const current = this.locks.get(write.next.lockKey);
    if ((current?.version ?? 0) !== write.next.version - 1) return false;
    this.locks.set(write.next.lockKey, clone(write.next));
    this.history.push(clone(write.next));
    for (const record of write.records) this.records.set(record.executionArn, clone(record));
    return true;
  }

  async claimNotification(executionArn: string, at: string): Promise<boolean> {
    const record = this.records.get(executionArn);
    if (record === undefined || record.outcome !== 'released-by-watchdog' || record.notifiedAt !== undefined) {
      return false;
    }
    this.records.set(executionArn, { ...record, notifiedAt: at });
    return true;
  }

  async unclaimNotification(executionArn: string, at: string): Promise<void> {
    const record = this.records.get(executionArn);
    if (record?.notifiedAt !== at) return;
    const { notifiedAt: _dropped, ...rest } = record;
    this.records.set(executionArn, rest);
  }

  async putApproval(item: ApprovalItem): Promise<void> {
    this.approvals.set(item.execution, clone(item));
  }

  async getApproval(executionName: string): Promise<ApprovalItem | undefined> {
    return clone(this.approvals.get(executionName));
  }

  async claimApproval(executionName: string): Promise<boolean> {
    return this.approvals.delete(executionName);
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
