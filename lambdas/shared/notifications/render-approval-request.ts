import * as z from 'zod';
import type { ApprovalRequestedMessage } from '../../../lib/contracts/deploy-lock';
import { escapeMrkdwn, escapeWithin, type SlackBlock, type SlackMessage } from './render-slack';
import { SLACK_LIMITS } from './slack-limits';
import { truncateText } from './text';

/**
 * The approval request `lambdas/approval` publishes on the pipeline topic (`ApprovalRequestedMessage`
 * in lib/contracts/deploy-lock.ts). It is not a pipeline event; the Slack notifier tells it apart by
 * its `type`.
 */
export const approvalRequestedMessageSchema = z.object({
  type: z.literal('approval_requested'),
  service: z.string().min(1),
  environment: z.string().min(1),
  execution: z.string().min(1),
  executionArn: z.string(),
  commit: z.string(),
  reason: z.enum(['approval', 'destructive']),
  planSummary: z.string().nullable(),
  plan: z.object({ add: z.number(), change: z.number(), destroy: z.number() }).nullable(),
  blocked: z.string().nullable(),
  approveCommand: z.string().min(1),
  rejectCommand: z.string().min(1),
  expiresAt: z.string(),
}) satisfies z.ZodType<ApprovalRequestedMessage>;

/** The approval request in an SNS message body, or null when the body is not one (e.g. a pipeline event). */
export function parseApprovalRequest(message: string): ApprovalRequestedMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return null;
  }
  const result = approvalRequestedMessageSchema.safeParse(raw);
  return result.success ? result.data : null;
}

/** A command as an mrkdwn code span; a backtick inside would end it, so it is left out. */
const commandText = (command: string, max: number) => `\`${escapeWithin(command.replace(/`/g, ''), max - 2)}\``;

/**
 * The Block Kit message of an approval request: a header naming the run and the environment, why it
 * waits (an environment that always asks, or a destructive plan and what it would do), the plan
 * summary, when the request expires, and the approve and reject commands as code. Every text stays
 * within Slack's limits ({@link SLACK_LIMITS}).
 */
export function renderApprovalRequest(m: ApprovalRequestedMessage): SlackMessage {
  const short = m.commit.slice(0, 7) || 'unknown commit';
  const headline = `:raised_hand: ${m.environment}: ${m.service} ${short} waits for approval`;
  const why =
    m.reason === 'destructive'
      ? `*The plan would change protected resources* and needs a person's approval${m.blocked ? `: ${escapeMrkdwn(m.blocked)}` : '.'}`
      : `*${escapeMrkdwn(m.environment)} asks for approval* before anything changes.`;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateText(headline, SLACK_LIMITS.headerText), emoji: true },
    },
    { type: 'section', text: { type: 'mrkdwn', text: truncateText(why, SLACK_LIMITS.sectionText) } },
  ];
  const details: SlackBlock[] = [
    {
      type: 'section',
      fields: [
        ['Service', m.service],
        ['Environment', m.environment],
        ['Plan', m.planSummary ?? 'no infrastructure plan'],
        ['Expires', m.expiresAt],
      ].map(([label, value]) => ({
        type: 'mrkdwn' as const,
        text: `*${label}*\n${escapeWithin(value as string, SLACK_LIMITS.sectionFieldText - (label as string).length - 3)}`,
      })),
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateText(
          `*Approve:* ${commandText(m.approveCommand, 1_400)}\n*Reject:* ${commandText(m.rejectCommand, 1_400)}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: escapeWithin(`Execution: ${m.execution}`, SLACK_LIMITS.contextElementText) }],
    },
  ];
  return {
    text: truncateText(headline, SLACK_LIMITS.fallbackText),
    blocks,
    attachments: [{ color: '#ECB22E', blocks: details }],
  };
}
