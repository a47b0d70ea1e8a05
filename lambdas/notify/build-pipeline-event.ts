import * as z from 'zod';
import {
  executionConsoleUrl,
  FINAL_EVENT_TYPES,
  OUTCOME_OF_ERROR,
  PIPELINE_EVENT_SCHEMA_VERSION,
  type PipelineEvent,
  type PipelineEventType,
  type StageTiming,
} from '../../lib/contracts/pipeline-event';
import { exportedValue, exportedVariablesSchema } from '../../lib/contracts/stage-outputs';
import { truncateText } from '../shared/notifications/text';
import type { NotifyRequest } from './notify-request';

/** A failure's cause keeps at most this many characters in the event (Slack shows 3,000 in a section). */
export const MAX_CAUSE_CHARS = 2_000;
/** The commit message keeps at most this many characters in the event. */
export const MAX_MESSAGE_CHARS = 1_000;
/** Other free-text fields (author, branch, stage and error names) keep at most this many. */
export const MAX_FIELD_CHARS = 200;

/** What the event builder needs besides the request: the clock and the stage timeline. */
export interface BuildContext {
  readonly now: Date;
  /** The run's stages so far (from the execution history); empty when it could not be read. */
  readonly stages: readonly StageTiming[];
  /** The run's cost (final events only; see `runCostOf`); absent when it could not be read. */
  readonly cost?: PipelineEvent['cost'];
}

// The workflow state, read leniently: each part is taken only when it has the expected shape.
const inputPart = z.object({
  service: z.string().min(1).catch('unknown'),
  environment: z.string().min(1).catch('unknown'),
  trigger: z.string().min(1).catch('unknown'),
  source: z
    .object({
      provider: z.string().catch('unknown'),
      repository: z.string().catch(''),
      branch: z.string().catch(''),
      commit: z.string().catch(''),
      author: z.string().catch(''),
      message: z.string().catch(''),
      url: z.string().catch(''),
    })
    .catch({ provider: 'unknown', repository: '', branch: '', commit: '', author: '', message: '', url: '' }),
});
const failurePart = z.object({ stage: z.string(), error: z.string(), cause: z.string() });
const coveragePart = z.object({
  passed: z.boolean(),
  lines: z.object({ pct: z.number().nullable() }),
  branches: z.object({ pct: z.number().nullable() }).nullable().optional(),
  newCode: z.object({ pct: z.number().nullable() }).nullable().optional(),
  rules: z.array(z.object({ rule: z.string(), passed: z.boolean() })).optional(),
});
const planPart = z.object({
  add: z.number().int().nonnegative(),
  change: z.number().int().nonnegative(),
  destroy: z.number().int().nonnegative(),
  replace: z.number().int().nonnegative().catch(0),
  protectedChanges: z.array(z.unknown()).catch([]),
  summary: z.string(),
});
const scanPart = z.object({
  status: z.string(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
  consoleUrl: z.string().optional(),
});
// BuildImage's (or PromotedImage's) result: the build's exported variables, IMAGE_URI and IMAGE_DIGEST
// (absent when the build deferred the image: no repository yet).
const imagePart = z
  .object({ exported: exportedVariablesSchema })
  .transform(({ exported }) => ({
    uri: exportedValue(exported, 'IMAGE_URI') ?? null,
    digest: exportedValue(exported, 'IMAGE_DIGEST'),
  }))
  .pipe(z.object({ uri: z.string().nullable(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) }));
const inputImagePart = z.object({ repository: z.string(), digest: z.string() });

/** The value at `path` of the state, or undefined. */
function at(state: unknown, path: readonly string[]): unknown {
  let value = state;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function take<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

const https = (url: string): string | null => (/^https:\/\/\S+$/.test(url) ? url : null);

/**
 * Builds the one event of a `Notify*` state from the workflow state (pure: no clock, no I/O).
 *
 * Reads, when present and well-formed: the execution input (`service`, `environment`, `trigger`,
 * `source`, `image`), the failure record `$.error.failure` (the type becomes more specific for
 * `RolledBack`, `RollbackFailed` and `LockSuperseded`, see `OUTCOME_OF_ERROR`), the coverage gate's
 * summary `$.verify.tests.coverage.summary`, the plan guard's `$.verify.plan.guard.summary`, the
 * scan gate's `$.scan.summary` and the image `$.verify.image` (IMAGE_URI and IMAGE_DIGEST of its
 * `exported` variables); `ctx.cost` goes into the events that end a run ({@link FINAL_EVENT_TYPES})
 * only. Texts are shortened to
 * {@link MAX_CAUSE_CHARS}, {@link MAX_MESSAGE_CHARS} and {@link MAX_FIELD_CHARS}.
 */
export function buildPipelineEvent(request: NotifyRequest, ctx: BuildContext): PipelineEvent {
  const { state, execution } = request;
  const input = inputPart.parse(state);
  const failure = take(failurePart, at(state, ['error', 'failure']));
  const type: PipelineEventType =
    request.type === 'failed' && failure !== undefined
      ? (OUTCOME_OF_ERROR[failure.error] ?? request.type)
      : request.type;
  const startedMs = Date.parse(execution.startTime);
  const startedAt = Number.isNaN(startedMs) ? null : new Date(startedMs).toISOString();
  const commit = input.source.commit;
  const field = (text: string) => truncateText(text, MAX_FIELD_CHARS);

  const event: PipelineEvent = {
    schemaVersion: PIPELINE_EVENT_SCHEMA_VERSION,
    id: `${execution.name}/${type}`,
    type,
    occurredAt: ctx.now.toISOString(),
    service: field(input.service),
    environment: field(input.environment),
    trigger: field(input.trigger),
    source: {
      provider: field(input.source.provider || 'unknown'),
      repository: field(input.source.repository),
      branch: field(input.source.branch),
      commit: field(commit),
      shortCommit: commit.slice(0, 7),
      commitUrl: https(input.source.url),
      author: field(input.source.author),
      message: truncateText(input.source.message.trim(), MAX_MESSAGE_CHARS),
    },
    execution: {
      name: execution.name,
      arn: execution.id,
      consoleUrl: executionConsoleUrl(execution.id),
      startedAt,
      durationMs: startedAt === null ? null : Math.max(0, ctx.now.getTime() - startedMs),
    },
    stages: [...ctx.stages],
    trimmed: [],
  };
  if (failure !== undefined && type !== 'started' && type !== 'succeeded') {
    event.failure = {
      stage: field(failure.stage),
      error: field(failure.error),
      cause: truncateText(failure.cause, MAX_CAUSE_CHARS),
    };
  }

  const coverage = take(coveragePart, at(state, ['verify', 'tests', 'coverage', 'summary']));
  if (coverage !== undefined) {
    event.coverage = {
      passed: coverage.passed,
      linePct: coverage.lines.pct,
      branchPct: coverage.branches?.pct ?? null,
      newCodePct: coverage.newCode?.pct ?? null,
      failedRules: (coverage.rules ?? []).filter((r) => !r.passed).map((r) => field(r.rule)),
    };
  }
  const plan = take(planPart, at(state, ['verify', 'plan', 'guard', 'summary']));
  if (plan !== undefined) {
    event.plan = {
      add: plan.add,
      change: plan.change,
      destroy: plan.destroy,
      replace: plan.replace,
      protectedChanges: plan.protectedChanges.length,
      summary: field(plan.summary),
    };
  }
  const scan = take(scanPart, at(state, ['scan', 'summary']));
  if (scan !== undefined) {
    event.scan = {
      status: field(scan.status),
      counts: Object.fromEntries(Object.entries(scan.counts).slice(0, 10)),
      consoleUrl: scan.consoleUrl === undefined ? null : https(scan.consoleUrl),
    };
  }
  const built = take(imagePart, at(state, ['verify', 'image']));
  const promoted = take(inputImagePart, at(state, ['image']));
  if (built !== undefined) {
    event.image = { uri: built.uri, digest: built.digest };
  } else if (promoted !== undefined) {
    event.image = { uri: `${promoted.repository}@${promoted.digest}`, digest: promoted.digest };
  }
  if (type === 'approval_required') {
    event.approval = {
      approveCommand: `deployctl approve ${execution.name}`,
      rejectCommand: `deployctl reject ${execution.name} --reason "..."`,
    };
  }
  if (type === 'superseded' && request.supersededBy !== undefined) {
    event.supersededBy = {
      commit: field(request.supersededBy.commit),
      shortCommit: request.supersededBy.commit.slice(0, 7),
      executionName: request.supersededBy.executionName ?? null,
    };
  }
  if (ctx.cost !== undefined && FINAL_EVENT_TYPES.includes(type)) event.cost = ctx.cost;
  if (type === 'lock_released_by_watchdog') {
    event.watchdog = { executionStatus: field(request.executionStatus ?? 'unknown') };
  }
  return event;
}
