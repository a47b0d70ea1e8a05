import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSlackMessage } from '../../lambdas/shared/notifications/render-slack';
import {
  configuredEnvironments,
  filterPolicyOf,
  PIPELINE_EVENT_TYPES,
  type PipelineEvent,
  type PipelineEventType,
} from '../../lib/contracts/pipeline-event';
import { validateConfig } from '../../lib/contracts/validate-config';
import { eventsByType, maximalFailure } from './events';
import { renderSvg } from './render-svg';
import { CONFIG_WITH_CHATBOT } from './test-config';

/**
 * The pictures in docs/notifications.md are drawn from the real renderer's output; this test fails
 * when they no longer match it. `UPDATE_GOLDEN=1 npx jest test/notifications/docs-pictures.test.ts`
 * redraws them.
 */
const PICTURES = join(__dirname, '..', '..', 'docs', 'notifications');
const caption = (what: string) =>
  `${what}: drawn by test/notifications/render-svg.ts from the output of renderSlackMessage() (Slack's layout approximated).`;

let events: Record<PipelineEventType, PipelineEvent>;
beforeAll(async () => {
  events = await eventsByType();
});

function picture(name: string, svg: string): void {
  const file = join(PICTURES, `${name}.svg`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(PICTURES, { recursive: true });
    writeFileSync(file, svg);
    return;
  }
  expect(existsSync(file) ? readFileSync(file, 'utf8') : `(no picture ${file})`).toBe(svg);
}

test.each(PIPELINE_EVENT_TYPES)('docs/notifications/%s.svg is the renderer’s current output', (type) => {
  picture(type, renderSvg(renderSlackMessage(events[type]), caption(`A ${type} event`)));
});

test('docs/notifications/maximal-failure.svg shows the trimming', () => {
  picture(
    'maximal-failure',
    renderSvg(renderSlackMessage(maximalFailure(events.failed)), caption('The maximal failure of the tests')),
  );
});

test('every picture is referenced from docs/notifications.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'notifications.md'), 'utf8');
  for (const name of [...PIPELINE_EVENT_TYPES, 'maximal-failure']) expect(doc).toContain(`(notifications/${name}.svg)`);
});

test('the configuration example in docs/notifications.md is valid and deployable', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'notifications.md'), 'utf8');
  const block = /## Configuration\s+```json\n([\s\S]*?)```/.exec(doc)?.[1];
  const example = JSON.parse(block ?? '{}') as { notifications: unknown };
  const config = validateConfig(
    { ...CONFIG_WITH_CHATBOT, notifications: example.notifications },
    'docs/notifications.md',
  );
  const environments = configuredEnvironments(config);
  for (const channel of [...config.notifications.chatbot, ...config.notifications.slackWebhooks]) {
    expect(filterPolicyOf(channel.events, environments).route.length).toBeGreaterThan(0);
  }
  expect(config.notifications.slackWebhooks).toHaveLength(2);
});
