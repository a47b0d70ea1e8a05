import { Buffer } from 'node:buffer';
import * as z from 'zod';

/**
 * The one event every message on the pipeline topic carries (docs/notifications.md). The workflow's
 * `Notify*` states publish it through `lambdas/notify`, other publishers (the lock's watchdog) through
 * the same `publishEvent`; the Slack notifier, the commit-status function, AWS Chatbot (in its own
 * format, see `renderChatbotNotification`) and `deployctl local` read it. A public contract: add
 * fields and types, never rename or repurpose one.
 */

/** Version of the event's shape; a subscriber refuses a version it does not know. */
export const PIPELINE_EVENT_SCHEMA_VERSION = 1;

/**
 * What happened, in the order a run can meet them. `failed`, `rolled_back`, `rollback_failed` and
 * `superseded` end a run that did not deploy its commit; `lock_released_by_watchdog` is published
 * for a run that ended without reaching a `Notify*` state (aborted, timed out).
 */
export const PIPELINE_EVENT_TYPES = [
  'started',
  'approval_required',
  'succeeded',
  'failed',
  'rolled_back',
  'rollback_failed',
  'superseded',
  'lock_released_by_watchdog',
] as const;
export type PipelineEventType = (typeof PIPELINE_EVENT_TYPES)[number];

/** The types that end a run. */
export const FINAL_EVENT_TYPES: readonly PipelineEventType[] = [
  'succeeded',
  'failed',
  'rolled_back',
  'rollback_failed',
  'superseded',
  'lock_released_by_watchdog',
];

/**
 * Types that also carry the deprecated `event` message attribute (the only three the workflow
 * published before this schema), with the same value, so subscriptions filtering on `event` keep
 * working for one release. Removed in the next release: filter on `type` instead.
 */
export const LEGACY_EVENT_ATTRIBUTE_TYPES: readonly PipelineEventType[] = ['started', 'succeeded', 'failed'];

/**
 * Error names that make a failure a more specific outcome (names from `lib/contracts/error-names.ts`
 * as the rollback and lock work declares them): a run that ends `RolledBack` is `rolled_back`, etc.
 */
export const OUTCOME_OF_ERROR: Readonly<Record<string, PipelineEventType>> = {
  RolledBack: 'rolled_back',
  RollbackFailed: 'rollback_failed',
  LockSuperseded: 'superseded',
};

/** A stage's state in the timeline. `cancelled`: stopped because a stage beside it failed. */
export const STAGE_STATUSES = ['succeeded', 'failed', 'skipped', 'running', 'cancelled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

const isoInstant = z.iso.datetime({ offset: true });

/** One stage of the run, from the execution's history. */
export const stageTimingSchema = z.strictObject({
  /** The user-facing state name (`RunTests`, `HelmDeploy`, ...). */
  name: z.string().min(1),
  status: z.enum(STAGE_STATUSES),
  /** When the stage was first entered; null for a skipped stage. */
  startedAt: isoInstant.nullable(),
  /** From first entry to last exit (or to its failure), in milliseconds; null when still running or skipped. */
  durationMs: z.number().int().nonnegative().nullable(),
});
export type StageTiming = z.infer<typeof stageTimingSchema>;

const count = z.number().int().nonnegative();

/** Most cost lines an event carries (one per build; a run with more builds keeps the first ones and the total). */
export const MAX_COST_LINES = 40;

export const pipelineEventSchema = z.strictObject({
  schemaVersion: z.literal(PIPELINE_EVENT_SCHEMA_VERSION),
  /** `<execution name>/<type>`: the same for a retried publish of the same moment, so subscribers can drop repeats. */
  id: z.string().min(1),
  type: z.enum(PIPELINE_EVENT_TYPES),
  /** When the event was built (ISO 8601). */
  occurredAt: isoInstant,
  service: z.string().min(1),
  environment: z.string().min(1),
  /** `push`, `manual`, `promotion`, `redrive` (execution input), or `unknown`. */
  trigger: z.string().min(1),
  source: z.strictObject({
    /** `github`, `codecommit`, `manual` or `unknown`. */
    provider: z.string().min(1),
    /** `owner/repo` on GitHub, the repository name on CodeCommit; empty when unknown. */
    repository: z.string(),
    branch: z.string(),
    /** The 40-character commit id; empty when unknown. */
    commit: z.string(),
    /** The first 7 characters of `commit`. */
    shortCommit: z.string(),
    /** The commit's page (GitHub, CodeCommit console), or null. */
    commitUrl: z.string().nullable(),
    author: z.string(),
    /** The commit message, shortened (see `MAX_MESSAGE_CHARS` in lambdas/notify). */
    message: z.string(),
  }),
  execution: z.strictObject({
    name: z.string(),
    arn: z.string(),
    /** The execution in the Step Functions console, or null when the ARN is not one. */
    consoleUrl: z.string().nullable(),
    startedAt: isoInstant.nullable(),
    /** From the execution's start to this event, in milliseconds; null when the start is unknown. */
    durationMs: z.number().int().nonnegative().nullable(),
  }),
  /** The failing stage, the error name (`ErrorName`) and the cause, shortened. Absent unless a stage failed. */
  failure: z
    .strictObject({
      stage: z.string(),
      error: z.string(),
      cause: z.string(),
    })
    .optional(),
  /** The stages in the order they started; empty when the history could not be read. */
  stages: z.array(stageTimingSchema),
  /** The coverage gate's verdict when the run has one. Percentages 0-100, null when not measured. */
  coverage: z
    .strictObject({
      passed: z.boolean(),
      linePct: z.number().nullable(),
      branchPct: z.number().nullable(),
      newCodePct: z.number().nullable(),
      /** Names of the rules that failed (`minLinePct`, ...). */
      failedRules: z.array(z.string()),
    })
    .optional(),
  /** The plan guard's counts when the run planned infrastructure changes. */
  plan: z
    .strictObject({
      add: count,
      change: count,
      destroy: count,
      replace: count,
      /** Deletions or replacements of protected resource types (let through only when approved). */
      protectedChanges: count,
      /** Terraform's own wording: `<n> to add, <n> to change, <n> to destroy`. */
      summary: z.string(),
    })
    .optional(),
  /** The image scan's verdict when the run has one. */
  scan: z
    .strictObject({
      status: z.string(),
      /** Findings per severity (`CRITICAL`, `HIGH`, ...). */
      counts: z.record(z.string(), count),
      consoleUrl: z.string().nullable(),
    })
    .optional(),
  /** The image this run built or promoted. */
  image: z.strictObject({ uri: z.string().nullable(), digest: z.string() }).optional(),
  /**
   * For the events that end a run, when the notify function could read the run's history: what the
   * run cost at list prices (`runCostFromHistory` in lib/contracts/pricing.ts, the installation's
   * `pricing`). The notification is sent from inside the run, before its ending states, so the
   * transitions are those entered so far plus `endingStates`.
   */
  cost: z
    .strictObject({
      /** USD. */
      totalUsd: z.number().nonnegative(),
      /** The total for people: `$0.04` (`formatUsd`). */
      display: z.string().min(1),
      /** States the run had not entered yet when the event was built, counted as transitions. */
      endingStates: count,
      /** What the total is made of: transitions, each build, the functions. */
      lines: z
        .array(
          z.strictObject({
            kind: z.enum(['transitions', 'codebuild', 'lambda']),
            item: z.string(),
            usd: z.number().nonnegative(),
          }),
        )
        .max(MAX_COST_LINES),
    })
    .optional(),
  /** For `approval_required`: the command that approves (and the one that rejects). */
  approval: z.strictObject({ approveCommand: z.string(), rejectCommand: z.string() }).optional(),
  /** For `superseded`: the newer commit that replaced this run. */
  supersededBy: z
    .strictObject({ commit: z.string(), shortCommit: z.string(), executionName: z.string().nullable() })
    .optional(),
  /** For `lock_released_by_watchdog`: how the execution ended (`ABORTED`, `TIMED_OUT`, `FAILED`). */
  watchdog: z.strictObject({ executionStatus: z.string() }).optional(),
  /** Fields shortened or dropped to fit SNS's message size, in the order they were (empty when none). */
  trimmed: z.array(z.string()),
});
export type PipelineEvent = z.infer<typeof pipelineEventSchema>;

/**
 * SNS's largest message: "With the exception of SMS, messages must be UTF-8 encoded strings and at most
 * 256 KB in size (262,144 bytes, not 262,144 characters)" (SNS API Reference, Publish,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html), and "All parts of the message attribute,
 * including name, type, and value, are included in the message size restriction"
 * (https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html).
 */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** One SNS message attribute as `Publish` takes it. */
export interface StringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

/**
 * The message attributes subscribers filter on: `type`, `service`, `environment`, `route`
 * (`<environment>:<type>`, what this stack's own subscriptions filter on, see {@link filterPolicyOf}),
 * and the deprecated `event` (same value as `type`) for the three legacy types
 * ({@link LEGACY_EVENT_ATTRIBUTE_TYPES}).
 */
export function messageAttributesOf(
  event: Pick<PipelineEvent, 'type' | 'service' | 'environment'>,
): Record<string, StringAttribute> {
  const attr = (value: string): StringAttribute => ({ DataType: 'String', StringValue: value });
  return {
    type: attr(event.type),
    service: attr(event.service),
    environment: attr(event.environment),
    route: attr(routeOf(event)),
    ...(LEGACY_EVENT_ATTRIBUTE_TYPES.includes(event.type) ? { event: attr(event.type) } : {}),
  };
}

/** Bytes SNS counts for a message: the UTF-8 body plus each attribute's name, data type and value. */
export function snsMessageBytes(message: string, attributes: Readonly<Record<string, StringAttribute>>): number {
  let bytes = Buffer.byteLength(message, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8');
    bytes += Buffer.byteLength(value.DataType, 'utf8');
    bytes += Buffer.byteLength(value.StringValue, 'utf8');
  }
  return bytes;
}

/** Console host of each AWS partition; other partitions have no known console. */
const CONSOLE_HOSTS: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/**
 * The execution's page in the Step Functions console, or null when `arn` is not an execution ARN or
 * its partition has no known console. Not a documented URL format: it is the page the console itself
 * opens for an execution. Notifications, `deployctl` and local runs all link with this.
 */
export function executionConsoleUrl(arn: string): string | null {
  const match = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):\d{12}:execution:[^:]+:[^:]+$/.exec(arn);
  const host = match === null ? undefined : CONSOLE_HOSTS[match[1] as string];
  if (match === null || host === undefined) return null;
  const region = match[2] as string;
  return `https://${region}.${host}/states/home?region=${region}#/v2/executions/details/${arn}`;
}

// ---------------------------------------------------------------------------------------------------
// Routing: which events a channel gets, as an SNS subscription filter policy, and the same test in code.
// ---------------------------------------------------------------------------------------------------

/** `"all"` or a list of event types. */
export const eventSelectionSchema = z.union([
  z.literal('all'),
  z.array(z.enum(PIPELINE_EVENT_TYPES)).min(1, 'must list at least one event type (or be "all")'),
]);
export type EventSelection = z.infer<typeof eventSelectionSchema>;

/** The key of {@link NotificationEvents} that stands for every configured environment not named. */
export const OTHER_ENVIRONMENTS = '*';

/**
 * Which events of which environments a channel gets: environment name (or `"*"` for every other
 * configured environment) to `"all"` or a list of types. Environments not named (and no `"*"`) get
 * nothing. Absent: everything.
 * @example { "dev": ["failed", "rolled_back", "rollback_failed"], "prod": "all" }
 */
export const notificationEventsSchema = z.record(z.string(), eventSelectionSchema).superRefine((events, ctx) => {
  const keys = Object.keys(events);
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one environment (or be left out for all)' });
  }
  for (const key of keys.filter((k) => !/^(\*|[a-z][a-z0-9-]{0,30}[a-z0-9])$/.test(k))) {
    ctx.addIssue({ code: 'custom', path: [key], message: 'must be an environment name or "*"' });
  }
});
export type NotificationEvents = z.infer<typeof notificationEventsSchema>;

/**
 * SNS filter policies: "The total combination of values in a filter policy must not exceed 150"
 * (Filter policy constraints, https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
 */
export const SNS_FILTER_POLICY_MAX_COMBINATIONS = 150;

/** One value of the `route` filter: an exact route, every route of an environment, or any route. */
export type RouteMatcher = string | { readonly prefix: string } | { readonly exists: true };

/** The filter policy of a channel: one key, `route`, so its complexity is the number of values. */
export interface RouteFilterPolicy {
  readonly route: readonly RouteMatcher[];
}

/** The `route` attribute of an event: `<environment>:<type>` (environment names have no colon). */
export function routeOf(event: Pick<PipelineEvent, 'type' | 'environment'>): string {
  return `${event.environment}:${event.type}`;
}

/**
 * The SNS subscription filter policy (on message attributes) that delivers exactly the selected
 * events. It filters on the `route` attribute (`<environment>:<type>`): one flat list whose
 * complexity is its length, where separate `environment` and `type` keys would need an `$or` per
 * environment. `"all"` of an environment is one `prefix` value; `"*"` expands to the configured
 * environments not named. No selection: every message that has a route (never an alarm's).
 *
 * @param environments every configured environment name (for `"*"`)
 * @throws Error when the selection selects nothing or exceeds SNS's 150 combinations (the message says which)
 */
export function filterPolicyOf(
  events: NotificationEvents | undefined,
  environments: readonly string[],
): RouteFilterPolicy {
  if (events === undefined) return { route: [{ exists: true }] };
  const named = Object.keys(events).filter((env) => env !== OTHER_ENVIRONMENTS);
  const entries: Array<[string, EventSelection]> = Object.entries(events).flatMap(([env, selection]) =>
    env === OTHER_ENVIRONMENTS
      ? [...new Set(environments)]
          .filter((e) => !named.includes(e))
          .map((e): [string, EventSelection] => [e, selection])
      : [[env, selection] as [string, EventSelection]],
  );
  const route = entries.flatMap(([env, selection]): RouteMatcher[] =>
    selection === 'all' ? [{ prefix: `${env}:` }] : selection.map((type) => `${env}:${type}`),
  );
  if (route.length === 0) throw new Error('selects no event: "*" stands for no environment here');
  if (route.length > SNS_FILTER_POLICY_MAX_COMBINATIONS) {
    throw new Error(
      `selects ${route.length} environment and type combinations; an SNS filter policy allows at most ${SNS_FILTER_POLICY_MAX_COMBINATIONS} (use "all" for some environments)`,
    );
  }
  return { route };
}

/**
 * Whether SNS would deliver a message with these attributes under the policy: the same decision in
 * code (exact match, `prefix`, `exists`, the only operators {@link filterPolicyOf} writes).
 */
export function filterPolicyMatches(
  policy: RouteFilterPolicy,
  attributes: Readonly<Record<string, StringAttribute>>,
): boolean {
  const value = attributes.route?.StringValue;
  if (value === undefined) return false;
  return policy.route.some((m) =>
    typeof m === 'string' ? m === value : 'prefix' in m ? value.startsWith(m.prefix) : m.exists,
  );
}

/** Every environment name the configuration deploys to (the meaning of `"*"` in a selection). */
export function configuredEnvironments(config: {
  readonly services: readonly { readonly environments: readonly { readonly name: string }[] }[];
}): string[] {
  return [...new Set(config.services.flatMap((service) => service.environments.map((env) => env.name)))];
}
