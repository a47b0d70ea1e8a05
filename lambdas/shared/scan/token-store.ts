import { createHash } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type ScanPolicy, type ScanType, scanPolicySchema, scanTypeSchema } from '../../../lib/contracts/scan-policy';

/**
 * The task tokens of deploys waiting for an image's scan, in one DynamoDB table:
 *
 * | attribute | value |
 * |---|---|
 * | `pk` (partition key, S) | `<repository>@<digest>`: every deploy of one image under one key |
 * | `sk` (sort key, S) | `token#<sha256 of the task token>`: task tokens are up to 2,048 characters, sort keys at most 1,024 bytes |
 * | `expiresAt` (N) | the table's TTL attribute, epoch seconds |
 *
 * plus `taskToken`, `repository`, `digest`, `registryId`, `scanType`, `policy` (JSON) and `registeredAt`.
 * Limits: TaskToken 1-2,048 characters (Step Functions API Reference, SendTaskSuccess); sort key
 * at most 1,024 bytes (DynamoDB Developer Guide, "Service, account, and table quotas").
 */
export interface TokenRecord {
  /** sha256 hex of the task token: the item's id and what logs show instead of the token. */
  readonly tokenId: string;
  readonly taskToken: string;
  readonly repository: string;
  readonly digest: string;
  readonly registryId?: string;
  readonly scanType: ScanType;
  readonly policy: ScanPolicy;
  /** ISO 8601. */
  readonly registeredAt: string;
  /** Epoch seconds after which the item is dead (DynamoDB TTL deletes it some time later). */
  readonly expiresAt: number;
}

/** Partition key of an image. */
export function imageKey(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

/** The id a task token is stored and logged under. */
export function tokenIdOf(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex');
}

const sortKey = (tokenId: string) => `token#${tokenId}`;

function toItem(record: TokenRecord): Record<string, unknown> {
  return {
    pk: imageKey(record.repository, record.digest),
    sk: sortKey(record.tokenId),
    taskToken: record.taskToken,
    repository: record.repository,
    digest: record.digest,
    ...(record.registryId === undefined ? {} : { registryId: record.registryId }),
    scanType: record.scanType,
    policy: JSON.stringify(record.policy),
    registeredAt: record.registeredAt,
    expiresAt: record.expiresAt,
  };
}

function fromItem(item: Record<string, unknown>): TokenRecord {
  const key = String(item.sk ?? '');
  let stored: unknown;
  try {
    stored = JSON.parse(String(item.policy ?? ''));
  } catch {
    stored = undefined;
  }
  const policy = scanPolicySchema.safeParse(stored);
  const scanType = scanTypeSchema.safeParse(item.scanType);
  if (!policy.success || !scanType.success || typeof item.taskToken !== 'string') {
    throw new Error(`token item ${String(item.pk)} ${key} is not a scan gate token record`);
  }
  return {
    tokenId: key.replace(/^token#/, ''),
    taskToken: item.taskToken,
    repository: String(item.repository),
    digest: String(item.digest),
    ...(typeof item.registryId === 'string' ? { registryId: item.registryId } : {}),
    scanType: scanType.data,
    policy: policy.data,
    registeredAt: String(item.registeredAt),
    expiresAt: Number(item.expiresAt),
  };
}

/** Reads and writes the token items (see `TokenRecord` for the table's layout). */
export class TokenStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores (or replaces) a waiting deploy's token. */
  async put(record: TokenRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) }));
  }

  /**
   * The live tokens waiting for an image (every page of the query). Items past `expiresAt` are left
   * out: TTL deletes them only eventually.
   */
  async listForImage(repository: string, digest: string, nowSeconds: number): Promise<TokenRecord[]> {
    const out: TokenRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :token)',
          ExpressionAttributeValues: { ':pk': imageKey(repository, digest), ':token': 'token#' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const record = fromItem(item);
        if (record.expiresAt > nowSeconds) out.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return out;
  }

  /**
   * Takes a token for settling: deletes it only if it is still there. Of several invocations racing
   * for one token (the event and the registration), exactly one gets `true` and calls Step Functions.
   */
  async claim(record: TokenRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: imageKey(record.repository, record.digest), sk: sortKey(record.tokenId) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Puts a claimed token back (Step Functions could not be told; a retry or the poll settles it). */
  async restore(record: TokenRecord): Promise<void> {
    await this.put(record);
  }
}
