import type { PipelineEvent } from '../../../lib/contracts/pipeline-event';
import { describeEvent, type Field } from './describe-event';
import { SLACK_LIMITS } from './slack-limits';
import { ELLIPSIS, truncateText } from './text';

/** A Block Kit text object. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'divider' }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

/**
 * An incoming-webhook message: `text` is the notification fallback, `blocks` the header (and the
 * reason of a failure), and one attachment whose `color` is the status bar beside the details.
 */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly attachments: readonly [{ readonly color: string; readonly blocks: readonly SlackBlock[] }];
}

/**
 * Escapes the three characters Slack's mrkdwn reserves ("Escaping text": `&`, `<`, `>` become
 * `&amp;`, `&lt;`, `&gt;`; https://docs.slack.dev/messaging/formatting-message-text#escaping).
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<url|label>`; the URL's own `|` and `>` are percent-encoded so they cannot end the link early. */
export function mrkdwnLink(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(label)}>`;
}

/**
 * `text` escaped for mrkdwn in at most `max` characters: shortened before escaping, so an entity
 * (`&amp;`) is never cut in half.
 */
export function escapeWithin(text: string, max: number): string {
  let budget = max;
  for (;;) {
    const escaped = escapeMrkdwn(truncateText(text, Math.max(1, budget)));
    if (escaped.length <= max || budget <= 1) return escaped;
    budget -= escaped.length - max;
  }
}

const mrkdwn = (text: string, max: number): SlackText => ({ type: 'mrkdwn', text: truncateText(text, max) });

function fieldText(field: Field, max: number): string {
  const title = `*${field.label}*\n`;
  if (field.url === undefined) return `${title}${escapeWithin(field.value, max - title.length)}`;
  // The link label is the first word (a commit id); the rest stays plain text.
  const [head = field.value, ...rest] = field.value.split(' ');
  const linked = `${title}${mrkdwnLink(field.url, head)}`;
  if (rest.length === 0 || linked.length + 2 > max) return linked;
  return `${linked} ${escapeWithin(rest.join(' '), max - linked.length - 1)}`;
}

/** A code block of `text` in at most `max` characters; a zero-width space breaks any fence inside it. */
function codeBlock(text: string, max: number): string {
  return `\`\`\`${escapeWithin(text.replace(/```/g, '`\u200b``'), max - 6)}\`\`\``;
}

/**
 * Lines under a title, within `max` characters: when they do not all fit, the lines `keep` marks stay
 * and the others are replaced, from the end, by one "… and N more" line.
 */
export function fitLines(title: string, lines: readonly string[], max: number, keep: (i: number) => boolean): string {
  const render = (shown: readonly string[], dropped: number) =>
    [title, ...shown, ...(dropped > 0 ? [`${ELLIPSIS} and ${dropped} more`] : [])].join('\n');
  let shown = [...lines];
  let dropped = 0;
  while (render(shown, dropped).length > max) {
    let index = -1;
    for (let i = shown.length - 1; i >= 0; i--) {
      if (!keep(lines.indexOf(shown[i] as string))) {
        index = i;
        break;
      }
    }
    if (index === -1) return truncateText(render(shown, dropped), max);
    shown = [...shown.slice(0, index), ...shown.slice(index + 1)];
    dropped += 1;
  }
  return render(shown, dropped);
}

/**
 * The Block Kit message of an event for a Slack incoming webhook. Header: status emoji and the
 * headline; a failure's reason (stage, error name, cause) comes right under it; then, beside the
 * status colour: fields, summaries, the stage timeline with durations, links and next steps.
 * Every text is trimmed to Slack's limits ({@link SLACK_LIMITS}); the timeline keeps failed and
 * running stages when it has to drop lines.
 */
export function renderSlackMessage(event: PipelineEvent): SlackMessage {
  const d = describeEvent(event);
  const headline = `${d.emoji.slack} ${d.headline}`;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateText(headline, SLACK_LIMITS.headerText), emoji: true },
    },
  ];
  if (d.reason) {
    const title = `*${escapeMrkdwn(d.reason.stage)} failed:* \`${escapeMrkdwn(d.reason.error)}\`\n`;
    // The cause is cut inside the code block, so the block stays closed.
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `${title}${codeBlock(d.reason.cause, SLACK_LIMITS.sectionText - title.length)}` },
    });
  }

  const details: SlackBlock[] = [
    {
      type: 'section',
      fields: d.fields
        .slice(0, SLACK_LIMITS.sectionFields)
        .map((f): SlackText => ({ type: 'mrkdwn', text: fieldText(f, SLACK_LIMITS.sectionFieldText) })),
    },
  ];
  if (d.summaries.length > 0) {
    details.push({
      type: 'context',
      elements: d.summaries
        .slice(0, SLACK_LIMITS.contextElements)
        .map((s): SlackText => ({ type: 'mrkdwn', text: escapeWithin(s, SLACK_LIMITS.contextElementText) })),
    });
  }
  if (d.timeline.length > 0) {
    const lines = d.timeline.map(
      (t) =>
        `${t.emoji.slack} ${escapeMrkdwn(t.name)}${t.duration ? `  ${t.duration}` : t.status === 'skipped' ? '  skipped' : ''}`,
    );
    const keep = (i: number) => ['failed', 'running'].includes(d.timeline[i]?.status ?? '');
    details.push({
      type: 'section',
      text: { type: 'mrkdwn', text: fitLines('*Stages*', lines, SLACK_LIMITS.sectionText, keep) },
    });
  }
  if (d.links.length > 0) {
    details.push({
      type: 'context',
      elements: d.links
        .slice(0, SLACK_LIMITS.contextElements)
        .map((l) =>
          mrkdwn(`${escapeMrkdwn(l.label)}: ${mrkdwnLink(l.url ?? '', l.value)}`, SLACK_LIMITS.contextElementText),
        ),
    });
  }
  if (d.nextSteps.length > 0) {
    const lines = d.nextSteps.map((s) => `• ${escapeMrkdwn(s)}`);
    details.push({
      type: 'section',
      text: { type: 'mrkdwn', text: fitLines('*Next steps*', lines, SLACK_LIMITS.sectionText, () => false) },
    });
  }
  return {
    text: truncateText(headline, SLACK_LIMITS.fallbackText),
    blocks,
    attachments: [{ color: d.color, blocks: details.slice(0, SLACK_LIMITS.blocksPerMessage - blocks.length) }],
  };
}
