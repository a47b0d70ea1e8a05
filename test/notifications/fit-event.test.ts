import { fitEventForSns, PipelineEventTooLarge } from '../../lambdas/shared/notifications/fit-event';
import {
  messageAttributesOf,
  type PipelineEvent,
  SNS_MAX_MESSAGE_BYTES,
  snsMessageBytes,
} from '../../lib/contracts/pipeline-event';
import { eventsByType } from './events';

let failed: PipelineEvent;
beforeAll(async () => {
  failed = (await eventsByType()).failed;
});

describe('fitting an event into one SNS message', () => {
  test('a normal event is sent as it is, and its size counts the attributes too', () => {
    const fitted = fitEventForSns(failed);
    expect(fitted.event).toEqual(failed);
    expect(fitted.message).toBe(JSON.stringify(failed));
    const attributeBytes = Object.entries(fitted.attributes).reduce(
      (n, [name, a]) => n + name.length + 'String'.length + Buffer.byteLength(a.StringValue),
      0,
    );
    expect(fitted.bytes).toBe(Buffer.byteLength(fitted.message) + attributeBytes);
  });

  test('bytes, not characters: a message of 3-byte characters is measured in bytes', () => {
    const attributes = messageAttributesOf(failed);
    expect(snsMessageBytes('失'.repeat(100), attributes) - snsMessageBytes('', attributes)).toBe(300);
  });

  test('an oversized event is trimmed in the documented order until it fits, and says what was trimmed', () => {
    const huge: PipelineEvent = {
      ...failed,
      source: { ...failed.source, message: '失败'.repeat(60_000) },
      failure: { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'e'.repeat(100_000) },
      stages: Array.from({ length: 3_000 }, (_, i) => ({
        name: `Stage${i}`,
        status: i === 7 ? ('failed' as const) : ('succeeded' as const),
        startedAt: '2026-11-21T12:00:00.000Z',
        durationMs: i,
      })),
    };
    expect(snsMessageBytes(JSON.stringify(huge), messageAttributesOf(huge))).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
    const fitted = fitEventForSns(huge);
    expect(fitted.bytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(fitted.event.trimmed).toEqual(['stages', 'source.message']);
    expect(fitted.event.stages.map((s) => s.name)).toEqual(['Stage7']);
    expect(Buffer.byteLength(fitted.event.source.message)).toBeLessThanOrEqual(1024);
    expect(fitted.event.failure?.cause).toBe(huge.failure?.cause);
  });

  test('under a smaller budget the summaries go, then the cause shrinks, then the message and stages', () => {
    // Everything but the trimmable fields takes about 1.5 KB of this event.
    const fitted = fitEventForSns(failed, 1_600);
    expect(fitted.bytes).toBeLessThanOrEqual(1_600);
    expect(fitted.event.trimmed).toEqual(expect.arrayContaining(['stages', 'coverage', 'plan', 'image']));
    // The documented steps in order (STEPS in fit-event.ts): a field shortened twice appears at each of
    // its steps, so what was trimmed must be a subsequence of them.
    const steps = [
      'stages',
      'source.message',
      'failure.cause',
      'scan',
      'coverage',
      'plan',
      'image',
      'failure.cause',
      'source.message',
      'stages',
    ];
    let at = 0;
    for (const field of fitted.event.trimmed) {
      at = steps.indexOf(field, at);
      expect([field, at]).not.toEqual([field, -1]);
      at += 1;
    }
  });

  test('an event that cannot fit is refused with its size', () => {
    const named = { ...failed, service: 's'.repeat(300_000) };
    expect(() => fitEventForSns(named)).toThrow(PipelineEventTooLarge);
    expect(() => fitEventForSns(named)).toThrow(/over the SNS limit of 262144/);
  });
});
