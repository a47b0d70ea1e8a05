import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { handleApproval } from '../../lambdas/approval/handle-approval';
import type { LockStore } from '../../lambdas/shared/deploy-lock/lock-store';
import { createLockTable, lockStore, policyOf, quiet } from '../deploy-lock/support';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { clients, createPipelineStack, REGION, sha } from './support/moto-pipeline';
import { cliEnv, deployctl, oneLine } from './support/run-deployctl';

const TABLE = 'deploy-lock';
const MACHINE = `arn:aws:states:${REGION}:123456789012:stateMachine:deploy-pipeline`;
/** Who moto's STS says the caller is (GetCallerIdentity with any credentials). */
const MOTO_CALLER = 'arn:aws:sts::123456789012:user/moto';
const COMMIT = sha(7);

describe('deployctl approve and reject refuse bad input before any AWS call', () => {
  // No endpoint, no credentials: a call to AWS would fail with a different message.
  const env = cliEnv();
  const args = ['--state-machine-arn', MACHINE, '--lock-table', TABLE];

  it.each([
    [['approve', '../etc/passwd'], /"\.\.\/etc\/passwd" is neither an execution name .* nor an execution ARN/],
    [['approve', 'x'.repeat(81)], /is neither an execution name \(1-80 of A-Z a-z 0-9 _ -\)/],
    [['approve', 'name with spaces'], /is neither an execution name/],
    [['approve', 'arn:aws:states:eu-west-1:123:execution:m:n'], /is not an execution ARN/],
    [['approve', 'latest'], /name the execution to answer \(not "latest"\)/],
    [['reject', 'orders-api-prod-1'], /required option '--reason <text>' not specified/],
    [['reject', 'orders-api-prod-1', '--reason', ''], /--reason must not be empty/],
    [['reject', 'orders-api-prod-1', '--reason', '   '], /--reason must not be empty/],
    [['reject', 'orders-api-prod-1', '--reason', 'r'.repeat(1025)], /--reason is 1025 characters long: at most 1024/],
    [
      ['approve', 'orders-api-prod-1', '--comment', 'c'.repeat(1025)],
      /--comment is 1025 characters long: at most 1024/,
    ],
  ])('%j', async (argv, message) => {
    const out = await deployctl([...argv, ...args], env);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(oneLine(out.stderr)).toMatch(message);
  });

  it('a reason of exactly 1024 characters (code points) passes the check', async () => {
    // It gets as far as AWS, which is not reachable without credentials here.
    const out = await deployctl(['reject', 'orders-api-prod-1', '--reason', 'é'.repeat(1024), ...args], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toMatch(/no usable AWS credentials/);
  });
});

describeWithTools(['moto_server'], 'deployctl approve and reject against moto_server', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let sqs: SQSClient;
  let ddb: DynamoDBClient;
  let store: LockStore;
  let env: NodeJS.ProcessEnv;
  const answer = (...argv: string[]) =>
    deployctl([...argv, '--state-machine-arn', MACHINE, '--lock-table', TABLE], env);

  beforeAll(async () => {
    moto = await startMoto();
    const config = { ...moto.clientConfig, region: REGION };
    sfn = new SFNClient(config);
    sqs = new SQSClient(config);
    ddb = new DynamoDBClient(config);
    env = cliEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });
  afterAll(() => moto?.stop());

  /**
   * A fresh moto that runs executions (moto runs one execution per server until reset, moto #10077),
   * the lock table, and (unless `first` is empty) the pipeline's state machine starting with `first`.
   */
  async function reset(first: Record<string, unknown>): Promise<void> {
    await moto.reset();
    const res = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(res.ok).toBe(true);
    await createLockTable(ddb, TABLE);
    store = lockStore(ddb, TABLE);
    if (Object.keys(first).length > 0) await pipeline(first);
  }

  /** The pipeline's state machine (its ARN is {@link MACHINE}) with `first` as its first state. */
  async function pipeline(first: Record<string, unknown>): Promise<void> {
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'deploy-pipeline',
        definition: JSON.stringify({ StartAt: Object.keys(first)[0], States: first }),
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
      }),
    );
    expect(machine.stateMachineArn).toBe(MACHINE);
  }

  /**
   * A run waiting the way WaitForApproval waits (`.waitForTaskToken`; the token comes out through
   * SQS here), with its approval stored by the real handler logic (`handleApproval`) at `requestedAt`.
   */
  async function waitingRun(name: string, requestedAt = new Date()): Promise<string> {
    await reset({});
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'task-tokens' }));
    await pipeline({
      WaitForApproval: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: queue.QueueUrl, MessageBody: { 'taskToken.$': '$$.Task.Token' } },
        End: true,
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name, input: '{}' }));
    for (let i = 0; i < 50; i += 1) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
      const message = received.Messages?.[0];
      if (message?.Body) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.QueueUrl, ReceiptHandle: message.ReceiptHandle }));
        await handleApproval(
          {
            taskToken: JSON.parse(message.Body).taskToken,
            executionArn,
            service: 'orders',
            environment: 'prod',
            commit: COMMIT,
            reason: 'approval',
            plan: null,
          },
          { store, policyOf, publish: async () => undefined, now: () => requestedAt, logger: quiet },
        );
        return executionArn as string;
      }
    }
    throw new Error('the waiting execution never sent its task token');
  }

  async function finished(arn: string): Promise<DescribeExecutionCommandOutput> {
    for (let i = 0; i < 100; i += 1) {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      if (out.status !== 'RUNNING') return out;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('execution still RUNNING');
  }

  it('approve: the run goes on with who approved (the STS identity) and the comment; a second approve is refused', async () => {
    const arn = await waitingRun('orders-prod-1234567-approve');
    const out = await answer('approve', 'orders-prod-1234567-approve', '--comment', 'CHG-1234');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(
      [
        'Approved orders-prod-1234567-approve',
        `  orders → prod  commit ${COMMIT.slice(0, 7)}, approved by ${MOTO_CALLER}`,
        '  Follow it: deployctl watch orders-prod-1234567-approve',
        '',
      ].join('\n'),
    );
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({
      approved: true,
      by: MOTO_CALLER,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      comment: 'CHG-1234',
    });

    const again = await answer('approve', arn);
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toMatch(
      /^deployctl: orders-prod-1234567-approve is not waiting for approval: it ended SUCCEEDED at \d{4}-\d\d-\d\dT[\d:.]+Z$/,
    );
  });

  it('reject --json: the run fails ApprovalRejected; answering it again says it was rejected', async () => {
    const arn = await waitingRun('orders-prod-1234567-reject');
    const out = await answer('reject', arn, '--reason', 'not during the freeze', '--json');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(out.stdout)).toEqual({
      execution: 'orders-prod-1234567-reject',
      executionArn: arn,
      service: 'orders',
      environment: 'prod',
      commit: COMMIT,
      approved: false,
      by: MOTO_CALLER,
      reason: 'not during the freeze',
    });
    const done = await finished(arn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ApprovalRejected');
    expect(await store.getApproval('orders-prod-1234567-reject')).toBeUndefined();

    const again = await answer('approve', 'orders-prod-1234567-reject');
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toMatch(
      /is not waiting for approval: it ended FAILED \(ApprovalRejected\) at \S+: it was rejected$/,
    );
  });

  it('a run in another state: "it is RUNNING in <state>", and nothing is sent', async () => {
    await reset({ TerraformApply: { Type: 'Wait', Seconds: 120, End: true } });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'orders-prod-1234567-apply', input: '{}' }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const out = await answer('approve', 'orders-prod-1234567-apply');
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(
      'deployctl: orders-prod-1234567-apply is not waiting for approval: it is RUNNING in TerraformApply',
    );
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('an approval past its timeout is not answered: "its approval timed out at ..."', async () => {
    // prod's approval times out after 4 hours (approvalTimeoutHours in the test configuration).
    const requested = new Date(Date.now() - 5 * 60 * 60 * 1000);
    const arn = await waitingRun('orders-prod-1234567-late', requested);
    const out = await answer('reject', 'orders-prod-1234567-late', '--reason', 'too late');
    expect(out.code).toBe(1);
    expect(oneLine(out.stderr)).toBe(
      `deployctl: orders-prod-1234567-late is not waiting for approval: its approval timed out at ${new Date(
        requested.getTime() + 4 * 60 * 60 * 1000,
      ).toISOString()} (the run ends ApprovalTimedOut)`,
    );
    // The stored token was not used.
    expect(await store.getApproval('orders-prod-1234567-late')).toBeDefined();
    await sfn.send(new StopExecutionCommand({ executionArn: arn }));
  });

  it('an unknown execution, and an ARN of another state machine, are named (exit 2)', async () => {
    await reset({ Done: { Type: 'Succeed' } });
    const unknown = await answer('approve', 'orders-prod-0000000-nothing');
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toMatch(/^deployctl: no execution "orders-prod-0000000-nothing" \(/);
    const other = await answer('approve', `${MACHINE.replace(':stateMachine:', ':execution:')}-other:run-1`);
    expect(other.code).toBe(2);
    expect(oneLine(other.stderr)).toMatch(/is not an execution of this installation's state machine/);
  });
});

describeWithTools(['moto_server'], 'deployctl approve finds the lock table from the stack', () => {
  let moto: MotoServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto();
    await createPipelineStack(clients(moto).cfn);
    env = cliEnv({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
  });
  afterAll(() => moto?.stop());

  it('a stack without the DeployLockTableName output says to update it or pass --lock-table', async () => {
    const out = await deployctl(['approve', 'orders-api-prod-1234567-abc'], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe(
      'deployctl: stack "DeployPipeline" has no DeployLockTableName output: update it with "npx cdk deploy", or pass --lock-table',
    );
  });

  it('--state-machine-arn without --lock-table asks for it', async () => {
    const out = await deployctl(['approve', 'orders-api-prod-1234567-abc', '--state-machine-arn', MACHINE], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe(
      'deployctl: with --state-machine-arn, also pass --lock-table (the DeployLockTableName output)',
    );
  });
});
