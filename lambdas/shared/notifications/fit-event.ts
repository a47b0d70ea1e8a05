import {
  messageAttributesOf,
  type PipelineEvent,
  SNS_MAX_MESSAGE_BYTES,
  type StringAttribute,
  snsMessageBytes,
} from '../../../lib/contracts/pipeline-event';
import { truncateBytes } from './text';

/** The event as SNS takes it. */
export interface SnsEventMessage {
  /** The event actually sent (its `trimmed` lists what was shortened). */
  readonly event: PipelineEvent;
  /** `JSON.stringify(event)`. */
  readonly message: string;
  readonly attributes: Record<string, StringAttribute>;
  /** Bytes SNS counts: message plus attributes (see `snsMessageBytes`). */
  readonly bytes: number;
}

/** Not even the event with every trimmable field trimmed fits. */
export class PipelineEventTooLarge extends Error {
  override readonly name = 'PipelineEventTooLarge';
}

type Step = { readonly field: string; readonly apply: (e: PipelineEvent) => PipelineEvent };

/**
 * What is given up, in this order, until the message fits (docs/notifications.md, "Size"):
 * 1. `stages`: only failed and running stages stay;
 * 2. `source.message`: cut to 1 KiB;
 * 3. `failure.cause`: cut to 8 KiB;
 * 4. `scan`, `coverage`, `plan`, `image`: dropped, one at a time;
 * 5. `failure.cause`: cut to 1 KiB, then `source.message` emptied;
 * 6. `stages`: dropped.
 */
const STEPS: readonly Step[] = [
  {
    field: 'stages',
    apply: (e) => ({ ...e, stages: e.stages.filter((s) => s.status === 'failed' || s.status === 'running') }),
  },
  {
    field: 'source.message',
    apply: (e) => ({ ...e, source: { ...e.source, message: truncateBytes(e.source.message, 1024) } }),
  },
  {
    field: 'failure.cause',
    apply: (e) => (e.failure ? { ...e, failure: { ...e.failure, cause: truncateBytes(e.failure.cause, 8192) } } : e),
  },
  { field: 'scan', apply: ({ scan: _, ...e }) => e },
  { field: 'coverage', apply: ({ coverage: _, ...e }) => e },
  { field: 'plan', apply: ({ plan: _, ...e }) => e },
  { field: 'image', apply: ({ image: _, ...e }) => e },
  {
    field: 'failure.cause',
    apply: (e) => (e.failure ? { ...e, failure: { ...e.failure, cause: truncateBytes(e.failure.cause, 1024) } } : e),
  },
  { field: 'source.message', apply: (e) => ({ ...e, source: { ...e.source, message: '' } }) },
  { field: 'stages', apply: (e) => ({ ...e, stages: [] }) },
];

/**
 * The event as one SNS message within `maxBytes` (SNS counts the UTF-8 message and every attribute's
 * name, type and value). Steps that change nothing are not listed in `trimmed`.
 *
 * @param maxBytes @default SNS_MAX_MESSAGE_BYTES (262,144)
 * @throws {@link PipelineEventTooLarge} when the event cannot be made to fit (names and ids too long)
 */
export function fitEventForSns(event: PipelineEvent, maxBytes = SNS_MAX_MESSAGE_BYTES): SnsEventMessage {
  const attributes = messageAttributesOf(event);
  const encode = (e: PipelineEvent): SnsEventMessage => {
    const message = JSON.stringify(e);
    return { event: e, message, attributes, bytes: snsMessageBytes(message, attributes) };
  };
  let current = encode(event);
  const trimmed = [...event.trimmed];
  for (const step of STEPS) {
    if (current.bytes <= maxBytes) return current;
    const next = step.apply(current.event);
    if (JSON.stringify(next) === current.message) continue;
    if (!trimmed.includes(step.field)) trimmed.push(step.field);
    current = encode({ ...next, trimmed: [...trimmed] });
  }
  if (current.bytes <= maxBytes) return current;
  throw new PipelineEventTooLarge(
    `the ${event.type} event of ${event.execution.name} is ${current.bytes} bytes with every trimmable field trimmed, over the SNS limit of ${maxBytes}`,
  );
}
