import * as z from 'zod';

/**
 * What one run of the deploy pipeline costs, from what it really used: the prices (one table, which
 * users can override in the configuration's `pricing`) and a pure function that prices a run from its
 * Step Functions execution history.
 *
 * Prices are on-demand list prices in USD for US East (N. Virginia), `us-east-1`, as the AWS pricing
 * pages list them; other Regions differ by a few percent, so an installation elsewhere sets its own
 * figures in `pricing`:
 * - Step Functions Standard: "$0.025 per 1,000 state transitions" (https://aws.amazon.com/step-functions/pricing/).
 * - CodeBuild on-demand, per build minute by compute type; EC2 compute is billed per minute (rounded up),
 *   Lambda compute per second (https://aws.amazon.com/codebuild/pricing/).
 * - Lambda: "$0.20 per 1M requests", "$0.0000166667 for every GB-second" (x86) and "$0.0000133334"
 *   (Arm) (https://aws.amazon.com/lambda/pricing/). The pipeline's functions run on Arm (house default).
 * Free tiers are not subtracted: the figure is what the run costs once they are used up.
 */

/** Compute types a CodeBuild stage can run on, as `build.compute` names them. */
export const BUILD_COMPUTE_TYPES = [
  'ec2-small',
  'ec2-medium',
  'ec2-large',
  'arm-small',
  'arm-medium',
  'arm-large',
  'lambda-1gb',
  'lambda-2gb',
  'lambda-4gb',
  'lambda-8gb',
  'lambda-10gb',
  'arm-lambda-1gb',
  'arm-lambda-2gb',
  'arm-lambda-4gb',
  'arm-lambda-8gb',
  'arm-lambda-10gb',
] as const;
export type BuildComputeType = (typeof BUILD_COMPUTE_TYPES)[number];

/** Whether a compute type runs on CodeBuild's Lambda compute (no Docker, no cache, at most 15 minutes). */
export function isLambdaCompute(compute: BuildComputeType): boolean {
  return compute.includes('lambda-');
}

/**
 * The CodeBuild project settings of a compute type: `Environment.Type` and `Environment.ComputeType`
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html).
 */
export function codeBuildEnvironmentOf(compute: BuildComputeType): { type: string; computeType: string } {
  const arm = compute.startsWith('arm-');
  if (isLambdaCompute(compute)) {
    const size = compute.slice(compute.lastIndexOf('-') + 1).toUpperCase();
    return { type: arm ? 'ARM_LAMBDA_CONTAINER' : 'LINUX_LAMBDA_CONTAINER', computeType: `BUILD_LAMBDA_${size}` };
  }
  const size = compute.slice(compute.indexOf('-') + 1).toUpperCase();
  return { type: arm ? 'ARM_CONTAINER' : 'LINUX_CONTAINER', computeType: `BUILD_GENERAL1_${size}` };
}

/** The `build.compute` name of a build's `Environment` (`Type`, `ComputeType`), or undefined when unknown. */
export function computeTypeOf(environmentType: string | undefined, computeType: string): BuildComputeType | undefined {
  return BUILD_COMPUTE_TYPES.find((c) => {
    const env = codeBuildEnvironmentOf(c);
    return env.computeType === computeType && (environmentType === undefined || env.type === environmentType);
  });
}

const usd = z.number().nonnegative('must be a price in USD, zero or more');

/** The price table: every figure in USD. */
export const pricingSchema = z.strictObject({
  /** Where the figures apply (documentation only). @default 'us-east-1' */
  region: z.string().min(1).default('us-east-1'),
  /** Step Functions Standard, per state transition. @default 0.000025 */
  stepFunctionsTransition: usd.default(0.000025),
  /** CodeBuild, per build minute, by compute type. Unlisted types keep the default. */
  codeBuildMinute: z
    .partialRecord(z.enum(BUILD_COMPUTE_TYPES), usd)
    .default({})
    .transform((over) => ({ ...DEFAULT_CODEBUILD_MINUTE, ...over })),
  /** Lambda, per GB-second of duration (Arm). @default 0.0000133334 */
  lambdaGbSecond: usd.default(0.0000133334),
  /** Lambda, per request. @default 0.0000002 */
  lambdaRequest: usd.default(0.0000002),
});
export type Pricing = z.output<typeof pricingSchema>;
export type PricingOverride = z.input<typeof pricingSchema>;

/**
 * CodeBuild on-demand per-minute prices in us-east-1 (https://aws.amazon.com/codebuild/pricing/).
 * Lambda compute is billed per second; its per-minute figure here is 60 times the per-second price.
 *
 * Where each figure comes from ({@link CODEBUILD_PRICE_SOURCES}): the pricing page itself could not be
 * read from where this table was last checked (its rates are rendered by script, and no copy of them
 * was found in the documentation searched). The EC2 x86 figures are the long-published ones, and
 * third-party summaries of that page agree with them; the Arm and Lambda-compute figures have NO source
 * found: they are estimates. Confirm them for your Region on the pricing page and set
 * `pricing.codeBuildMinute` when they differ.
 */
export const DEFAULT_CODEBUILD_MINUTE: Readonly<Record<BuildComputeType, number>> = {
  'ec2-small': 0.005,
  'ec2-medium': 0.01,
  'ec2-large': 0.02,
  'arm-small': 0.0034,
  'arm-medium': 0.007,
  'arm-large': 0.015,
  'lambda-1gb': 0.0000188 * 60,
  'lambda-2gb': 0.0000375 * 60,
  'lambda-4gb': 0.000075 * 60,
  'lambda-8gb': 0.00015 * 60,
  'lambda-10gb': 0.0001875 * 60,
  'arm-lambda-1gb': 0.0000125 * 60,
  'arm-lambda-2gb': 0.000025 * 60,
  'arm-lambda-4gb': 0.00005 * 60,
  'arm-lambda-8gb': 0.0001 * 60,
  'arm-lambda-10gb': 0.000125 * 60,
};

/** How far each default CodeBuild price was checked (shown in docs/BENCHMARKS.md beside the figures). */
export type PriceSource = 'published (EC2 x86, agreed by third-party summaries)' | 'unverified: no source found';

/** The check behind each figure of {@link DEFAULT_CODEBUILD_MINUTE}. */
export const CODEBUILD_PRICE_SOURCES: Readonly<Record<BuildComputeType, PriceSource>> = Object.fromEntries(
  BUILD_COMPUTE_TYPES.map((c) => [
    c,
    c.startsWith('ec2-') ? 'published (EC2 x86, agreed by third-party summaries)' : 'unverified: no source found',
  ]),
) as Record<BuildComputeType, PriceSource>;

/** The default price table (us-east-1). */
export const DEFAULT_PRICING: Pricing = pricingSchema.parse({});

/** CodeBuild's billing of one build: EC2 compute per started minute, Lambda compute per started second. */
export function billedBuildMinutes(compute: BuildComputeType, seconds: number): number {
  const s = Math.max(0, seconds);
  return isLambdaCompute(compute) ? Math.ceil(s) / 60 : Math.max(1, Math.ceil(s / 60));
}

/** One priced item of a run. */
export interface CostLine {
  /** `transitions`, `codebuild` or `lambda`. */
  readonly kind: 'transitions' | 'codebuild' | 'lambda';
  /** What was used: `29 state transitions`, `RunTests: 3.2 min on ec2-small`, `9 invocations, 4.1 GB-s`. */
  readonly item: string;
  /** The amount in the unit priced (transitions, billed minutes, GB-seconds). */
  readonly quantity: number;
  readonly usd: number;
}

/** A run's cost: the total in USD and the lines it is made of. */
export interface RunCost {
  readonly total: number;
  readonly lines: readonly CostLine[];
}

/** The fields of a Step Functions `HistoryEvent` the cost reads (GetExecutionHistory, with execution data). */
export interface CostHistoryEvent {
  readonly id: number;
  readonly previousEventId?: number;
  readonly timestamp: Date | string | number;
  readonly type: string;
  readonly stateEnteredEventDetails?: { readonly name?: string };
  readonly taskScheduledEventDetails?: { readonly resourceType?: string; readonly resource?: string };
  readonly taskSucceededEventDetails?: {
    readonly resourceType?: string;
    readonly resource?: string;
    readonly output?: string;
  };
  readonly taskFailedEventDetails?: {
    readonly resourceType?: string;
    readonly resource?: string;
    readonly cause?: string;
  };
}

export interface RunCostOptions {
  /** @default {@link DEFAULT_PRICING} */
  readonly pricing?: Pricing;
  /** Memory of the pipeline's functions, for GB-seconds (approximate: one figure for all). @default 512 */
  readonly lambdaMemoryMb?: number;
  /**
   * States the run will still enter after this history was read, priced as transitions: the final
   * notification reads the history from inside its `Notify*` state, before the run's ending states.
   * @default 0
   */
  readonly pendingTransitions?: number;
}

const millis = (t: Date | string | number): number =>
  t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);

/** A CodeBuild time as Step Functions returns it: epoch seconds or milliseconds, or ISO 8601. */
function buildTime(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 1e11 ? value : value * 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface BuildRecord {
  readonly project: string;
  readonly environmentType?: string;
  readonly computeType?: string;
  readonly startMs?: number;
  readonly endMs?: number;
}

function buildOf(document: unknown): BuildRecord | undefined {
  const build = (document as { Build?: Record<string, unknown> } | undefined)?.Build;
  if (build === null || typeof build !== 'object') return undefined;
  const environment = (build.Environment ?? {}) as { Type?: unknown; ComputeType?: unknown };
  return {
    project: typeof build.ProjectName === 'string' ? build.ProjectName : 'build',
    ...(typeof environment.Type === 'string' ? { environmentType: environment.Type } : {}),
    ...(typeof environment.ComputeType === 'string' ? { computeType: environment.ComputeType } : {}),
    ...(buildTime(build.StartTime) === undefined ? {} : { startMs: buildTime(build.StartTime) as number }),
    ...(buildTime(build.EndTime) === undefined ? {} : { endMs: buildTime(build.EndTime) as number }),
  };
}

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A run's cost from its execution history (every page, with execution data), priced with `pricing`:
 * - **transitions**: one per `...StateEntered` event (Step Functions bills each state entered);
 * - **CodeBuild**: each `codebuild:startBuild.sync` task that ended (`TaskSucceeded` output or
 *   `TaskFailed` cause: `Build.Environment.ComputeType`, `StartTime`, `EndTime`; without times, the
 *   task's scheduled-to-ended time), billed per compute type (unknown types are priced as `ec2-small`
 *   and named in the line);
 * - **Lambda**: each `lambda:invoke` task, its scheduled-to-ended time times `lambdaMemoryMb`, plus its
 *   request (approximate: the task's time includes Step Functions' own latency). Callback tasks
 *   (`.waitForTaskToken`) count their request only: the function returns at once and the wait is free.
 * Events still running (no end yet) add nothing; `pendingTransitions` adds states not yet entered.
 * Pure: no clock, no I/O.
 *
 * @throws RangeError when `pendingTransitions` is not a whole number, zero or more
 */
export function runCostFromHistory(events: readonly CostHistoryEvent[], options: RunCostOptions = {}): RunCost {
  const pricing = options.pricing ?? DEFAULT_PRICING;
  const pending = options.pendingTransitions ?? 0;
  if (!Number.isInteger(pending) || pending < 0) {
    throw new RangeError(`pendingTransitions must be a whole number, zero or more, got ${pending}`);
  }
  const memoryGb = (options.lambdaMemoryMb ?? 512) / 1024;
  const sorted = [...events].sort((a, b) => a.id - b.id);
  const byId = new Map(sorted.map((e) => [e.id, e]));
  const stateOf = new Map<number, string>();
  let transitions = 0;
  const lines: CostLine[] = [];
  let lambdaRequests = 0;
  let lambdaGbSeconds = 0;

  /** The TaskScheduled event an event's previousEventId chain leads back to. */
  const scheduledOf = (event: CostHistoryEvent): CostHistoryEvent | undefined => {
    let at: CostHistoryEvent | undefined = event;
    for (let hops = 0; at !== undefined && hops < 5; hops += 1) {
      if (at.type === 'TaskScheduled') return at;
      at = at.previousEventId === undefined ? undefined : byId.get(at.previousEventId);
    }
    return undefined;
  };
  const enteredStateOf = (event: CostHistoryEvent): string => {
    let at: CostHistoryEvent | undefined = event;
    for (let hops = 0; at !== undefined && hops < 8; hops += 1) {
      const name = stateOf.get(at.id);
      if (name !== undefined) return name;
      at = at.previousEventId === undefined ? undefined : byId.get(at.previousEventId);
    }
    return 'task';
  };

  for (const event of sorted) {
    if (event.type.endsWith('StateEntered')) {
      transitions += 1;
      if (event.stateEnteredEventDetails?.name) stateOf.set(event.id, event.stateEnteredEventDetails.name);
      continue;
    }
    const ended =
      event.type === 'TaskSucceeded'
        ? event.taskSucceededEventDetails
        : event.type === 'TaskFailed'
          ? event.taskFailedEventDetails
          : undefined;
    if (ended === undefined) continue;
    const scheduled = scheduledOf(event);
    const resourceType = ended.resourceType ?? scheduled?.taskScheduledEventDetails?.resourceType;
    const resource = ended.resource ?? scheduled?.taskScheduledEventDetails?.resource ?? '';
    const taskMs = scheduled === undefined ? 0 : Math.max(0, millis(event.timestamp) - millis(scheduled.timestamp));
    if (resourceType === 'codebuild' && resource.startsWith('startBuild')) {
      const document =
        event.type === 'TaskSucceeded'
          ? parseJson(event.taskSucceededEventDetails?.output)
          : parseJson(event.taskFailedEventDetails?.cause);
      const build = buildOf(document);
      const known =
        build?.computeType === undefined ? undefined : computeTypeOf(build.environmentType, build.computeType);
      const compute = known ?? 'ec2-small';
      const ms =
        build?.startMs !== undefined && build.endMs !== undefined ? Math.max(0, build.endMs - build.startMs) : taskMs;
      const minutes = billedBuildMinutes(compute, ms / 1000);
      const state = enteredStateOf(event);
      const label = known ?? `${build?.computeType ?? 'unknown compute'} (priced as ec2-small)`;
      lines.push({
        kind: 'codebuild',
        item: `${state}: ${round(minutes, 2)} min on ${label}`,
        quantity: round(minutes, 4),
        usd: round(minutes * pricing.codeBuildMinute[compute]),
      });
    } else if (resourceType === 'lambda') {
      lambdaRequests += 1;
      if (!resource.endsWith('.waitForTaskToken')) lambdaGbSeconds += (taskMs / 1000) * memoryGb;
    }
  }

  const billed = transitions + pending;
  lines.unshift({
    kind: 'transitions',
    item:
      pending === 0
        ? `${transitions} state transitions`
        : `${billed} state transitions (${transitions} so far + ${pending} ending)`,
    quantity: billed,
    usd: round(billed * pricing.stepFunctionsTransition),
  });
  if (lambdaRequests > 0) {
    lines.push({
      kind: 'lambda',
      item: `${lambdaRequests} invocations, ${round(lambdaGbSeconds, 2)} GB-s`,
      quantity: round(lambdaGbSeconds, 4),
      usd: round(lambdaRequests * pricing.lambdaRequest + lambdaGbSeconds * pricing.lambdaGbSecond),
    });
  }
  return { total: round(lines.reduce((sum, l) => sum + l.usd, 0)), lines };
}

/** A cost for people: `$0.04`, `$0.0031` under a cent, `<$0.0001` for less. */
export function formatUsd(amount: number): string {
  if (amount === 0) return '$0.00';
  if (amount < 0.0001) return '<$0.0001';
  if (amount < 0.01) return `$${amount.toFixed(4)}`;
  return `$${amount.toFixed(2)}`;
}
