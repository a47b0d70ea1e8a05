import { createHash } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handleLock, type LockDeps } from '../../lambdas/deploy-lock/handle-lock';
import { LockBusy } from '../../lambdas/shared/deploy-lock/errors';
import { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import {
  type AcquireLockOutput,
  type DeployPolicy,
  deployPolicyOf,
  type LockBusyCause,
  type LockInput,
  type LockItem,
  lockItemSchema,
} from '../../lib/contracts/deploy-lock';
import type { PipelineConfig, PipelineConfigInput } from '../../lib/contracts/pipeline-config';
import { validateConfig } from '../../lib/contracts/validate-config';

export const TABLE = 'deploy-lock';
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:deploy-pipeline';
export const quiet = { info: () => undefined, warn: () => undefined };

/** The execution ARN of a pipeline run named `name`. */
export function executionArn(name: string, stateMachineArn = STATE_MACHINE_ARN): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** A 40-hex commit id derived from a seed. */
export function commitOf(seed: string | number): string {
  return createHash('sha1').update(String(seed)).digest('hex');
}

const ENVIRONMENT = { eksCluster: 'acme-dev', terraformDir: 'infra/environments/dev' };

/** orders: dev (SUPERSEDED), qa (QUEUED), prod (promoted from dev, approval); billing: dev. */
export const TEST_CONFIG_INPUT: PipelineConfigInput = {
  services: [
    {
      name: 'orders',
      repository: { provider: 'github', name: 'acme/orders' },
      helm: { chart: 'app/chart', release: 'orders', namespace: 'orders' },
      ecrRepository: 'acme/orders',
      environments: [
        { name: 'dev', branch: 'develop', ...ENVIRONMENT },
        { name: 'qa', branch: 'qa', lockMode: 'QUEUED', ...ENVIRONMENT },
        {
          name: 'prod',
          branch: 'main',
          eksCluster: 'acme-prod',
          terraformDir: 'infra/environments/prod',
          promoteFrom: 'dev',
          approval: true,
          approvalTimeoutHours: 4,
          approveDestructive: true,
        },
      ],
    },
    {
      name: 'billing',
      repository: { provider: 'codecommit', name: 'billing' },
      helm: { chart: 'app/chart', release: 'billing', namespace: 'billing' },
      ecrRepository: 'billing',
      environments: [{ name: 'dev', branch: 'main', ...ENVIRONMENT }],
    },
  ],
};

export const TEST_CONFIG: PipelineConfig = validateConfig(TEST_CONFIG_INPUT, 'test');

export function policyOf(service: string, environment: string): DeployPolicy | undefined {
  return deployPolicyOf(TEST_CONFIG, service, environment);
}

/** One `acquire` as a test sees it: the lock held, or still waiting (the `LockBusy` cause). */
export type AcquireAttempt = AcquireLockOutput | ({ readonly acquired: false } & LockBusyCause);

/**
 * Calls `acquire` and turns a `LockBusy` into `{ acquired: false, holder, position, waitSeconds }`,
 * after checking that the error's message is exactly the JSON of its cause (what the workflow reads).
 * Any other error is rethrown.
 */
export async function attemptAcquire(input: LockInput, deps: LockDeps): Promise<AcquireAttempt> {
  try {
    return (await handleLock(input, deps)) as AcquireLockOutput;
  } catch (error) {
    if (!(error instanceof LockBusy)) throw error;
    expect(error.name).toBe('LockBusy');
    expect(JSON.parse(error.message)).toEqual(error.busy);
    return { acquired: false, ...error.busy };
  }
}

/** Creates the lock table as the stack does (partition key `pk`, TTL `expiresAt`), with a stream of every write. */
export async function createLockTable(ddb: DynamoDBClient, tableName = TABLE): Promise<string> {
  const created = await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
  const streamArn = created.TableDescription?.LatestStreamArn;
  if (streamArn === undefined) throw new Error('moto created the table without a stream');
  return streamArn;
}

export function lockStore(ddb: DynamoDBClient, tableName = TABLE): LockStore {
  return new LockStore(DynamoDBDocumentClient.from(ddb), tableName);
}

/** Lock handler dependencies against moto, with a clock the test may move. */
export function lockDeps(store: LockStore, clock: { now: Date } = { now: new Date() }, leaseSeconds = 3600): LockDeps {
  return { store, policyOf, leaseSeconds, now: () => clock.now, logger: quiet };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Streams, read over moto's HTTP API (the project has no streams client): the table's write history.
// ---------------------------------------------------------------------------------------------

type AttributeValue = Record<string, unknown>;

/** DynamoDB's JSON (`{"S": ...}`, `{"N": ...}`, `{"M": ...}`, ...) to plain values. */
function unmarshal(value: AttributeValue): unknown {
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return inner;
    case 'N':
      return Number(inner);
    case 'BOOL':
      return inner;
    case 'NULL':
      return null;
    case 'M':
      return Object.fromEntries(
        Object.entries(inner as Record<string, AttributeValue>).map(([k, v]) => [k, unmarshal(v)]),
      );
    case 'L':
      return (inner as AttributeValue[]).map(unmarshal);
    default:
      throw new Error(`unexpected attribute type ${type}`);
  }
}

export interface WriteRecord {
  readonly sequence: bigint;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly pk: string;
  readonly newImage: Record<string, unknown> | undefined;
}

async function streamsCall(endpoint: string, target: string, body: unknown): Promise<any> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDBStreams_20120810.${target}`,
      // moto routes by the signing service in the credential scope; the signature is not checked.
      Authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`DynamoDB Streams ${target} failed: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Every write the table's stream recorded, in order. */
export async function writeHistory(endpoint: string, streamArn: string): Promise<WriteRecord[]> {
  const described = await streamsCall(endpoint, 'DescribeStream', { StreamArn: streamArn });
  const out: WriteRecord[] = [];
  for (const shard of described.StreamDescription.Shards as { ShardId: string }[]) {
    let iterator: string | undefined = (
      await streamsCall(endpoint, 'GetShardIterator', {
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      })
    ).ShardIterator;
    while (iterator !== undefined) {
      const page = await streamsCall(endpoint, 'GetRecords', { ShardIterator: iterator, Limit: 1000 });
      const records = (page.Records ?? []) as any[];
      for (const r of records) {
        out.push({
          sequence: BigInt(r.dynamodb.SequenceNumber),
          eventName: r.eventName,
          pk: r.dynamodb.Keys.pk.S,
          newImage: r.dynamodb.NewImage === undefined ? undefined : (unmarshal({ M: r.dynamodb.NewImage }) as any),
        });
      }
      iterator = records.length === 0 ? undefined : page.NextShardIterator;
    }
  }
  return out.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}

/** The successive images of one lock item, as written. */
export function lockImages(history: readonly WriteRecord[], lockKey: string): LockItem[] {
  return history
    .filter((r) => r.pk === `lock#${lockKey}` && r.newImage !== undefined)
    .map((r) => lockItemSchema.parse(r.newImage));
}

/**
 * Checks a lock's write history: every write is the next version (none lost or duplicated), and the
 * lock passes from one holder to another only through a write that frees it, or once the holder's
 * lease has run out (never from one live holder to the next). Returns the holders in the order they
 * got the lock.
 */
export function holdersFromHistory(images: readonly LockItem[]): string[] {
  const holders: string[] = [];
  let previous: LockItem | undefined;
  for (const image of images) {
    expect(image.version).toBe((previous?.version ?? 0) + 1);
    const before = previous?.holder?.executionArn ?? null;
    const after = image.holder?.executionArn ?? null;
    if (after !== null && after !== before) {
      // A new holder: only where nobody held the lock before this write, or the holder's lease had run out.
      const expired =
        previous?.holder != null && previous.holder.leaseExpiresAt <= Math.floor(Date.parse(image.updatedAt) / 1000);
      expect({ version: image.version, before: expired ? null : before }).toEqual({
        version: image.version,
        before: null,
      });
      expect(holders).not.toContain(after);
      expect(image.holder?.fencingToken).toBe(image.version);
      holders.push(after);
    }
    previous = image;
  }
  return holders;
}
