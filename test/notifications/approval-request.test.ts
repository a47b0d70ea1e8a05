import {
  parseApprovalRequest,
  renderApprovalRequest,
} from '../../lambdas/shared/notifications/render-approval-request';
import { deliverMessage } from '../../lambdas/slack-notifier/deliver-event';
import type { ApprovalRequestedMessage } from '../../lib/contracts/deploy-lock';
import { blockKitProblems } from './block-kit';

/** What lambdas/approval publishes for a destructive plan (ApprovalRequestedMessage). */
const REQUEST: ApprovalRequestedMessage = {
  type: 'approval_requested',
  service: 'sample-service',
  environment: 'prod',
  execution: 'sample-service-prod-0123456-abcdef012345',
  executionArn:
    'arn:aws:states:us-east-1:123456789012:execution:deploy-pipeline:sample-service-prod-0123456-abcdef012345',
  commit: '0123456789abcdef0123456789abcdef01234567',
  reason: 'destructive',
  planSummary: '1 to add, 0 to change, 2 to destroy',
  plan: { add: 1, change: 0, destroy: 2 },
  blocked: 'aws_db_instance.main would be replaced <protected> & kept',
  approveCommand: 'deployctl approve sample-service-prod-0123456-abcdef012345',
  rejectCommand: 'deployctl reject sample-service-prod-0123456-abcdef012345 --reason "..."',
  expiresAt: '2026-11-22T12:00:00.000Z',
};

const textOf = (value: unknown) => JSON.stringify(value);

describe('the approval request in Slack', () => {
  test('Block Kit with the plan summary, why it waits and the approve and reject commands', () => {
    const message = renderApprovalRequest(REQUEST);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.text).toBe(':raised_hand: prod: sample-service 0123456 waits for approval');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: message.text, emoji: true },
    });
    const all = textOf(message);
    expect(all).toContain('1 to add, 0 to change, 2 to destroy');
    expect(all).toContain('protected resources');
    // The plan guard's words, escaped for mrkdwn.
    expect(all).toContain('aws_db_instance.main would be replaced &lt;protected&gt; &amp; kept');
    expect(all).toContain('`deployctl approve sample-service-prod-0123456-abcdef012345`');
    expect(all).toContain('`deployctl reject sample-service-prod-0123456-abcdef012345 --reason \\"...\\"`');
    expect(all).toContain('2026-11-22T12:00:00.000Z');
  });

  test('an environment that always asks says so; no plan says so', () => {
    const all = textOf(
      renderApprovalRequest({ ...REQUEST, reason: 'approval', blocked: null, planSummary: null, plan: null }),
    );
    expect(all).toContain('prod asks for approval');
    expect(all).toContain('no infrastructure plan');
    expect(all).not.toContain('protected resources');
  });

  test('only an approval request parses as one', () => {
    expect(parseApprovalRequest(JSON.stringify(REQUEST))).toEqual(REQUEST);
    expect(parseApprovalRequest(JSON.stringify({ ...REQUEST, type: 'started' }))).toBeNull();
    expect(parseApprovalRequest(JSON.stringify({ ...REQUEST, approveCommand: undefined }))).toBeNull();
    expect(parseApprovalRequest('{not json')).toBeNull();
  });

  test('the Slack notifier posts it (it is no pipeline event, and not parked as unreadable)', async () => {
    const bodies: string[] = [];
    const logs: unknown[][] = [];
    const delivery = await deliverMessage(JSON.stringify(REQUEST), {
      channel: 'deploys',
      webhookUrl: async () => new URL('https://hooks.slack.com/services/T0/B0/x'),
      post: async (_url, body) => {
        bodies.push(body);
        return { delivered: true, attempts: [{ status: 200, ms: 1 }] } as never;
      },
      deadLetter: async () => {
        throw new Error('no dead letter expected');
      },
      now: () => new Date('2026-11-21T12:00:00.000Z'),
      logger: {
        info: (...a: unknown[]) => logs.push(a),
        warn: (...a: unknown[]) => logs.push(a),
        error: () => undefined,
      },
    });
    expect(delivery).toBe('delivered');
    expect(bodies).toEqual([JSON.stringify(renderApprovalRequest(REQUEST))]);
    expect(logs).toEqual([
      [
        'event delivered to Slack',
        {
          channel: 'deploys',
          eventId: 'sample-service-prod-0123456-abcdef012345/approval_requested',
          type: 'approval_requested',
          attempts: 1,
        },
      ],
    ]);
  });
});
