import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import {
  filterPolicyMatches,
  messageAttributesOf,
  type PipelineEvent,
  pipelineEventSchema,
  type RouteFilterPolicy,
} from '../../../lib/contracts/pipeline-event';
import { fitEventForSns } from './fit-event';
import { renderChatbotNotification } from './render-chatbot';

/** A Slack channel reached through AWS Chatbot: its own topic, and the filter policy of the events it selects. */
export interface ChatbotRoute {
  readonly name: string;
  readonly topicArn: string;
  /** The policy SNS would apply (`filterPolicyOf`), evaluated here in code. */
  readonly filterPolicy: RouteFilterPolicy;
}

const routesSchema = z.array(
  z.object({
    name: z.string().min(1),
    topicArn: z.string().min(1),
    filterPolicy: z.object({
      route: z.array(z.union([z.string(), z.object({ prefix: z.string() }), z.object({ exists: z.literal(true) })])),
    }),
  }),
);

/**
 * The Chatbot routes of a publisher function, from its `CHATBOT_ROUTES` environment variable (JSON
 * written by `NotificationsStage.bindEventPublisher`); none when unset.
 * @throws Error naming the variable when it is not a list of routes
 */
export function chatbotRoutesFrom(value: string | undefined): ChatbotRoute[] {
  if (value === undefined || value === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error('CHATBOT_ROUTES is not JSON');
  }
  const result = routesSchema.safeParse(parsed);
  if (!result.success)
    throw new Error(`CHATBOT_ROUTES is not a list of Chatbot routes: ${result.error.issues[0]?.message}`);
  return result.data;
}

export interface PublishDeps {
  readonly sns: Pick<SNSClient, 'send'>;
  /** The pipeline's event topic: every event, as JSON. */
  readonly topicArn: string;
  /** Chatbot channels: each gets the events it selects, in Chatbot's custom notification format. */
  readonly chatbotRoutes: readonly ChatbotRoute[];
  readonly abortSignal?: AbortSignal;
}

export interface PublishResult {
  readonly messageId: string;
  /** Bytes SNS counted for the event message. */
  readonly bytes: number;
  readonly trimmed: readonly string[];
  /** The Chatbot channels the event went to. */
  readonly chatbot: readonly string[];
}

/** The event did not reach every destination; `published` says which it did reach. */
export class PipelineEventNotPublished extends Error {
  override readonly name = 'PipelineEventNotPublished';
  constructor(
    message: string,
    readonly published: readonly string[],
  ) {
    super(message);
  }
}

/**
 * SNS `Subject` for email subscribers: "must be ASCII text that begins with a letter, number, or
 * punctuation mark; must not include line breaks or control characters; and must be less than 100
 * characters long" (SNS API Reference, Publish, Subject).
 */
export function subjectOf(event: PipelineEvent): string {
  const text = `[${event.type}] ${event.service}/${event.environment} ${event.source.shortCommit}`.replace(
    /[^\x20-\x7e]/g,
    '?',
  );
  return text.length <= 99 ? text : `${text.slice(0, 96)}...`;
}

/**
 * Publishes one event: once to the pipeline topic (JSON, with the `type`, `service`, `environment`
 * and deprecated `event` attributes; trimmed to SNS's size limit, see `fitEventForSns`), then to
 * each Chatbot channel's topic that selects it (Chatbot's custom format, same attributes).
 *
 * @throws Error when `event` does not match the schema (a publisher's defect)
 * @throws {@link PipelineEventNotPublished} when a publish fails, after trying every destination
 */
export async function publishEvent(event: PipelineEvent, deps: PublishDeps): Promise<PublishResult> {
  const checked = pipelineEventSchema.safeParse(event);
  if (!checked.success) {
    throw new Error(
      `not a pipeline event: ${checked.error.issues[0]?.path.join('.')}: ${checked.error.issues[0]?.message}`,
    );
  }
  const fitted = fitEventForSns(checked.data);
  const options = deps.abortSignal === undefined ? {} : { abortSignal: deps.abortSignal };
  const published: string[] = [];
  const failures: string[] = [];
  let messageId = '';
  try {
    const result = await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: subjectOf(fitted.event),
        Message: fitted.message,
        MessageAttributes: fitted.attributes,
      }),
      options,
    );
    messageId = result.MessageId ?? '';
    published.push('topic');
  } catch (err) {
    failures.push(`topic: ${(err as Error).name}`);
  }
  const chatbot: string[] = [];
  for (const route of deps.chatbotRoutes.filter((r) => filterPolicyMatches(r.filterPolicy, fitted.attributes))) {
    try {
      await deps.sns.send(
        new PublishCommand({
          TopicArn: route.topicArn,
          Message: JSON.stringify(renderChatbotNotification(fitted.event)),
          MessageAttributes: messageAttributesOf(fitted.event),
        }),
        options,
      );
      chatbot.push(route.name);
      published.push(`chatbot:${route.name}`);
    } catch (err) {
      failures.push(`chatbot:${route.name}: ${(err as Error).name}`);
    }
  }
  if (failures.length > 0) {
    throw new PipelineEventNotPublished(
      `the ${event.type} event of ${event.execution.name} was not published to ${failures.join(', ')}`,
      published,
    );
  }
  return { messageId, bytes: fitted.bytes, trimmed: fitted.event.trimmed, chatbot };
}
