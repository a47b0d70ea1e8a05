import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineConfigInput } from '../../lib/contracts/pipeline-config';

/** The fixture configuration with every notification path on (test/fixtures/notifications/config.json). */
export const CONFIG_PATH = join(__dirname, '..', 'fixtures', 'notifications', 'config.json');

/** Its content: a Chatbot channel `deploys` (dev failures, all of prod), two webhooks, GitHub App statuses. */
export const CONFIG_WITH_CHATBOT = JSON.parse(readFileSync(CONFIG_PATH, 'utf8')) as PipelineConfigInput;
