import { type PipelineEvent, pipelineEventSchema } from '../../../lib/contracts/pipeline-event';

/** An SNS message that is not a pipeline event this code knows (another schema version, not JSON). */
export class UnreadableEventMessage extends Error {
  override readonly name = 'UnreadableEventMessage';
}

/**
 * The pipeline event in an SNS message body.
 * @throws {@link UnreadableEventMessage} naming the first problem (never quoting the message)
 */
export function parseEventMessage(message: string): PipelineEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    throw new UnreadableEventMessage(`message of ${message.length} characters is not JSON`);
  }
  const result = pipelineEventSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UnreadableEventMessage(
      `not a pipeline event: ${issue?.path.join('.') || '(message)'}: ${issue?.message}`,
    );
  }
  return result.data;
}
