import type { PipelineEvent } from '../../../lib/contracts/pipeline-event';
import { describeEvent } from './describe-event';
import { escapeMrkdwn, escapeWithin, fitLines, mrkdwnLink } from './render-slack';
import { SLACK_LIMITS } from './slack-limits';
import { truncateText } from './text';

/**
 * An AWS Chatbot (Amazon Q Developer in chat applications) custom notification. The service's
 * schema: `version` "must be 1.0", `source` "must be custom", `textType` "Only client-markdown ... is
 * currently supported" (it renders the chat platform's markdown); `threadId` groups notifications
 * in a thread (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).
 */
export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: readonly string[];
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/**
 * The event as a Chatbot custom notification, for the topic of a Chatbot channel. The same words as
 * the Slack webhook message: the title is the status emoji and headline, the description starts
 * with a failure's reason, then fields, summaries and the stage timeline; links and commands are the
 * next steps. A run's notifications share a thread (`threadId` = execution name). Texts are held to
 * the Slack limits of a header (title) and a section (description), as Chatbot posts to Slack.
 */
export function renderChatbotNotification(event: PipelineEvent): ChatbotNotification {
  const d = describeEvent(event);
  const parts: string[] = [];
  if (d.reason) {
    parts.push(`*${escapeMrkdwn(d.reason.stage)} failed:* \`${escapeMrkdwn(d.reason.error)}\``);
    parts.push(`\`\`\`${escapeWithin(d.reason.cause.replace(/```/g, '`\u200b``'), 1500)}\`\`\``);
  }
  parts.push(d.fields.map((f) => `*${f.label}:* ${escapeWithin(f.value, 300)}`).join('\n'));
  if (d.summaries.length > 0) parts.push(d.summaries.map((s) => escapeWithin(s, 300)).join('\n'));
  const head = parts.join('\n');
  const timeline = d.timeline.map(
    (t) => `${t.emoji.slack} ${escapeMrkdwn(t.name)}${t.duration ? `  ${t.duration}` : ''}`,
  );
  const keep = (i: number) => ['failed', 'running'].includes(d.timeline[i]?.status ?? '');
  const room = SLACK_LIMITS.sectionText - head.length - 1;
  const description =
    timeline.length > 0 && room > 40
      ? `${head}\n${fitLines('*Stages*', timeline, room, keep)}`
      : truncateText(head, SLACK_LIMITS.sectionText);
  return {
    version: '1.0',
    source: 'custom',
    id: event.id,
    content: {
      textType: 'client-markdown',
      title: truncateText(`${d.emoji.slack} ${d.headline}`, SLACK_LIMITS.headerText),
      description,
      nextSteps: [
        ...d.links.map((l) => `${escapeMrkdwn(l.label)}: ${mrkdwnLink(l.url ?? '', l.value)}`),
        ...d.nextSteps.map((s) => escapeWithin(s, 500)),
      ],
      keywords: [event.service, event.environment, event.type],
    },
    metadata: {
      threadId: event.execution.name || event.id,
      summary: truncateText(d.headline, SLACK_LIMITS.headerText),
      eventType: event.type,
      relatedResources: event.execution.arn ? [event.execution.arn] : [],
      additionalContext: {
        service: event.service,
        environment: event.environment,
        commit: event.source.commit,
        execution: event.execution.name,
      },
    },
  };
}
