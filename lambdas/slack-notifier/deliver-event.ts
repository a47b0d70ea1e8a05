import type { Logger } from '@aws-lambda-powertools/logger';
import type { PipelineEvent } from '../../lib/contracts/pipeline-event';
import { parseEventMessage, UnreadableEventMessage } from '../shared/notifications/parse-event-message';
import { parseApprovalRequest, renderApprovalRequest } from '../shared/notifications/render-approval-request';
import { renderSlackMessage, type SlackMessage } from '../shared/notifications/render-slack';
import type { Attempt, PostOutcome } from './post-with-retry';

/** What the dead-letter queue gets for an event that did not reach Slack: never the webhook URL. */
export interface DeadLetterRecord {
  readonly channel: string;
  /** `rejected`, `exhausted`, `budget` (see `PostOutcome`) or `unreadable` (not a pipeline event). */
  readonly reason: string;
  readonly attempts: readonly Attempt[];
  readonly eventId: string | null;
  /** The SNS message as it arrived, to replay once Slack takes it. */
  readonly message: string;
  readonly failedAt: string;
}

export interface DeliverDeps {
  /** The channel's name in the configuration (for logs and the dead-letter record). */
  readonly channel: string;
  /** The webhook URL (cached by the caller). */
  readonly webhookUrl: () => Promise<URL>;
  readonly post: (url: URL, body: string) => Promise<PostOutcome>;
  readonly deadLetter: (record: DeadLetterRecord) => Promise<void>;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** Slack's answers to a post whose blocks it refused: worth one more try as plain text. */
const BLOCKS_REFUSED = new Set(['invalid_blocks', 'invalid_blocks_format', 'invalid_attachments', 'invalid_payload']);

export type Delivery = 'delivered' | 'delivered-as-text' | 'dead-lettered';

/**
 * Delivers one SNS message to the channel's webhook: parse, render (Block Kit), post with retries.
 * The message is a pipeline event, or the approval request `lambdas/approval` publishes
 * (`approval_requested`, rendered by `renderApprovalRequest`).
 * A post Slack refuses for its blocks is sent once more as plain text. An event that cannot be
 * delivered goes to the dead-letter queue with the attempts made; an unreadable message goes there
 * without a post.
 *
 * @throws when the webhook URL cannot be read or the dead-letter queue refuses the record (Lambda's
 *   retries, then its on-failure destination, the same queue, take over)
 */
export async function deliverMessage(message: string, deps: DeliverDeps): Promise<Delivery> {
  const deadLetter = async (reason: string, attempts: readonly Attempt[], event: { readonly id: string } | null) => {
    await deps.deadLetter({
      channel: deps.channel,
      reason,
      attempts,
      eventId: event?.id ?? null,
      message,
      failedAt: deps.now().toISOString(),
    });
    deps.logger.error('event not delivered to Slack: sent to the dead-letter queue', {
      channel: deps.channel,
      eventId: event?.id ?? null,
      reason,
      attempts,
    });
    return 'dead-lettered' as const;
  };

  let event: Pick<PipelineEvent, 'id' | 'type'> | { readonly id: string; readonly type: 'approval_requested' };
  let rendered: SlackMessage;
  const approval = parseApprovalRequest(message);
  if (approval !== null) {
    event = { id: `${approval.execution}/approval_requested`, type: approval.type };
    rendered = renderApprovalRequest(approval);
  } else {
    try {
      const parsed = parseEventMessage(message);
      event = parsed;
      rendered = renderSlackMessage(parsed);
    } catch (err) {
      if (!(err instanceof UnreadableEventMessage)) throw err;
      deps.logger.warn('unreadable message', { channel: deps.channel, detail: err.message });
      return deadLetter('unreadable', [], null);
    }
  }
  const url = await deps.webhookUrl();
  const outcome = await deps.post(url, JSON.stringify(rendered));
  if (outcome.delivered) {
    deps.logger.info('event delivered to Slack', summary(deps.channel, event, outcome.attempts));
    return 'delivered';
  }
  const last = outcome.attempts.at(-1);
  if (outcome.reason === 'rejected' && last?.status === 400 && BLOCKS_REFUSED.has(last.error ?? '')) {
    deps.logger.warn('Slack refused the blocks: sending plain text', {
      channel: deps.channel,
      eventId: event.id,
      error: last.error,
    });
    const retry = await deps.post(url, JSON.stringify({ text: rendered.text }));
    if (retry.delivered) {
      deps.logger.info('event delivered to Slack as text', summary(deps.channel, event, retry.attempts));
      return 'delivered-as-text';
    }
    return deadLetter(retry.reason, [...outcome.attempts, ...retry.attempts], event);
  }
  return deadLetter(outcome.reason, outcome.attempts, event);
}

function summary(channel: string, event: { readonly id: string; readonly type: string }, attempts: readonly Attempt[]) {
  return { channel, eventId: event.id, type: event.type, attempts: attempts.length };
}
