import type { ApprovalItem, LockItem, LockRecord } from '../../../lib/contracts/deploy-lock';
import type { LockWrite } from './lock-transitions';

/**
 * What the lock, watchdog and approval handlers need from the lock table. `LockStore` is the
 * DynamoDB table; `MemoryLockTable` keeps the same items and conditions in memory (local runs).
 */
export interface LockTable {
  /** The lock item, read strongly consistent, or undefined. */
  getLock(lockKey: string): Promise<LockItem | undefined>;
  /** An execution's record, or undefined (also when past its `expiresAt`). */
  getRecord(executionArn: string, nowSeconds: number): Promise<LockRecord | undefined>;
  /**
   * Writes `write.next` only if the lock is still at version `write.next.version - 1` (absent for
   * 1), together with `write.records`, all or nothing.
   * @returns false when another writer got there first.
   */
  writeLock(write: LockWrite): Promise<boolean>;
  /** Sets a `released-by-watchdog` record's `notifiedAt` if unset; true for exactly one caller. */
  claimNotification(executionArn: string, at: string): Promise<boolean>;
  /** Removes `notifiedAt` if it is still `at`. */
  unclaimNotification(executionArn: string, at: string): Promise<void>;
  putApproval(item: ApprovalItem): Promise<void>;
  getApproval(executionName: string): Promise<ApprovalItem | undefined>;
  /** Deletes the approval if it is still there; true for exactly one caller. */
  claimApproval(executionName: string): Promise<boolean>;
}
