import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { handleNotify, type NotifyDeps } from '../../lambdas/notify/handle-notify';
import { InvalidNotifyRequest } from '../../lambdas/notify/notify-request';
import { pipelineEventSchema } from '../../lib/contracts/pipeline-event';
import { helmDeployFailedHistory } from './history';
import { EVENT_TIME, type WorkflowPayloads, workflowPayloads } from './requests';

let payloads: WorkflowPayloads;
beforeAll(async () => {
  payloads = await workflowPayloads();
});

function deps(history: 'ok' | 'fails') {
  const sfn = new SFNClient({ region: 'us-east-1' });
  const pages = helmDeployFailedHistory().pages(25);
  sfn.send = (async (command: { input: { nextToken?: string } }) => {
    if (history === 'fails') throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    return pages[command.input.nextToken === undefined ? 0 : Number(command.input.nextToken.slice(5))];
  }) as never;
  const sns = new SNSClient({ region: 'us-east-1' });
  const published: Array<Record<string, unknown>> = [];
  sns.send = (async (command: { input: Record<string, unknown> }) => {
    published.push(command.input);
    return { MessageId: 'm-1' };
  }) as never;
  const logger = { info: jest.fn(), warn: jest.fn() };
  const d: NotifyDeps = {
    sfn,
    sns,
    topicArn: 'topic',
    chatbotRoutes: [],
    now: () => EVENT_TIME,
    historyTimeoutMs: 5_000,
    logger,
  };
  return { d, published, logger };
}

describe('handleNotify', () => {
  test('reads the whole history for the timeline, publishes the event once, logs its id and size only', async () => {
    const { d, published, logger } = deps('ok');
    const result = await handleNotify(payloads.failed, d);
    expect(result).toEqual({ id: 'sample-service-dev-0123456-abcdef012345/failed', type: 'failed', messageId: 'm-1' });
    expect(published).toHaveLength(1);
    const event = pipelineEventSchema.parse(JSON.parse(String(published[0]?.Message)));
    expect(event.stages.map((s) => s.name)).toEqual([
      'RunTests',
      'TerraformPlan',
      'BuildImage',
      'PlanGuard',
      'CoverageGate',
      'TerraformApply',
      'HelmDeploy',
    ]);
    expect(logger.info).toHaveBeenCalledWith('pipeline event published', {
      id: event.id,
      type: 'failed',
      service: 'sample-service',
      environment: 'dev',
      messageId: 'm-1',
      bytes: expect.any(Number),
      trimmed: [],
      chatbot: [],
      // A final event carries the run's cost (test/notifications/run-cost.test.ts).
      costUsd: expect.any(Number),
    });
    expect(JSON.stringify(logger.info.mock.calls)).not.toContain('Add the items endpoint');
  });

  test('a history that cannot be read costs the timeline only, with a warning', async () => {
    const { d, published, logger } = deps('fails');
    await handleNotify(payloads.failed, d);
    expect(JSON.parse(String(published[0]?.Message)).stages).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith('execution history not read: the event has no stage timeline', {
      execution: 'sample-service-dev-0123456-abcdef012345',
      reason: 'AccessDeniedException',
    });
  });

  test('a payload that is not a notify request fails the invocation (the state’s Catch lets the run go on)', async () => {
    const { d, published } = deps('ok');
    await expect(handleNotify({ Message: { event: 'failed' } }, d)).rejects.toThrow(InvalidNotifyRequest);
    expect(published).toEqual([]);
  });
});
