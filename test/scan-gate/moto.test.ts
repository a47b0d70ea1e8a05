import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
  PutImageCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handleScanEvent } from '../../lambdas/scan-gate/handle-scan-event';
import { handlePoll } from '../../lambdas/scan-poll/handle-poll';
import { handleRegistration } from '../../lambdas/scan-registration/handle-registration';
import { collectScan } from '../../lambdas/shared/scan/collect-scan';
import { ScanFindingsAboveThreshold } from '../../lambdas/shared/scan/errors';
import { TokenStore, tokenIdOf } from '../../lambdas/shared/scan/token-store';
import type { ScanGateFailure, ScanGateResult } from '../../lib/contracts/scan-policy';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { fixture } from './scan-builders';

const TABLE = 'scan-gate-tokens';
const REPO = 'orders-api';
const NOW = new Date('2025-06-30T12:00:00Z');
const quiet = { info: () => undefined, warn: () => undefined };

/** A Docker image manifest (schema 2) as `docker push` uploads it; moto derives the digest from it. */
function manifest(seed: string): string {
  const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 1469,
      digest: digest(`config-${seed}`),
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: 3370628,
        digest: digest(`layer-${seed}`),
      },
    ],
  });
}

describeWithTools(['moto_server'], 'scan gate against moto_server', () => {
  let moto: MotoServer;
  let ecr: ECRClient;
  let ddb: DynamoDBClient;
  let sfn: SFNClient;
  let sqs: SQSClient;
  let store: TokenStore;

  beforeAll(async () => {
    moto = await startMoto();
    ecr = new ECRClient(moto.clientConfig);
    ddb = new DynamoDBClient(moto.clientConfig);
    sfn = new SFNClient(moto.clientConfig);
    sqs = new SQSClient(moto.clientConfig);
    store = new TokenStore(DynamoDBDocumentClient.from(ddb), TABLE);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** A fresh moto: every test starts empty, with the real Step Functions executor switched on. */
  async function reset(): Promise<void> {
    await moto.reset();
    // moto runs executions (and checks task tokens) only with this setting; its executor handles
    // one execution per server process until reset (moto bug #10077).
    const res = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(res.ok).toBe(true);
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
  }

  async function pushImage(seed: string): Promise<string> {
    const out = await ecr.send(
      new PutImageCommand({ repositoryName: REPO, imageManifest: manifest(seed), imageTag: seed }),
    );
    const digest = out.image?.imageId?.imageDigest;
    if (!digest) throw new Error('moto returned no digest');
    return digest;
  }

  const scan = (digest: string) =>
    ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: digest } }));

  /** A waiting Task the way WaitForScan waits: `.waitForTaskToken`, the token handed out through SQS. */
  async function waitingExecution(): Promise<{ executionArn: string; taskToken: string }> {
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'task-tokens' }));
    const definition = {
      StartAt: 'WaitForScan',
      States: {
        WaitForScan: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: queue.QueueUrl, MessageBody: { 'taskToken.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'scan-wait',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/scan-wait',
      }),
    );
    const execution = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'orders-api-dev-run', input: '{}' }),
    );
    for (let i = 0; i < 50; i += 1) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
      const message = received.Messages?.[0];
      if (message?.Body) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.QueueUrl, ReceiptHandle: message.ReceiptHandle }));
        return { executionArn: execution.executionArn ?? '', taskToken: JSON.parse(message.Body).taskToken };
      }
    }
    throw new Error('the waiting execution never sent its task token');
  }

  async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    for (let i = 0; i < 50; i += 1) {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (out.status !== 'RUNNING') return out;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('execution still RUNNING');
  }

  const items = async () => (await ddb.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
  const deps = () => ({ store, sfn, ecr, region: 'us-east-1', tokenTtlSeconds: 3_600, now: () => NOW, logger: quiet });
  const ecrEvent = (digest: string) => {
    const event = fixture('event-ecr-image-scan.json');
    event.detail['repository-name'] = REPO;
    event.detail['image-digest'] = digest;
    return event;
  };

  describe('ECR: a real DescribeImageScanFindings reply', () => {
    beforeAll(reset);

    it("moto's reply (one fixed HIGH finding) is read in full and judged; before a scan the poll waits", async () => {
      const digest = await pushImage('v1');
      const policy = {};
      const before = await handlePoll(
        { repository: REPO, digest, policy, scanType: 'basic' },
        { ecr, region: 'us-east-1', now: () => NOW, logger: quiet },
      );
      expect(before).toMatchObject({
        done: false,
        status: 'NOT_FOUND',
        attempt: 1,
        nextWaitSeconds: 30,
        exhausted: false,
      });

      const started = await scan(digest);
      expect(started.imageScanStatus?.status).toBe('IN_PROGRESS');
      const reply = await ecr.send(
        new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageDigest: digest } }),
      );
      expect(collectScan([reply])).toMatchObject({ status: 'COMPLETE', registryId: '123456789012', pages: 1 });

      const error = await handlePoll(
        { repository: REPO, digest, policy, scanType: 'basic', attempt: 3 },
        { ecr, region: 'us-east-1', now: () => NOW, logger: quiet },
      ).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ScanFindingsAboveThreshold);
      const cause = JSON.parse((error as Error).message) as ScanGateFailure;
      expect(cause).toMatchObject({
        error: 'ScanFindingsAboveThreshold',
        source: 'poll',
        status: 'COMPLETE',
        counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 },
        topFindings: [{ id: 'CVE-9999-9999', severity: 'HIGH', package: 'moto_fake', installedVersion: '9.9.9' }],
        consoleUrl: `https://us-east-1.console.aws.amazon.com/ecr/repositories/private/123456789012/${REPO}/_/image/${digest}/scan-results?region=us-east-1`,
      });

      const passed = await handlePoll(
        {
          repository: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${REPO}`,
          digest,
          policy: { maxCounts: { HIGH: 1 } },
          scanType: 'basic',
        },
        { ecr, region: 'us-east-1', now: () => NOW, logger: quiet },
      );
      expect(passed).toMatchObject({ done: true, summary: { passed: true, source: 'poll', counts: { HIGH: 1 } } });
    });

    it('an enhanced reply (AWS example, served by moto) is judged; onlyFixable lets its unfixable HIGH through', async () => {
      const digest = await pushImage('v2');
      const reply = {
        ...fixture('describe-enhanced.api-example.json'),
        repositoryName: REPO,
        imageId: { imageDigest: digest },
      };
      const res = await fetch(`${moto.endpoint}/moto-api/static/ecr/scan-finding-results`, {
        method: 'POST',
        body: JSON.stringify({ results: [reply], region: 'us-east-1' }),
      });
      expect(res.ok).toBe(true);
      await scan(digest);
      const input = { repository: REPO, digest, scanType: 'enhanced' };
      const pollDeps = { ecr, now: () => NOW, logger: quiet };
      await expect(handlePoll({ ...input, policy: {} }, pollDeps)).rejects.toThrow(/CVE-2022-49043/);
      await expect(handlePoll({ ...input, policy: { onlyFixable: true } }, pollDeps)).resolves.toMatchObject({
        done: true,
        summary: { status: 'ACTIVE', counts: { HIGH: 1 } },
      });
    });

    it('the poll gives up after maxAttempts with a reason', async () => {
      const digest = await pushImage('v3');
      const out = await handlePoll(
        { repository: REPO, digest, policy: {}, scanType: 'basic', attempt: 11, maxAttempts: 12 },
        { ecr, now: () => NOW, logger: quiet },
      );
      expect(out).toEqual({
        done: false,
        status: 'NOT_FOUND',
        reason: `image scan not final after 12 polls (status NOT_FOUND): no scan of ${REPO}@${digest} yet`,
        attempt: 12,
        maxAttempts: 12,
        nextWaitSeconds: 300,
        exhausted: true,
      } satisfies ScanGateResult);
    });
  });

  describe('tokens in DynamoDB and answers to Step Functions', () => {
    beforeEach(reset);

    it('registration before the scan stores the token; the ECR Image Scan event fails the waiting task', async () => {
      const digest = await pushImage('v1');
      const { executionArn, taskToken } = await waitingExecution();

      const registered = await handleRegistration(
        { taskToken, repository: REPO, digest, policy: {}, scanType: 'basic' },
        deps(),
      );
      expect(registered).toMatchObject({ registered: true, outcome: 'waiting', status: 'NOT_FOUND' });
      const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
      const [item] = await items();
      expect(item).toMatchObject({
        pk: { S: `${REPO}@${digest}` },
        sk: { S: `token#${tokenIdOf(taskToken)}` },
        taskToken: { S: taskToken },
        scanType: { S: 'basic' },
        expiresAt: { N: String(Math.floor(NOW.getTime() / 1000) + 3_600) },
      });
      expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

      await scan(digest);
      const handled = await handleScanEvent(ecrEvent(digest), deps());
      expect(handled).toMatchObject({
        outcome: 'handled',
        kind: 'basic',
        tokens: [{ outcome: 'failed', status: 'COMPLETE' }],
      });
      const execution = await finished(executionArn);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('ScanFindingsAboveThreshold');
      expect(await items()).toEqual([]);
    });

    it('registration after the scan completed answers at once: SendTaskSuccess with { done, summary }', async () => {
      const digest = await pushImage('v1');
      await scan(digest);
      const { executionArn, taskToken } = await waitingExecution();
      const registered = await handleRegistration(
        { taskToken, repository: REPO, digest, policy: { maxCounts: { HIGH: 1 } }, scanType: 'basic' },
        deps(),
      );
      expect(registered).toMatchObject({ outcome: 'passed', status: 'COMPLETE' });
      const execution = await finished(executionArn);
      expect(execution.status).toBe('SUCCEEDED');
      const output = JSON.parse(execution.output ?? '{}') as ScanGateResult;
      expect(output).toEqual({
        done: true,
        summary: {
          passed: true,
          source: 'registration',
          scanType: 'basic',
          repository: REPO,
          digest,
          status: 'COMPLETE',
          counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0, UNDEFINED: 0 },
          excepted: [],
          expiredExceptions: [],
          warnings: [],
          consoleUrl: `https://us-east-1.console.aws.amazon.com/ecr/repositories/private/123456789012/${REPO}/_/image/${digest}/scan-results?region=us-east-1`,
          evaluatedAt: NOW.toISOString(),
        },
      });
      expect(await items()).toEqual([]);
    });

    it('events for unknown digests are ignored; a token Step Functions no longer knows is dropped', async () => {
      const digest = await pushImage('v1');
      const other = await pushImage('v2');
      await scan(other);
      expect(await handleScanEvent(ecrEvent(other), deps())).toMatchObject({ outcome: 'ignored', tokens: [] });

      const { executionArn, taskToken } = await waitingExecution();
      // A second deploy of the same image whose execution has already ended (its token is dead).
      const stale = 'AAAAKgAAAAIAAAAAAAAAAfakeTokenOfAnEndedExecution';
      for (const token of [taskToken, stale]) {
        await handleRegistration(
          { taskToken: token, repository: REPO, digest, policy: { maxCounts: { HIGH: 5 } }, scanType: 'basic' },
          deps(),
        );
      }
      expect(await items()).toHaveLength(2);
      await scan(digest);
      const handled = await handleScanEvent(ecrEvent(digest), deps());
      const byToken = Object.fromEntries(handled.tokens.map((t) => [t.tokenId, t.outcome]));
      expect(byToken).toEqual({ [tokenIdOf(taskToken)]: 'passed', [tokenIdOf(stale)]: 'token-expired' });
      expect((await finished(executionArn)).status).toBe('SUCCEEDED');
      expect(await items()).toEqual([]);
      // Late duplicate of the event: nothing waits any more.
      expect(await handleScanEvent(ecrEvent(digest), deps())).toMatchObject({ outcome: 'ignored' });
    });

    it('of two invocations racing for one token, exactly one claims it', async () => {
      const digest = await pushImage('v1');
      await handleRegistration(
        { taskToken: 'token-for-claim-test', repository: REPO, digest, policy: {}, scanType: 'basic' },
        deps(),
      );
      const [record] = await store.listForImage(REPO, digest, Math.floor(NOW.getTime() / 1000));
      if (!record) throw new Error('token not stored');
      expect(await Promise.all([store.claim(record), store.claim(record)])).toEqual(
        expect.arrayContaining([true, false]),
      );
      // TTL is enforced on read: an item past expiresAt is not a waiting deploy.
      await store.put({ ...record, expiresAt: Math.floor(NOW.getTime() / 1000) - 1 });
      expect(await store.listForImage(REPO, digest, Math.floor(NOW.getTime() / 1000))).toEqual([]);
    });
  });

  describe('the deployed handlers (module-scope clients, AWS_ENDPOINT_URL)', () => {
    beforeAll(reset);

    it('index handlers read SCAN_TOKENS_TABLE and reach moto with default client configuration', async () => {
      process.env.SCAN_TOKENS_TABLE = TABLE;
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      const registration = await import('../../lambdas/scan-registration/index');
      const gate = await import('../../lambdas/scan-gate/index');
      const poll = await import('../../lambdas/scan-poll/index');
      const digest = await pushImage('v9');
      const { executionArn, taskToken } = await waitingExecution();
      await expect(
        registration.handler({ taskToken, repository: REPO, digest, policy: {}, scanType: 'basic' }),
      ).resolves.toMatchObject({ outcome: 'waiting' });
      await scan(digest);
      await expect(
        poll.handler({ repository: REPO, digest, policy: { maxCounts: { HIGH: null } }, scanType: 'basic' }),
      ).resolves.toMatchObject({
        done: true,
      });
      await expect(gate.handler(ecrEvent(digest))).resolves.toMatchObject({ tokens: [{ outcome: 'failed' }] });
      expect((await finished(executionArn)).error).toBe('ScanFindingsAboveThreshold');
      await expect(gate.handler({ source: 'aws.ecr', 'detail-type': 'ECR Image Action', detail: {} })).rejects.toThrow(
        /not a scan event/,
      );
    });
  });
});
