import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { handleLock } from '../../lambdas/deploy-lock/handle-lock';
import type { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import { handleWatchdog, type WatchdogResult } from '../../lambdas/watchdog/handle-watchdog';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import {
  attemptAcquire,
  commitOf,
  createLockTable,
  executionArn,
  lockDeps,
  lockStore,
  quiet,
  STATE_MACHINE_ARN,
  TABLE,
} from './support';

const TOPIC = 'pipeline-events';
type Status = 'ABORTED' | 'TIMED_OUT' | 'FAILED';
const FIXTURE: Record<Status, string> = {
  ABORTED: 'execution-aborted.json',
  TIMED_OUT: 'execution-timed-out.json',
  FAILED: 'execution-failed.json',
};

/** AWS's documented example event for `status`, about one of our executions. */
function statusChange(
  status: Status,
  name: string,
  input: Record<string, unknown> | null,
  stateMachineArn = STATE_MACHINE_ARN,
): Record<string, any> {
  const event = JSON.parse(readFileSync(join(__dirname, 'fixtures', FIXTURE[status]), 'utf8'));
  const arn = executionArn(name, stateMachineArn);
  event.resources = [arn];
  Object.assign(event.detail, {
    executionArn: arn,
    stateMachineArn,
    name,
    input: input === null ? null : JSON.stringify(input),
    inputDetails: { included: input !== null },
  });
  return event;
}

const runInput = (environment = 'dev', service = 'orders') => ({
  service,
  environment,
  trigger: 'push',
  source: { commit: commitOf(`${service}-${environment}`) },
});

describeWithTools(['moto_server'], 'watchdog against moto_server', () => {
  let moto: MotoServer;
  let ddb: DynamoDBClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  let sfn: SFNClient;
  let store: LockStore;
  let queueUrl: string;
  let handler: (event: unknown) => Promise<WatchdogResult>;

  async function topicWithQueue(): Promise<string> {
    const topic = await sns.send(new CreateTopicCommand({ Name: TOPIC }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'notifications' }));
    queueUrl = queue.QueueUrl as string;
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn,
        Protocol: 'sqs',
        Endpoint: attrs.Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    return topic.TopicArn as string;
  }

  async function notifications(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (;;) {
      const page = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if ((page.Messages ?? []).length === 0) return out;
      out.push(...(page.Messages ?? []).map((m) => JSON.parse(m.Body as string)));
    }
  }

  beforeAll(async () => {
    moto = await startMoto({ serialized: true });
    ddb = new DynamoDBClient(moto.clientConfig);
    sqs = new SQSClient(moto.clientConfig);
    sns = new SNSClient(moto.clientConfig);
    sfn = new SFNClient(moto.clientConfig);
    const topicArn = await topicWithQueue();
    // The deployed handler, its clients pointed at moto by AWS_ENDPOINT_URL (set by startMoto).
    Object.assign(process.env, {
      DEPLOY_LOCK_TABLE: TABLE,
      STATE_MACHINE_ARN,
      TOPIC_ARN: topicArn,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = await import('../../lambdas/watchdog/index'));
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await createLockTable(ddb);
    await topicWithQueue();
    store = lockStore(ddb);
  });

  const acquire = (name: string, environment = 'dev', service = 'orders') =>
    attemptAcquire(
      { action: 'acquire', service, environment, executionArn: executionArn(name), commit: commitOf(name) },
      lockDeps(store),
    );

  test.each(['ABORTED', 'TIMED_OUT'] as const)(
    '%s holder: the lock is released, the next run gets it, one notification',
    async (status) => {
      await acquire('holder');
      expect(await acquire('waiter')).toMatchObject({ acquired: false, position: 1 });

      const result = await handler(statusChange(status, 'holder', runInput()));
      expect(result).toEqual({ outcome: 'released', lockKey: 'orders#dev', held: true, notified: true });
      expect((await store.getLock('orders#dev'))?.holder).toBeNull();
      expect(await acquire('waiter')).toMatchObject({ acquired: true });
      expect(await notifications()).toEqual([
        {
          type: 'lock_released_by_watchdog',
          service: 'orders',
          environment: 'dev',
          execution: 'holder',
          executionArn: executionArn('holder'),
          status,
          held: true,
        },
      ]);
    },
  );

  test('a second event for the same execution changes nothing and notifies nobody', async () => {
    await acquire('holder');
    await handler(statusChange('ABORTED', 'holder', runInput()));
    expect(await notifications()).toHaveLength(1);
    const after = await store.getLock('orders#dev');

    expect(await handler(statusChange('ABORTED', 'holder', runInput()))).toEqual({
      outcome: 'ignored',
      reason: 'already-released',
      lockKey: 'orders#dev',
    });
    expect(await store.getLock('orders#dev')).toEqual(after);
    expect(await notifications()).toEqual([]);
  });

  test('an execution that holds no lock is ignored', async () => {
    await acquire('holder');
    const before = await store.getLock('orders#dev');
    expect(await handler(statusChange('ABORTED', 'bystander', runInput()))).toEqual({
      outcome: 'ignored',
      reason: 'holds-no-lock',
      lockKey: 'orders#dev',
    });
    expect(await store.getLock('orders#dev')).toEqual(before);
    expect(await notifications()).toEqual([]);
  });

  test('a run that released the lock itself before it failed: nothing to do', async () => {
    await acquire('holder');
    await handleLock(
      { action: 'release', service: 'orders', environment: 'dev', executionArn: executionArn('holder') },
      lockDeps(store),
    );
    expect(await handler(statusChange('FAILED', 'holder', runInput()))).toMatchObject({
      outcome: 'ignored',
      reason: 'already-released',
    });
    expect(await notifications()).toEqual([]);
  });

  test('an aborted waiter leaves the line (held: false), and the holder keeps the lock', async () => {
    await acquire('holder', 'qa');
    await acquire('waiter-1', 'qa');
    await acquire('waiter-2', 'qa');
    const result = await handler(statusChange('ABORTED', 'waiter-1', runInput('qa')));
    expect(result).toEqual({ outcome: 'released', lockKey: 'orders#qa', held: false, notified: true });
    const lock = await store.getLock('orders#qa');
    expect(lock?.holder?.executionArn).toBe(executionArn('holder'));
    expect(lock?.waiters.map((w) => w.executionArn)).toEqual([executionArn('waiter-2')]);
    expect(await notifications()).toMatchObject([{ execution: 'waiter-1', held: false, status: 'ABORTED' }]);
  });

  test('events of other state machines and other statuses are ignored', async () => {
    await acquire('holder');
    const other = 'arn:aws:states:us-east-1:123456789012:stateMachine:something-else';
    expect(await handler(statusChange('ABORTED', 'holder', runInput(), other))).toMatchObject({
      outcome: 'ignored',
      reason: 'other-state-machine',
    });
    const running = statusChange('ABORTED', 'holder', runInput());
    running.detail.status = 'SUCCEEDED';
    expect(await handler(running)).toMatchObject({ outcome: 'ignored', reason: 'status-not-watched' });
    expect((await store.getLock('orders#dev'))?.holder?.executionArn).toBe(executionArn('holder'));
    expect(await notifications()).toEqual([]);
  });

  test('an event without the input (over 248 KB) reads it with DescribeExecution', async () => {
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'deploy-pipeline',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
      }),
    );
    expect(machine.stateMachineArn).toBe(STATE_MACHINE_ARN);
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        name: 'big-input-run',
        input: JSON.stringify(runInput('dev', 'billing')),
      }),
    );
    await acquire('big-input-run', 'dev', 'billing');
    expect(await handler(statusChange('TIMED_OUT', 'big-input-run', null))).toMatchObject({
      outcome: 'released',
      lockKey: 'billing#dev',
    });
    expect(await notifications()).toMatchObject([{ service: 'billing', execution: 'big-input-run' }]);
  });

  test('a failed publish gives the claim back; the retried event publishes once', async () => {
    await acquire('holder');
    const published: unknown[] = [];
    const deps = (fail: boolean) => ({
      store,
      stateMachineArn: STATE_MACHINE_ARN,
      describeInput: async () => undefined,
      publish: async (message: unknown) => {
        if (fail) throw Object.assign(new Error('SNS unavailable'), { name: 'InternalErrorException' });
        published.push(message);
      },
      now: () => new Date(),
      logger: quiet,
    });
    const event = statusChange('ABORTED', 'holder', runInput());
    await expect(handleWatchdog(event, deps(true))).rejects.toThrow('SNS unavailable');
    expect((await store.getLock('orders#dev'))?.holder).toBeNull();

    expect(await handleWatchdog(event, deps(false))).toEqual({
      outcome: 'released',
      lockKey: 'orders#dev',
      held: true,
      notified: true,
    });
    expect(await handleWatchdog(event, deps(false))).toMatchObject({ outcome: 'ignored', reason: 'already-released' });
    expect(published).toHaveLength(1);
  });

  test('a malformed event is refused naming the problem', async () => {
    await expect(handler({ source: 'aws.ecr', detail: {} })).rejects.toMatchObject({
      name: 'InvalidStatusChangeEvent',
      message: expect.stringContaining('detail-type'),
    });
  });
});
