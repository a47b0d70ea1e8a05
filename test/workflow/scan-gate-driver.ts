import { ECRClient } from '@aws-sdk/client-ecr';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handleScanEvent } from '../../lambdas/scan-gate/handle-scan-event';
import { handlePoll } from '../../lambdas/scan-poll/handle-poll';
import { handleRegistration } from '../../lambdas/scan-registration/handle-registration';
import { TokenStore } from '../../lambdas/shared/scan/token-store';

/** An ECR reply of a scripted read: a `DescribeImageScanFindings` page, or an error ECR throws. */
export type EcrReply = Record<string, unknown> | { readonly throws: string };

/**
 * How the image's scan goes in a workflow scenario. Each ECR read (registration, the scan event's
 * handler, a poll) takes the next reply; the last one repeats.
 */
export interface ScanScript {
  readonly replies: readonly EcrReply[];
  /** The EventBridge scan event delivered after the registration left the token waiting; none = the event is lost. */
  readonly event?: Record<string, unknown>;
}

const quiet = { info: () => undefined, warn: () => undefined };
const NOW = new Date('2026-11-21T12:00:00.000Z');

/** In-memory DynamoDB document client for the token table: Put, conditional Delete, Query by pk. */
function tokenTable(): DynamoDBDocumentClient {
  const items = new Map<string, Record<string, unknown>>();
  const key = (k: Record<string, unknown> | undefined) => `${String(k?.pk)}|${String(k?.sk)}`;
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input as Record<string, Record<string, unknown>>;
      switch (command.constructor.name) {
        case 'PutCommand':
          items.set(key(input.Item), input.Item ?? {});
          return {};
        case 'DeleteCommand':
          if (!items.delete(key(input.Key)))
            throw Object.assign(new Error('The conditional request failed'), {
              name: 'ConditionalCheckFailedException',
            });
          return {};
        case 'QueryCommand': {
          const pk = input.ExpressionAttributeValues?.[':pk'];
          return { Items: [...items.values()].filter((item) => item.pk === pk) };
        }
        default:
          throw new Error(`unexpected DynamoDB command ${command.constructor.name}`);
      }
    },
  } as unknown as DynamoDBDocumentClient;
}

/** What a scenario's scan did: ECR reads, Step Functions answers, the event handler's outcome. */
export interface ScanTrace {
  readonly reads: string[];
  readonly answers: Array<{ kind: 'success' | 'failure'; body: Record<string, unknown> }>;
  readonly events: unknown[];
}

/**
 * `WaitForScan` and `PollScan` overrides backed by the real registration, scan-event and poll
 * handlers: the `.waitForTaskToken` task registers its token, reads the scripted scan and, if the
 * scan is not final, gets its answer from the scan event (when the script has one); with no answer
 * it fails `States.HeartbeatTimeout` as Step Functions does after `HeartbeatSeconds`.
 */
export function scanGateHandlers(script: ScanScript, trace: ScanTrace = { reads: [], answers: [], events: [] }) {
  let next = 0;
  // A real client (the handlers' paginator insists on one) whose requests never leave: each is
  // answered with the script's next reply before it is serialized.
  const ecr = new ECRClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  ecr.middlewareStack.add(
    (_next, context) => async () => {
      trace.reads.push(String(context.commandName));
      const reply = script.replies[Math.min(next, script.replies.length - 1)];
      next += 1;
      if (reply && 'throws' in reply) {
        throw Object.assign(new Error(String(reply.throws)), { name: reply.throws, $metadata: {} });
      }
      return { output: { ...reply, $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'scriptedScanReplies' },
  );
  const sfn = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const kind = command.constructor.name === 'SendTaskSuccessCommand' ? 'success' : 'failure';
      trace.answers.push({ kind, body: command.input });
      return {};
    },
  } as unknown as SFNClient;
  const store = new TokenStore(tokenTable(), 'scan-tokens');
  const deps = { store, sfn, ecr, region: 'us-east-1', now: () => NOW, logger: quiet };

  const answer = (): unknown => {
    const last = trace.answers.at(-1);
    if (!last) {
      throw Object.assign(new Error('Task heartbeat timed out'), { name: 'States.HeartbeatTimeout' });
    }
    if (last.kind === 'success') return JSON.parse(String(last.body.output));
    throw Object.assign(new Error(String(last.body.cause)), { name: String(last.body.error) });
  };

  return {
    WaitForScan: async (params: unknown) => {
      const { Payload } = params as { Payload: Record<string, unknown> };
      await handleRegistration(Payload, { ...deps, tokenTtlSeconds: 3600 });
      if (trace.answers.length === 0 && script.event) {
        const detail = { ...(script.event.detail as Record<string, unknown>) };
        const repository = String(Payload.repository).split('/').at(-1);
        const event = {
          ...script.event,
          detail: { ...detail, 'repository-name': repository, 'image-digest': Payload.digest },
        };
        trace.events.push(await handleScanEvent(event, deps));
      }
      return answer();
    },
    PollScan: async (params: unknown) => {
      const { Payload } = params as { Payload: unknown };
      return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: await handlePoll(Payload, deps) };
    },
  };
}
