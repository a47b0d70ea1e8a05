import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { handleCodeCommitEvent } from '../../lambdas/codecommit-trigger/handle-codecommit-event';
import { executionName } from '../../lambdas/shared/execution-name';
import { logger } from '../../lambdas/shared/logger';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import { type MotoServer, startMoto } from '../support/moto-server';
import { describeWithTools } from '../support/real-tool';
import { CONFIG, CONFIG_INPUT } from './fixtures';
import { LogCapture } from './log-capture';

const COMMIT = '5c4ef1049f1d27deadbeef0eb3b3a4c2ee54d3b1';
const OLD = 'a8f3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5';

/** A `CodeCommit Repository State Change` event as EventBridge delivers it (shape from the CodeCommit user guide). */
function codeCommitEvent(detail: Record<string, unknown> = {}, id = 'c7d3a5f0-1b2e-4c8d-9e6f-0a1b2c3d4e5f') {
  return {
    version: '0',
    id,
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account: '123456789012',
    time: '2024-03-04T12:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:codecommit:us-east-1:123456789012:billing-repo'],
    detail: {
      callerUserArn: 'arn:aws:iam::123456789012:user/Mary_Major',
      commitId: COMMIT,
      oldCommitId: OLD,
      event: 'referenceUpdated',
      referenceFullName: 'refs/heads/main',
      referenceName: 'main',
      referenceType: 'branch',
      repositoryId: '12345678-1234-5678-abcd-12345678abcd',
      repositoryName: 'billing-repo',
      ...detail,
    },
  };
}

describeWithTools(['moto_server'], 'codecommit trigger against moto_server', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let stateMachineArn: string;
  let handler: (event: unknown) => Promise<unknown>;
  const logs = new LogCapture();
  const count = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions?.length ?? 0;

  beforeAll(async () => {
    moto = await startMoto();
    sfn = new SFNClient(moto.clientConfig);
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'deploy-pipeline',
        roleArn: 'arn:aws:iam::123456789012:role/deploy-pipeline',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    stateMachineArn = String(created.stateMachineArn);
    Object.assign(process.env, {
      EMBEDDED_PIPELINE_CONFIG: JSON.stringify(CONFIG_INPUT),
      STATE_MACHINE_ARN: stateMachineArn,
    });
    handler = (await import('../../lambdas/codecommit-trigger/index')).handler;
    logs.start();
  });

  afterAll(async () => {
    logs.stop();
    await moto?.stop();
  });

  it('a branch update starts the configured environment with unknown paths, named from the event id', async () => {
    const result = (await handler(codeCommitEvent())) as {
      decision: string;
      executions: Array<{ executionArn: string; name: string }>;
    };
    expect(result.decision).toBe('started');
    const [started] = result.executions;
    expect(started?.name).toBe(
      executionName({
        service: 'billing',
        environment: 'dev',
        commit: COMMIT,
        deliveryId: 'c7d3a5f0-1b2e-4c8d-9e6f-0a1b2c3d4e5f',
      }),
    );
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started?.executionArn }));
    expect(executionInputSchema.parse(JSON.parse(String(described.input)))).toMatchObject({
      service: 'billing',
      environment: 'dev',
      trigger: 'push',
      source: {
        provider: 'codecommit',
        repository: 'billing-repo',
        ref: 'refs/heads/main',
        commit: COMMIT,
        before: OLD,
        author: 'user/Mary_Major',
      },
      changes: { app: true, infra: true, paths: null },
    });
    expect(await count()).toBe(1);
  });

  it('a retried event (same id) starts nothing new', async () => {
    await handler(codeCommitEvent());
    expect(await count()).toBe(1);
  });

  it('a created branch starts too, with no previous commit', async () => {
    const result = await handler(codeCommitEvent({ event: 'referenceCreated', oldCommitId: undefined }, 'evt-created'));
    expect(result).toMatchObject({ decision: 'started' });
    expect(await count()).toBe(2);
  });

  it.each([
    ['a deleted branch', { event: 'referenceDeleted', commitId: undefined }, 'branch-deleted'],
    ['a tag', { referenceType: 'tag', referenceName: 'v1', referenceFullName: 'refs/tags/v1' }, 'tag'],
    [
      'another branch',
      { referenceName: 'develop', referenceFullName: 'refs/heads/develop' },
      'no-environment-for-branch',
    ],
    ['another repository', { repositoryName: 'other-repo' }, 'unknown-repository'],
  ])('%s is ignored', async (_label, detail, reason) => {
    const before = await count();
    expect(await handler(codeCommitEvent(detail, `evt-${reason}`))).toMatchObject({ decision: 'ignored', reason });
    expect(await count()).toBe(before);
  });

  it('a malformed event is logged and dropped, not retried', async () => {
    const before = await count();
    expect(await handler({ detail: { repositoryName: 'billing-repo', commitId: 'nope' } })).toMatchObject({
      decision: 'rejected',
      reason: 'invalid-event',
    });
    expect(await count()).toBe(before);
    expect(logs.records().some((r) => r.reason === 'invalid-event' && String(r.detail).includes('id: '))).toBe(true);
  });

  it('a Step Functions failure is thrown so Lambda retries the event', async () => {
    await expect(
      handleCodeCommitEvent(codeCommitEvent({}, 'evt-fail'), {
        config: CONFIG,
        sfn: new SFNClient({}),
        stateMachineArn: stateMachineArn.replace('deploy-pipeline', 'missing'),
        logger,
      }),
    ).rejects.toThrow();
  });
});
