import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { answerApproval, findApprovalToken } from '../../lambdas/approval/find-approval';
import { handleApproval } from '../../lambdas/approval/handle-approval';
import { handlePromote } from '../../lambdas/promote/handle-promote';
import { handlePromoteOnSuccess } from '../../lambdas/promote/promote-on-success';
import type { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import { executionName } from '../../lambdas/shared/execution-name';
import type { ApprovalRequestedMessage, PromoteOutput } from '../../lib/contracts/deploy-lock';
import type { ExecutionInput } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import {
  commitOf,
  createLockTable,
  executionArn,
  lockStore,
  policyOf,
  quiet,
  STATE_MACHINE_ARN,
  TABLE,
  TEST_CONFIG,
  TEST_CONFIG_INPUT,
} from './support';

const COMMIT = commitOf('promote-me');
const DIGEST = `sha256:${'cd'.repeat(32)}`;
const REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/orders';

function devRun(overrides: Partial<ExecutionInput> = {}): ExecutionInput {
  return {
    service: 'orders',
    environment: 'dev',
    trigger: 'push',
    source: {
      provider: 'github',
      repository: 'acme/orders',
      ref: 'refs/heads/develop',
      branch: 'develop',
      commit: COMMIT,
      before: null,
      message: 'Ship it',
      author: 'octocat',
      url: `https://github.com/acme/orders/commit/${COMMIT}`,
      deliveryId: 'b6b2a7d0-0000-4000-8000-000000000001',
    },
    changes: { app: true, infra: false, paths: ['service/src/index.ts'] },
    ...overrides,
  };
}

describeWithTools(['moto_server'], 'promotion and approval against moto_server', () => {
  let moto: MotoServer;
  let ddb: DynamoDBClient;
  let sfn: SFNClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  let store: LockStore;

  beforeAll(async () => {
    moto = await startMoto();
    ddb = new DynamoDBClient(moto.clientConfig);
    sfn = new SFNClient(moto.clientConfig);
    sqs = new SQSClient(moto.clientConfig);
    sns = new SNSClient(moto.clientConfig);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** A fresh moto with the lock table and the pipeline's state machine (its executions only recorded). */
  async function reset(execute = false): Promise<void> {
    await moto.reset();
    // moto runs executions (and checks task tokens) only with this setting, one per server until reset (moto #10077).
    const res = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: execute } }),
    });
    expect(res.ok).toBe(true);
    await createLockTable(ddb);
    store = lockStore(ddb);
  }

  async function pipeline(definition: unknown = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }) {
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'deploy-pipeline',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
      }),
    );
    expect(machine.stateMachineArn).toBe(STATE_MACHINE_ARN);
  }

  describe('promotion', () => {
    beforeEach(async () => {
      await reset();
      await pipeline();
    });
    const deps = () => ({ config: TEST_CONFIG, sfn, logger: quiet });

    test('a succeeded dev run starts prod for the same commit and digest, once', async () => {
      const source = executionArn('orders-dev-src');
      const input = { run: devRun(), executionArn: source, image: { repository: REPOSITORY, digest: DIGEST } };
      const name = executionName({
        service: 'orders',
        environment: 'prod',
        commit: COMMIT,
        deliveryId: 'promotion:orders-dev-src',
      });

      const first = await handlePromote(input, deps());
      expect(first).toEqual({
        promotions: [{ environment: 'prod', name, executionArn: executionArn(name), outcome: 'started' }],
      });
      const started = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(name) }));
      expect(JSON.parse(started.input as string)).toEqual({
        ...devRun(),
        environment: 'prod',
        trigger: 'promotion',
        source: { ...devRun().source, deliveryId: 'promotion:orders-dev-src' },
        image: { repository: REPOSITORY, digest: DIGEST },
      });

      // A retry while it runs: Step Functions answers a repeated start (same name and input) with the same execution.
      expect(await handlePromote(input, deps())).toEqual(first);
      // A retry after it ended: the name is taken, nothing new starts.
      await sfn.send(new StopExecutionCommand({ executionArn: executionArn(name) }));
      const late = await handlePromote(input, deps());
      expect(late.promotions).toMatchObject([{ name, outcome: 'already-exists' }]);
      const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN }));
      expect(listed.executions?.map((e) => e.name)).toEqual([name]);
    });

    test('a run that was itself a promotion passes its own image on; an environment nothing promotes from starts nothing', async () => {
      const promoted = devRun({ image: { repository: REPOSITORY, digest: DIGEST } });
      const out = await handlePromote(
        { run: promoted, executionArn: executionArn('orders-dev-x'), image: null },
        deps(),
      );
      const started = await sfn.send(
        new DescribeExecutionCommand({ executionArn: out.promotions[0]?.executionArn as string }),
      );
      expect(JSON.parse(started.input as string).image).toEqual({ repository: REPOSITORY, digest: DIGEST });

      const fromProd = await handlePromote(
        { run: devRun({ environment: 'prod' }), executionArn: executionArn('orders-prod-x'), image: null },
        deps(),
      );
      expect(fromProd).toEqual({ promotions: [] });
    });

    test('an application change without a digest is refused: promotion never rebuilds', async () => {
      await expect(
        handlePromote({ run: devRun(), executionArn: executionArn('orders-dev-y'), image: null }, deps()),
      ).rejects.toMatchObject({
        name: 'InvalidPromotion',
        message: expect.stringContaining('no image digest was given'),
      });
      await expect(
        handlePromote({ run: { service: 'orders' }, executionArn: executionArn('z'), image: null }, deps()),
      ).rejects.toThrow('run is not an execution input');
      // An infrastructure-only run promotes without an image.
      const infra = devRun({ changes: { app: false, infra: true, paths: ['infra/main.tf'] } });
      const out = await handlePromote({ run: infra, executionArn: executionArn('orders-dev-z'), image: null }, deps());
      expect(out.promotions).toHaveLength(1);
    });

    /** The SUCCEEDED status-change event of a dev run whose final state is `final` (EventBridge shape). */
    const succeeded = (name: string, final: unknown, run: ExecutionInput = devRun()) => ({
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: executionArn(name),
        stateMachineArn: STATE_MACHINE_ARN,
        name,
        status: 'SUCCEEDED',
        input: JSON.stringify(run),
        inputDetails: { included: true },
        output: JSON.stringify(final),
        outputDetails: { included: true },
      },
    });
    const built = {
      verify: {
        image: {
          deferred: false,
          exported: [
            { Name: 'IMAGE_URI', Value: `${REPOSITORY}@${DIGEST}` },
            { Name: 'IMAGE_DIGEST', Value: DIGEST },
          ],
        },
      },
    };
    const onSuccess = (describe: (arn: string) => Promise<{ output?: string }> = async () => ({})) => ({
      ...deps(),
      stateMachineArn: STATE_MACHINE_ARN,
      describe,
    });

    test('a SUCCEEDED event promotes with the image the run built; superseded, rollback and other machines do not', async () => {
      const out = await handlePromoteOnSuccess(succeeded('orders-dev-built', built), onSuccess());
      expect(out).toMatchObject({ promotions: [{ environment: 'prod', outcome: 'started' }] });
      const { promotions } = out as PromoteOutput;
      const started = await sfn.send(
        new DescribeExecutionCommand({ executionArn: promotions[0]?.executionArn as string }),
      );
      expect(JSON.parse(started.input as string)).toMatchObject({
        environment: 'prod',
        trigger: 'promotion',
        image: { repository: REPOSITORY, digest: DIGEST },
      });
      // A redelivered event starts nothing twice: the name is derived from the source run, and Step
      // Functions answers a repeated start of a running execution with the same execution.
      await expect(handlePromoteOnSuccess(succeeded('orders-dev-built', built), onSuccess())).resolves.toEqual(out);
      const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN }));
      expect(listed.executions?.map((e) => e.executionArn)).toEqual([promotions[0]?.executionArn]);
      await expect(
        handlePromoteOnSuccess(succeeded('orders-dev-sup', { ...built, superseded: { by: {} } }), onSuccess()),
      ).resolves.toEqual({ skipped: 'superseded' });
      await expect(
        handlePromoteOnSuccess(
          succeeded('orders-dev-rb', { ...built, rollbackRequest: { requestedBy: 'x' } }),
          onSuccess(),
        ),
      ).resolves.toEqual({ skipped: 'rollback-request' });
      const other = succeeded('orders-dev-other', built);
      other.detail.stateMachineArn = STATE_MACHINE_ARN.replace('deploy-pipeline', 'another');
      await expect(handlePromoteOnSuccess(other, onSuccess())).resolves.toEqual({ skipped: 'other-state-machine' });
      await expect(handlePromoteOnSuccess({ detail: {} }, onSuccess())).rejects.toThrow(
        'not a Step Functions Execution Status Change event',
      );
    });

    test('an event that left out the output (over 248 KB) is completed with DescribeExecution', async () => {
      const event = succeeded('orders-dev-big', built);
      const full = event.detail.output;
      Object.assign(event.detail, { output: null, outputDetails: { included: false } });
      const asked: string[] = [];
      const out = await handlePromoteOnSuccess(
        event,
        onSuccess(async (arn: string) => {
          asked.push(arn);
          return { output: full };
        }),
      );
      expect(asked).toEqual([executionArn('orders-dev-big')]);
      expect(out).toMatchObject({ promotions: [{ environment: 'prod', outcome: 'started' }] });
    });

    test('the deployed handler reads the bundled configuration and reaches moto with default clients', async () => {
      Object.assign(process.env, {
        EMBEDDED_PIPELINE_CONFIG: JSON.stringify(TEST_CONFIG_INPUT),
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        STATE_MACHINE_ARN,
      });
      const { handler } = await import('../../lambdas/promote/index');
      const out = await handler(succeeded('orders-dev-deployed', built));
      expect(out).toMatchObject({ promotions: [{ environment: 'prod', outcome: 'started' }] });
    });
  });

  describe('approval', () => {
    /** A run waiting the way WaitForApproval waits: `.waitForTaskToken`, the token handed out through SQS. */
    async function waitingRun(name: string): Promise<{ executionArn: string; taskToken: string }> {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'task-tokens' }));
      await pipeline({
        StartAt: 'WaitForApproval',
        States: {
          WaitForApproval: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { QueueUrl: queue.QueueUrl, MessageBody: { 'taskToken.$': '$$.Task.Token' } },
            End: true,
          },
        },
      });
      const execution = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: '{}' }),
      );
      for (let i = 0; i < 50; i += 1) {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
        const message = received.Messages?.[0];
        if (message?.Body) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.QueueUrl, ReceiptHandle: message.ReceiptHandle }));
          return { executionArn: execution.executionArn as string, taskToken: JSON.parse(message.Body).taskToken };
        }
      }
      throw new Error('the waiting execution never sent its task token');
    }

    async function finished(arn: string): Promise<DescribeExecutionCommandOutput> {
      for (let i = 0; i < 50; i += 1) {
        const out = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        if (out.status !== 'RUNNING') return out;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('execution still RUNNING');
    }

    const request = (arn: string, taskToken: string) => ({
      taskToken,
      executionArn: arn,
      service: 'orders',
      environment: 'prod',
      commit: COMMIT,
      reason: 'approval',
      plan: {
        planKey: ['runs/x/terraform/plan.tfplan'],
        guard: {
          summary: {
            add: 2,
            change: 1,
            destroy: 0,
            replace: 0,
            protectedChanges: [],
            summary: '2 to add, 1 to change, 0 to destroy',
          },
        },
      },
    });

    const approvalDeps = (published: ApprovalRequestedMessage[], now = () => new Date('2026-11-20T10:00:00Z')) => ({
      store,
      policyOf,
      publish: async (m: ApprovalRequestedMessage) => {
        published.push(m);
      },
      now,
      logger: quiet,
    });

    test('the token is stored with the execution, found by name or ARN, and gone once it times out', async () => {
      await reset();
      const published: ApprovalRequestedMessage[] = [];
      const arn = executionArn('orders-prod-1234567-abc');
      const message = await handleApproval(request(arn, 'token-1'), approvalDeps(published));
      expect(message).toEqual({
        type: 'approval_requested',
        service: 'orders',
        environment: 'prod',
        execution: 'orders-prod-1234567-abc',
        executionArn: arn,
        commit: COMMIT,
        reason: 'approval',
        planSummary: '2 to add, 1 to change, 0 to destroy',
        plan: { add: 2, change: 1, destroy: 0 },
        blocked: null,
        approveCommand: 'deployctl approve orders-prod-1234567-abc',
        rejectCommand: 'deployctl reject orders-prod-1234567-abc --reason "<why>"',
        // prod's approvalTimeoutHours is 4.
        expiresAt: '2026-11-20T14:00:00.000Z',
      });
      expect(published).toEqual([message]);

      const at = (iso: string) => ({ store, now: () => new Date(iso) });
      expect(await findApprovalToken('orders-prod-1234567-abc', at('2026-11-20T10:01:00Z'))).toMatchObject({
        taskToken: 'token-1',
        executionArn: arn,
        environment: 'prod',
      });
      expect(await findApprovalToken(arn, at('2026-11-20T10:01:00Z'))).toMatchObject({ taskToken: 'token-1' });
      expect(
        await findApprovalToken(
          executionArn('orders-prod-1234567-abc', `${STATE_MACHINE_ARN}-other`),
          at('2026-11-20T10:01:00Z'),
        ),
      ).toBeUndefined();
      expect(await findApprovalToken('orders-prod-1234567-abc', at('2026-11-20T14:00:00Z'))).toBeUndefined();
      expect(await findApprovalToken('never-asked', at('2026-11-20T10:01:00Z'))).toBeUndefined();
    });

    test('approve: SendTaskSuccess ends the wait with who approved; the token is used once', async () => {
      await reset(true);
      const { executionArn: arn, taskToken } = await waitingRun('orders-prod-approve');
      await handleApproval(
        request(arn, taskToken),
        approvalDeps([], () => new Date()),
      );
      await answerApproval(
        'orders-prod-approve',
        { approve: true, by: 'arn:aws:iam::123456789012:user/alice' },
        { store, sfn },
      );

      const done = await finished(arn);
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.output as string)).toMatchObject({
        approved: true,
        by: 'arn:aws:iam::123456789012:user/alice',
        comment: null,
      });
      expect(await findApprovalToken('orders-prod-approve', { store })).toBeUndefined();
      await expect(
        answerApproval('orders-prod-approve', { approve: true, by: 'bob' }, { store, sfn }),
      ).rejects.toMatchObject({ name: 'ApprovalNotPending' });
    });

    test('reject: SendTaskFailure fails the wait with ApprovalRejected and the reason', async () => {
      await reset(true);
      const { executionArn: arn, taskToken } = await waitingRun('orders-prod-reject');
      await handleApproval(
        request(arn, taskToken),
        approvalDeps([], () => new Date()),
      );
      // moto 5.2.1 drops SendTaskFailure's cause (stepfunctions/responses.py passes only the error): read it from the request.
      const answering = new SFNClient(moto.clientConfig);
      const sent: Record<string, unknown>[] = [];
      answering.middlewareStack.add(
        (next) => async (args) => {
          sent.push(args.input as Record<string, unknown>);
          return next(args);
        },
        { step: 'initialize' },
      );
      await answerApproval(
        arn,
        { approve: false, by: 'arn:aws:iam::123456789012:user/carol', reason: 'not during the freeze' },
        { store, sfn: answering },
      );
      const done = await finished(arn);
      expect(done.status).toBe('FAILED');
      expect(done.error).toBe('ApprovalRejected');
      expect(sent).toHaveLength(1);
      expect(sent[0]?.error).toBe('ApprovalRejected');
      expect(JSON.parse(sent[0]?.cause as string)).toMatchObject({
        rejectedBy: 'arn:aws:iam::123456789012:user/carol',
        reason: 'not during the freeze',
      });
    });

    test('the deployed handler stores the token and publishes the request to the topic', async () => {
      await reset();
      const topic = await sns.send(new CreateTopicCommand({ Name: 'pipeline-events' }));
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'approvals' }));
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(
        new SubscribeCommand({
          TopicArn: topic.TopicArn,
          Protocol: 'sqs',
          Endpoint: attrs.Attributes?.QueueArn,
          // A subscription that filters on the type attribute, as the pipeline's subscriptions do.
          Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: ['approval_requested'] }) },
        }),
      );
      Object.assign(process.env, {
        DEPLOY_LOCK_TABLE: TABLE,
        TOPIC_ARN: topic.TopicArn,
        EMBEDDED_PIPELINE_CONFIG: JSON.stringify(TEST_CONFIG_INPUT),
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      });
      const { handler } = await import('../../lambdas/approval/index');
      const arn = executionArn('orders-prod-deployed');
      await handler({
        ...request(arn, 'token-deployed'),
        reason: 'destructive',
        blocked: 'aws_db_instance.main (delete)',
      });

      expect(await findApprovalToken('orders-prod-deployed', { store })).toMatchObject({ taskToken: 'token-deployed' });
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
      expect(received.Messages?.map((m) => JSON.parse(m.Body as string))).toMatchObject([
        {
          type: 'approval_requested',
          execution: 'orders-prod-deployed',
          reason: 'destructive',
          blocked: 'aws_db_instance.main (delete)',
          approveCommand: 'deployctl approve orders-prod-deployed',
        },
      ]);
    });

    test('a request that is not the documented shape fails at once, naming the field', async () => {
      await reset();
      await expect(
        handleApproval({ ...request(executionArn('x'), 't'), commit: 'abc' }, approvalDeps([])),
      ).rejects.toMatchObject({ name: 'InvalidApprovalRequest', message: expect.stringContaining('commit') });
    });
  });
});
