import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChatbotNotification } from '../../lambdas/shared/notifications/render-chatbot';
import { renderSlackMessage } from '../../lambdas/shared/notifications/render-slack';
import { renderText } from '../../lambdas/shared/notifications/render-text';
import { PIPELINE_EVENT_TYPES, type PipelineEvent, type PipelineEventType } from '../../lib/contracts/pipeline-event';
import { blockKitProblems } from './block-kit';
import { eventsByType, maximalFailure } from './events';

/** Golden files: `UPDATE_GOLDEN=1 npx jest test/notifications/render.test.ts` rewrites them after a deliberate change. */
const GOLDEN = join(__dirname, '..', 'fixtures', 'notifications', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * Compares with the golden file (JSON files by value, so `biome format` may lay them out; text
 * exactly). With UPDATE_GOLDEN=1, writes it instead (then run `npx biome format --write` on the JSON).
 */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  const expected = existsSync(file) ? readFileSync(file, 'utf8') : `(no golden file ${name})`;
  if (name.endsWith('.json')) expect(JSON.parse(actual)).toEqual(JSON.parse(expected));
  else expect(actual).toBe(expected);
}

let events: Record<PipelineEventType, PipelineEvent>;
beforeAll(async () => {
  events = await eventsByType();
});

describe.each(PIPELINE_EVENT_TYPES)('%s', (type) => {
  test('Slack message: golden file, Block Kit structure and limits', () => {
    const message = renderSlackMessage(events[type]);
    golden(`${type}.slack.json`, `${JSON.stringify(message, null, 2)}\n`);
    expect(blockKitProblems(message)).toEqual([]);
  });

  test('Chatbot custom notification: golden file and the documented schema', () => {
    const notification = renderChatbotNotification(events[type]);
    golden(`${type}.chatbot.json`, `${JSON.stringify(notification, null, 2)}\n`);
    expect(notification).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    expect(notification.content.title.length).toBeLessThanOrEqual(150);
    expect(notification.content.description.length).toBeLessThanOrEqual(3000);
    for (const value of Object.values(notification.metadata.additionalContext)) expect(typeof value).toBe('string');
    expect(notification.metadata.threadId).toBe(events[type].execution.name);
  });

  test('terminal text: golden file', () => {
    golden(`${type}.txt`, `${renderText(events[type])}\n`);
  });
});

describe('message design', () => {
  test('the header is the status emoji and the headline; a success says what, who and how long', () => {
    const message = renderSlackMessage(events.succeeded);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: ':white_check_mark: dev: deployed sample-service 0123456 by ana in 6m 12s',
        emoji: true,
      },
    });
    expect(message.attachments[0].color).toBe('#2EB67D');
  });

  test.each(['failed', 'rolled_back', 'rollback_failed'] as const)(
    '%s puts the reason first, right under the header',
    (type) => {
      const message = renderSlackMessage(events[type]);
      const reason = message.blocks[1] as { type: string; text: { text: string } };
      expect(reason.type).toBe('section');
      expect(reason.text.text).toMatch(
        new RegExp(`^\\*${events[type].failure?.stage} failed:\\* \`${events[type].failure?.error}\``),
      );
      expect(reason.text.text).toContain('```');
      expect(renderText(events[type]).split('\n')[1]).toBe(
        `  ${events[type].failure?.stage} failed: ${events[type].failure?.error}`,
      );
    },
  );

  test('the stage timeline lists each stage with its duration; links and next steps follow', () => {
    const message = renderSlackMessage(events.failed);
    const texts = JSON.stringify(message.attachments[0].blocks);
    expect(texts).toContain(':white_check_mark: TerraformApply  1m 14s');
    expect(texts).toContain(':x: HelmDeploy  2m 05s');
    expect(texts).toContain(
      'Execution: <https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/',
    );
    expect(texts).toContain('`deployctl redrive sample-service-dev-0123456-abcdef012345`');
    expect(JSON.stringify(renderSlackMessage(events.approval_required))).toContain(
      '`deployctl approve sample-service-dev-0123456-abcdef012345`',
    );
  });

  test('a maximal failure stays within every Slack limit, keeps the failed stage and closes its code block', () => {
    const event = maximalFailure(events.failed);
    const message = renderSlackMessage(event);
    expect(blockKitProblems(message)).toEqual([]);
    const timeline = JSON.stringify(message.attachments[0].blocks.find((b) => JSON.stringify(b).includes('*Stages*')));
    expect(timeline).toContain(`:x: ${event.stages[41]?.name}`);
    expect(timeline).toMatch(/… and \d+ more/);
    const header = (message.blocks[0] as { text: { text: string } }).text.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header.endsWith('…')).toBe(true);
    // The text was cut between grapheme clusters: no lone surrogate anywhere.
    expect(JSON.stringify(message)).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\udc)/i);
    const chatbot = renderChatbotNotification(event);
    expect(chatbot.content.description.length).toBeLessThanOrEqual(3000);
    expect((chatbot.content.description.match(/```/g) ?? []).length % 2).toBe(0);
  });
});

describe('the Block Kit check itself', () => {
  test('finds an over-long header, too many fields, an unclosed fence and raw markup', () => {
    const message = {
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        { type: 'section', text: { type: 'mrkdwn', text: '```open <b> & x' } },
      ],
    };
    expect(blockKitProblems(message)).toEqual([
      'blocks[0].text: 151 characters, more than 150',
      'blocks[1]: fields must hold 1-10 items',
      'blocks[2].text: unclosed code fence',
      'blocks[2].text: unescaped < or > outside a link',
      'blocks[2].text: unescaped &',
    ]);
  });
});
