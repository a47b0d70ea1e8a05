import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type ApprovalItem,
  approvalItemSchema,
  type LockItem,
  type LockRecord,
  lockItemSchema,
  lockRecordSchema,
} from '../../../lib/contracts/deploy-lock';
import type { LockTable } from './lock-table';
import { type LockWrite, lockPk, recordPk } from './lock-transitions';

/**
 * Reads and writes the deploy lock table (one table, partition key `pk` (S), TTL attribute
 * `expiresAt`; layout in docs/deploy-lock.md):
 *
 * | `pk` | item |
 * |---|---|
 * | `lock#<service>#<environment>` | the lock: holder, waiting line, `version` ({@link LockItem}) |
 * | `exec#<execution ARN>` | how one execution's use of a lock ended ({@link LockRecord}) |
 * | `approval#<execution name>` | a run waiting at `WaitForApproval`: its task token ({@link ApprovalItem}) |
 *
 * Every write of a lock item is conditional on the version read (`attribute_not_exists(pk)` for the
 * first), alone (`PutItem`) or with its records in one `TransactWriteItems`; a write that lost the
 * race reports a conflict and the caller reads again. No write depends on a read that another writer
 * could have changed in between.
 */
export class LockStore implements LockTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The lock item, read strongly consistent, or undefined when there is none. */
  async getLock(lockKey: string): Promise<LockItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: lockPk(lockKey) }, ConsistentRead: true }),
    );
    if (out.Item === undefined) return undefined;
    const parsed = lockItemSchema.safeParse(out.Item);
    if (!parsed.success) throw new Error(`lock item ${lockPk(lockKey)} in ${this.tableName} is malformed`);
    return parsed.data;
  }

  /** An execution's record, or undefined. Records past their `expiresAt` are treated as gone (TTL deletes late). */
  async getRecord(executionArn: string, nowSeconds: number): Promise<LockRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: recordPk(executionArn) }, ConsistentRead: true }),
    );
    if (out.Item === undefined) return undefined;
    const parsed = lockRecordSchema.safeParse(out.Item);
    if (!parsed.success) throw new Error(`record ${recordPk(executionArn)} in ${this.tableName} is malformed`);
    return parsed.data.expiresAt > nowSeconds ? parsed.data : undefined;
  }

  /**
   * Writes the next lock item if the item still has the version `write.next` was computed from
   * (`write.next.version - 1`; none for version 1), with its records in the same transaction.
   * @returns false when another writer got there first (read again and recompute).
   */
  async writeLock(write: LockWrite): Promise<boolean> {
    const expected = write.next.version - 1;
    const lockPut = {
      TableName: this.tableName,
      Item: write.next,
      ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
      ...(expected === 0 ? {} : { ExpressionAttributeValues: { ':expected': expected } }),
    };
    try {
      if (write.records.length === 0) {
        await this.doc.send(new PutCommand(lockPut));
      } else {
        // One action per item; DynamoDB allows up to 100 per transaction (the line is at most MAX_WAITERS + 1 records).
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: lockPut },
              ...write.records.map((record) => ({ Put: { TableName: this.tableName, Item: record } })),
            ],
          }),
        );
      }
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Claims the one notification of a watchdog release: sets `notifiedAt` only if the record exists and
   * has none. Of several invocations for one execution exactly one gets true.
   */
  async claimNotification(executionArn: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: recordPk(executionArn) },
          UpdateExpression: 'SET notifiedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND outcome = :watchdog AND attribute_not_exists(notifiedAt)',
          ExpressionAttributeValues: { ':at': at, ':watchdog': 'released-by-watchdog' },
        }),
      );
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Gives a claim back (publishing failed), so a retry of the event notifies. */
  async unclaimNotification(executionArn: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: recordPk(executionArn) },
          UpdateExpression: 'REMOVE notifiedAt',
          ConditionExpression: 'notifiedAt = :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  /** Stores (or replaces) a run's approval token. */
  async putApproval(item: ApprovalItem): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /** The stored approval of an execution (by name), or undefined. */
  async getApproval(executionName: string): Promise<ApprovalItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: approvalPk(executionName) }, ConsistentRead: true }),
    );
    if (out.Item === undefined) return undefined;
    const parsed = approvalItemSchema.safeParse(out.Item);
    if (!parsed.success)
      throw new Error(`approval item ${approvalPk(executionName)} in ${this.tableName} is malformed`);
    return parsed.data;
  }

  /** Takes an approval for answering: deletes it only if it is still there (one answer wins). */
  async claimApproval(executionName: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: approvalPk(executionName) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }
}

export function approvalPk(executionName: string): string {
  return `approval#${executionName}`;
}

/**
 * A condition that failed because the item changed: `ConditionalCheckFailedException`, or a cancelled
 * transaction whose reasons are only failed conditions and conflicts with other transactions.
 */
function isConflict(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e.name === 'ConditionalCheckFailedException') return true;
  if (e.name !== 'TransactionCanceledException') return false;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return (
    codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict') &&
    codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed' || c === 'TransactionConflict')
  );
}
