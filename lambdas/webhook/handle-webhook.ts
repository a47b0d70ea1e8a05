import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PipelineConfig } from '../../lib/contracts/pipeline-config';
import { InvalidExecutionInput } from '../shared/push-event/build-execution-input';
import { InvalidPushPayload, parseGitHubPush, pushEventFromGitHub } from '../shared/push-event/github-push';
import { normalizePush } from '../shared/push-event/normalize-push';
import type { PushEvent } from '../shared/push-event/push-event';
import { startExecutions } from '../shared/push-event/start-executions';
import { verifySignature } from '../shared/push-event/verify-signature';
import type { ChangedFilesLookup } from './compare-api';
import { InvalidWebhookBody, parseWebhookBody, UnsupportedContentType } from './parse-webhook-body';
import { bodySizeOf, headerOf, rawBodyOf } from './webhook-request';
import { jsonResponse } from './webhook-response';

export interface WebhookDeps {
  readonly config: PipelineConfig;
  /** The shared webhook secret (cached by the caller). */
  readonly secret: () => Promise<string>;
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  /** Bodies larger than this get 413 before anything else is done with them. */
  readonly maxBodyBytes: number;
  /** Time from receipt until the request is answered, 504 if Step Functions has not answered by then. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /**
   * Asks GitHub's compare API which files a push changed when its payload cannot tell. Absent when no
   * GitHub token is configured: such pushes then run everything.
   */
  readonly compare?: ChangedFilesLookup;
  /** Longest wait for the compare API, within `timeoutMs`. @default 3000 */
  readonly compareTimeoutMs?: number;
}

/** Default of {@link WebhookDeps.compareTimeoutMs}: leaves most of the 8 s for Step Functions. */
export const DEFAULT_COMPARE_TIMEOUT_MS = 3_000;

/** What one request's log line says; never the body, the signature or the secret. */
interface Outcome {
  deliveryId?: string;
  event?: string;
  /** The host the push came from (github.com, a GitHub Enterprise host). */
  host?: string;
  repository?: string;
  ref?: string;
  decision: string;
  reason?: string;
  detail?: string;
  executions?: unknown[];
  /** Where the change list came from and, when unknown, why. */
  changes?: { source: string; reason?: string };
}

// Unauthenticated headers reach the log; keep them short.
const clip = (value: string | undefined): string | undefined => value?.slice(0, 100);

/**
 * The push with the files GitHub's compare API lists, when the payload could not tell them and a lookup is
 * configured; otherwise (no lookup, nothing to compare with, an error, a timeout, a capped answer) no push,
 * and the changes stay unknown: everything runs. Never throws.
 */
async function changedFilesFromGitHub(
  push: PushEvent,
  deps: WebhookDeps,
  receivedAt: number,
): Promise<{ push?: PushEvent; changes: { source: string; reason: string } }> {
  const unknown = (why: string) => ({ changes: { source: 'unknown', reason: `${push.unknownReason}; ${why}` } });
  if (deps.compare === undefined) return unknown('no GitHub token configured');
  if (push.compareBase === undefined || push.host === undefined) return unknown('nothing to compare with');
  const left = deps.timeoutMs - (Date.now() - receivedAt);
  // Half of what is left at most: Step Functions still has to answer within GitHub's 10 s.
  const waitMs = Math.max(1, Math.min(deps.compareTimeoutMs ?? DEFAULT_COMPARE_TIMEOUT_MS, Math.floor(left / 2)));
  let outcome: Awaited<ReturnType<ChangedFilesLookup>>;
  try {
    outcome = await deps.compare({
      host: push.host,
      repository: push.repository,
      base: push.compareBase,
      head: push.after,
      signal: AbortSignal.timeout(waitMs),
    });
  } catch (err) {
    outcome = { kind: 'unknown', reason: `compare API failed (${(err as Error).name})` };
  }
  if (outcome.kind === 'unknown') return unknown(outcome.reason);
  const { unknownReason: _, ...rest } = push;
  return {
    push: { ...rest, paths: outcome.paths, pathsSource: 'compare-api' },
    changes: {
      source: 'compare-api',
      reason: `${push.unknownReason}; compared ${push.compareBase.slice(0, 40)}...${push.after}`,
    },
  };
}

/**
 * Handles one GitHub webhook request from API Gateway (HTTP API, payload 2.0). Order matters:
 * size, then signature, and only a verified body is parsed or can start anything.
 */
export async function handleWebhook(
  event: APIGatewayProxyEventV2,
  deps: WebhookDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const receivedAt = Date.now();
  const outcome: Outcome = {
    decision: 'rejected',
    deliveryId: clip(headerOf(event, 'x-github-delivery')),
    event: clip(headerOf(event, 'x-github-event')),
  };
  const answer = (status: number, body: Record<string, unknown>, headers?: Record<string, string>) => {
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    deps.logger[level]('webhook request', { status, ...outcome });
    return jsonResponse(status, body, headers);
  };
  const reject = (status: number, reason: string, message: string, headers?: Record<string, string>) => {
    outcome.reason = reason;
    outcome.detail = message;
    return answer(status, { message, reason }, headers);
  };

  const method = event.requestContext?.http?.method ?? '';
  if (method.toUpperCase() !== 'POST') {
    return reject(405, 'method-not-allowed', `method ${clip(method)} is not allowed: GitHub webhooks use POST`, {
      allow: 'POST',
    });
  }
  const size = bodySizeOf(event);
  if (size > deps.maxBodyBytes) {
    return reject(413, 'payload-too-large', `body of ${size} bytes is larger than the limit of ${deps.maxBodyBytes}`);
  }
  const signature = headerOf(event, 'x-hub-signature-256');
  if (signature === undefined || signature === '') {
    return reject(401, 'missing-signature', 'X-Hub-Signature-256 header is required');
  }
  let secret: string;
  try {
    secret = await deps.secret();
  } catch (err) {
    return reject(500, 'secret-unavailable', (err as Error).message);
  }
  const raw = rawBodyOf(event);
  if (!verifySignature(raw, signature, secret)) {
    return reject(401, 'invalid-signature', 'X-Hub-Signature-256 does not match the body');
  }

  // From here on the request comes from whoever holds the secret.
  const eventName = headerOf(event, 'x-github-event');
  if (eventName === undefined || eventName === '') {
    return reject(400, 'missing-event', 'X-GitHub-Event header is required');
  }
  if (eventName === 'ping') {
    outcome.decision = 'pong';
    return answer(200, { message: 'pong' });
  }
  if (eventName !== 'push') {
    outcome.decision = 'ignored';
    return reject(202, 'event-not-handled', `event ${clip(eventName)} is not handled: only push starts deployments`);
  }
  const deliveryId = headerOf(event, 'x-github-delivery');
  if (deliveryId === undefined || deliveryId.trim() === '') {
    return reject(400, 'missing-delivery-id', 'X-GitHub-Delivery header is required');
  }

  let decision: ReturnType<typeof normalizePush>;
  let pushEvent: PushEvent;
  try {
    const push = parseGitHubPush(parseWebhookBody(raw, headerOf(event, 'content-type')));
    outcome.repository = push.repository.full_name;
    outcome.ref = push.ref;
    pushEvent = pushEventFromGitHub(push, deliveryId, headerOf(event, 'x-github-enterprise-host'));
    outcome.host = pushEvent.host;
    decision = normalizePush(pushEvent, deps.config);
    if (decision.kind === 'start' && pushEvent.paths === null) {
      // Only a push that starts something is worth a call to GitHub.
      const known = await changedFilesFromGitHub(pushEvent, deps, receivedAt);
      outcome.changes = known.changes;
      if (known.push !== undefined) decision = normalizePush(known.push, deps.config);
    } else if (decision.kind === 'start') {
      outcome.changes = { source: 'payload' };
    }
  } catch (err) {
    if (err instanceof UnsupportedContentType) return reject(415, 'unsupported-content-type', err.message);
    if (err instanceof InvalidWebhookBody) return reject(400, 'invalid-body', err.message);
    if (err instanceof InvalidPushPayload || err instanceof InvalidExecutionInput) {
      return reject(400, 'invalid-payload', err.message);
    }
    throw err;
  }
  if (decision.kind === 'ignored') {
    outcome.decision = 'ignored';
    return reject(202, decision.reason, decision.detail);
  }

  // The budget covers the whole request, secret read included.
  const abortSignal = AbortSignal.timeout(Math.max(1, deps.timeoutMs - (Date.now() - receivedAt)));
  try {
    const executions = await startExecutions(decision.executions, {
      sfn: deps.sfn,
      stateMachineArn: deps.stateMachineArn,
      abortSignal,
    });
    const fresh = executions.some((e) => e.outcome === 'started');
    outcome.decision = fresh ? 'started' : 'already-started';
    const trimmedOf = new Map(decision.executions.map((e) => [e.name, e.trimmed]));
    outcome.executions = executions.map((e) => ({
      name: e.name,
      outcome: e.outcome,
      ...(trimmedOf.get(e.name) === undefined ? {} : { trimmed: trimmedOf.get(e.name) }),
    }));
    const skipped = decision.skipped.length === 0 ? {} : { skipped: decision.skipped };
    return answer(fresh ? 201 : 200, {
      message: fresh ? 'started' : 'already started',
      executions: executions.map(({ service, environment, name, executionArn, outcome: o, status }) => ({
        service,
        environment,
        name,
        executionArn,
        ...(o === 'already-exists' ? { alreadyStarted: true, status } : {}),
        // Fields shortened or dropped to fit Step Functions' input limit (see docs/push-trigger.md).
        ...(trimmedOf.get(name) === undefined ? {} : { trimmed: trimmedOf.get(name) }),
      })),
      ...skipped,
    });
  } catch (err) {
    outcome.decision = 'failed';
    if (abortSignal.aborted) {
      return reject(
        504,
        'start-timeout',
        `Step Functions did not answer within ${deps.timeoutMs} ms; redeliver the push`,
      );
    }
    return reject(502, 'start-failed', `Step Functions refused the start (${(err as Error).name}); redeliver the push`);
  }
}
