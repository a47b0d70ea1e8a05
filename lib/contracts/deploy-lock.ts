import * as z from 'zod';
import { DEFAULT_APPROVAL_TIMEOUT_HOURS, LOCK_MODES, type LockMode, type PipelineConfig } from './pipeline-config';
import { exportedValue, exportedVariablesSchema } from './stage-outputs';

/**
 * The deploy lock's contracts (docs/deploy-lock.md): the table's items, what the lock, watchdog,
 * promotion and approval handlers take and return (their error names are in `error-names.ts`). The workflow's
 * `AcquireLock`, `ReleaseLock` and `WaitForApproval` states, the watchdog's EventBridge rule and
 * `deployctl approve|reject` are wired from these shapes.
 */

// ---------------------------------------------------------------------------------------------
// Limits and defaults
// ---------------------------------------------------------------------------------------------

/**
 * Default lease of a holder, in seconds from its execution's start: the state machine's current
 * `TimeoutSeconds` (3 hours, state-machines/deploy-pipeline.asl.json) plus 5 minutes. With a lease at
 * least as long as the state machine's timeout, a lease only expires once its holder has certainly
 * ended, so a takeover never interrupts a live run. The stack sets `LOCK_LEASE_SECONDS` to the
 * state machine's timeout plus a margin; raise both together (an approval wait counts too).
 */
export const DEFAULT_LOCK_LEASE_SECONDS = 3 * 60 * 60 + 5 * 60;

/** First wait of a run in the waiting line, in seconds. */
export const LOCK_WAIT_MIN_SECONDS = 5;
/**
 * Longest wait between two checks, in seconds. A run polling every 60 s for 10 hours adds about 600
 * loop iterations of about 9 history events each, well under Step Functions' 25,000 events per
 * execution ("Quotas related to state machine executions", Step Functions Developer Guide).
 */
export const LOCK_WAIT_MAX_SECONDS = 60;
/** A waiter refreshes its entry at most this often (no write for every poll), in seconds. */
export const WAITER_HEARTBEAT_SECONDS = 60;
/**
 * A waiter not seen for this long is dropped from the line (its execution most likely ended without
 * the watchdog hearing of it), in seconds: ten times the longest wait between two checks.
 */
export const WAITER_STALE_SECONDS = 10 * LOCK_WAIT_MAX_SECONDS;
/**
 * Most runs one lock's waiting line holds (QUEUED mode). The whole line lives in one item, which
 * DynamoDB limits to 400 KB ("Service, account, and table quotas in Amazon DynamoDB"); 100 waiters
 * of about 300 bytes stay far below it.
 */
export const MAX_WAITERS = 100;
/** How long records of ended lock use (released, superseded, ...) are kept, in seconds. */
export const LOCK_RECORD_TTL_SECONDS = 7 * 24 * 60 * 60;

// ---------------------------------------------------------------------------------------------
// The environment's policy
// ---------------------------------------------------------------------------------------------

/** What the workflow needs to know about an environment's lock, approval and promotions. */
export interface DeployPolicy {
  readonly lock: { readonly mode: LockMode };
  readonly approval: {
    /** Every run waits at `WaitForApproval` after its plan. */
    readonly required: boolean;
    /** Plans PlanGuard blocks wait at `WaitForApproval` instead of failing. */
    readonly onDestructive: boolean;
    /** `TimeoutSeconds` of `WaitForApproval` (use `TimeoutSecondsPath`). */
    readonly timeoutSeconds: number;
  };
  /** Environments whose runs start when a run here succeeds (they name this one in `promoteFrom`). */
  readonly promoteTo: readonly string[];
}

/** Lock key of a service in an environment. Names are `[a-z0-9-]`, so `#` cannot be part of one. */
export function lockKeyOf(service: string, environment: string): string {
  return `${service}#${environment}`;
}

/**
 * The policy of a service's environment, defaults filled in.
 * @returns undefined when the configuration has no such service or environment.
 */
export function deployPolicyOf(config: PipelineConfig, service: string, environment: string): DeployPolicy | undefined {
  const svc = config.services.find((s) => s.name === service);
  const env = svc?.environments.find((e) => e.name === environment);
  if (svc === undefined || env === undefined) return undefined;
  return {
    lock: { mode: env.lockMode },
    approval: {
      required: env.approval,
      onDestructive: env.approveDestructive,
      timeoutSeconds: (env.approvalTimeoutHours ?? DEFAULT_APPROVAL_TIMEOUT_HOURS) * 3600,
    },
    promoteTo: svc.environments.filter((e) => e.promoteFrom === environment).map((e) => e.name),
  };
}

// ---------------------------------------------------------------------------------------------
// Table items
// ---------------------------------------------------------------------------------------------

const commitSchema = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit id');
/** `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>` */
export const executionArnSchema = z
  .string()
  .regex(/^arn:[a-z0-9-]+:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/, 'must be a Step Functions execution ARN');

/** The run that holds a lock. */
export const lockHolderSchema = z.strictObject({
  executionArn: z.string(),
  commit: z.string(),
  /** ISO 8601. */
  acquiredAt: z.string(),
  /** Epoch seconds; after it anyone may take the lock over. */
  leaseExpiresAt: z.number(),
  /** The lock's `version` when this holder got it: a fencing token that only grows. */
  fencingToken: z.number(),
});
export type LockHolder = z.infer<typeof lockHolderSchema>;

/** A run in a lock's waiting line. */
export const lockWaiterSchema = z.strictObject({
  executionArn: z.string(),
  commit: z.string(),
  /** ISO 8601: when it joined the line. */
  enqueuedAt: z.string(),
  /** Epoch seconds of its last check (refreshed at most every {@link WAITER_HEARTBEAT_SECONDS}). */
  lastSeenAt: z.number(),
});
export type LockWaiter = z.infer<typeof lockWaiterSchema>;

/**
 * The one item of a lock (table layout in docs/deploy-lock.md):
 * `pk = lock#<service>#<environment>`, written only with `version` compare-and-swap.
 */
export const lockItemSchema = z.strictObject({
  pk: z.string(),
  kind: z.literal('lock'),
  lockKey: z.string(),
  service: z.string(),
  environment: z.string(),
  /** Mode of the last write (the configuration's, at that time). */
  mode: z.enum(LOCK_MODES),
  holder: lockHolderSchema.nullable(),
  /** Arrival order; SUPERSEDED mode keeps at most one. */
  waiters: z.array(lockWaiterSchema),
  /** Grows by one with every write; each write is conditional on the version it read. */
  version: z.number().int().min(1),
  /** ISO 8601. */
  updatedAt: z.string(),
  /** TTL (epoch seconds): a day after the last lease or waiter could matter. */
  expiresAt: z.number(),
});
export type LockItem = z.infer<typeof lockItemSchema>;

/** How one execution's use of a lock ended. */
export const LOCK_OUTCOMES = [
  /** It held the lock and released it. */
  'released',
  /** It waited and released (left the line) before its turn. */
  'left-queue',
  /** A newer push replaced it while it waited (SUPERSEDED mode). */
  'superseded',
  /** Its lease expired and another run took the lock over. */
  'lease-expired',
  /** It stopped checking its place in line for {@link WAITER_STALE_SECONDS} and was dropped. */
  'dropped-stale',
  /** It ended (aborted, timed out, failed) holding or waiting, and the watchdog released it. */
  'released-by-watchdog',
] as const;
export type LockOutcome = (typeof LOCK_OUTCOMES)[number];

/** The record of how one execution's use of a lock ended: `pk = exec#<execution ARN>`. */
export const lockRecordSchema = z.strictObject({
  pk: z.string(),
  kind: z.literal('record'),
  executionArn: z.string(),
  lockKey: z.string(),
  outcome: z.enum(LOCK_OUTCOMES),
  /** ISO 8601. */
  at: z.string(),
  /** `superseded`: the push that replaced it. */
  supersededBy: z.strictObject({ executionArn: z.string(), commit: z.string() }).optional(),
  /** `lease-expired`: the run that took the lock over. */
  takenOverBy: z.strictObject({ executionArn: z.string(), commit: z.string() }).optional(),
  /** `released-by-watchdog`: the execution's final status, and whether it held or waited. */
  watchdog: z.strictObject({ status: z.string(), held: z.boolean() }).optional(),
  /** `released-by-watchdog`: set once the one notification is claimed (ISO 8601). */
  notifiedAt: z.string().optional(),
  expiresAt: z.number(),
});
export type LockRecord = z.infer<typeof lockRecordSchema>;

// ---------------------------------------------------------------------------------------------
// Lock handler (lambdas/deploy-lock): input and output
// ---------------------------------------------------------------------------------------------

const target = {
  service: z.string().min(1),
  environment: z.string().min(1),
  /** `$$.Execution.Id`. */
  executionArn: executionArnSchema,
};

/** `AcquireLock`, called again by the state's `Retry` on `LockBusy` until it returns. */
export const acquireLockInputSchema = z.strictObject({
  action: z.literal('acquire'),
  ...target,
  /** `$.source.commit`. */
  commit: commitSchema,
  /** `$$.Execution.StartTime` (ISO 8601): the lease runs from here. Unset: from the grant. */
  startedAt: z.iso.datetime({ offset: true }).optional(),
});

/** `ReleaseLock`, on every exit path. */
export const releaseLockInputSchema = z.strictObject({ action: z.literal('release'), ...target });

/** Extends the holder's lease (long stages). */
export const renewLockInputSchema = z.strictObject({
  action: z.literal('renew'),
  ...target,
  /** New lease from now, in seconds (never shortens it). @default LOCK_LEASE_SECONDS */
  extendSeconds: z
    .number()
    .int()
    .min(60)
    .max(366 * 24 * 3600)
    .optional(),
});

export const lockInputSchema = z.discriminatedUnion('action', [
  acquireLockInputSchema,
  releaseLockInputSchema,
  renewLockInputSchema,
]);
export type LockInput = z.input<typeof lockInputSchema>;
export type AcquireLockInput = z.infer<typeof acquireLockInputSchema>;
export type ReleaseLockInput = z.infer<typeof releaseLockInputSchema>;
export type RenewLockInput = z.infer<typeof renewLockInputSchema>;

/**
 * What `acquire` returns: only once the run holds the lock (while it waits, `acquire` throws
 * `LockBusy`). The fields of the waiting answer stay, fixed, so a `ResultSelector` written for it
 * still reads them.
 */
export interface AcquireLockOutput {
  readonly acquired: true;
  readonly lockKey: string;
  readonly mode: LockMode;
  /** Always 0 (the run holds the lock). */
  readonly position: 0;
  /** Always 0. */
  readonly waitSeconds: 0;
  /** The holder's fencing token: the lock's version when this run got it. */
  readonly fencingToken: number;
  /** ISO 8601 end of the lease. */
  readonly leaseExpiresAt: string;
  /** This run, as the lock records it. */
  readonly holder: { readonly executionArn: string; readonly commit: string; readonly acquiredAt: string };
  /** The environment's lock, approval and promotion settings. */
  readonly policy: DeployPolicy;
}

/** What `release` returns (a refusal is the `LockNotHeld` error instead). */
export interface ReleaseLockOutput {
  readonly lockKey: string;
  /**
   * `released`: it held the lock and gave it up; `left-queue`: it was waiting and left the line;
   * `already-released`: an earlier release (or the watchdog) did it; `superseded`: it was replaced
   * while waiting and holds nothing.
   */
  readonly outcome: 'released' | 'left-queue' | 'already-released' | 'superseded';
}

/** What `renew` returns. */
export interface RenewLockOutput {
  readonly lockKey: string;
  /** ISO 8601. */
  readonly leaseExpiresAt: string;
}

/**
 * The `Cause` of a `LockBusy` error (`ErrorName.LockBusy`), JSON of this: who holds the lock (null
 * when it is free but another run is ahead in line), this run's place in line (1 = next) and the
 * wait the lock suggests before the next attempt, in seconds (5 growing to 60; the `AcquireLock`
 * state's `Retry` decides the real wait).
 */
export interface LockBusyCause {
  readonly holder: { readonly executionArn: string; readonly commit: string } | null;
  readonly position: number;
  readonly waitSeconds: number;
}

/** The `Cause` of a `LockSuperseded` error: JSON of this. */
export interface SupersededCause {
  readonly lockKey: string;
  readonly executionArn: string;
  readonly supersededBy: { readonly executionArn: string; readonly commit: string };
  /** ISO 8601. */
  readonly at: string;
}

// ---------------------------------------------------------------------------------------------
// Watchdog (lambdas/watchdog)
// ---------------------------------------------------------------------------------------------

/** Statuses the watchdog's EventBridge rule matches. */
export const WATCHDOG_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** The one notification the watchdog publishes when it released a lock (SNS message, JSON). */
export interface LockReleasedByWatchdogMessage {
  readonly type: 'lock_released_by_watchdog';
  readonly service: string;
  readonly environment: string;
  /** Execution name. */
  readonly execution: string;
  readonly executionArn: string;
  /** `ABORTED` | `TIMED_OUT` | `FAILED`. */
  readonly status: string;
  /** true: it held the lock; false: it was waiting in line. */
  readonly held: boolean;
}

// ---------------------------------------------------------------------------------------------
// Promotion (lambdas/promote)
// ---------------------------------------------------------------------------------------------

export const imageRefSchema = z.strictObject({
  repository: z.string().min(1),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>'),
});

/**
 * The Verify branch's image output as an {@link imageRefSchema} reference, from BuildImage's
 * exported `IMAGE_URI` and `IMAGE_DIGEST`: the repository is the URI's part before `@` (a promoted
 * image lives in its source environment's repository). No image (a deferred build) reads as null.
 */
const builtImageSchema = z.looseObject({ exported: exportedVariablesSchema }).transform((built, ctx) => {
  const uri = exportedValue(built.exported, 'IMAGE_URI');
  const digest = exportedValue(built.exported, 'IMAGE_DIGEST');
  if (uri === undefined || digest === undefined) return null;
  const parsed = imageRefSchema.safeParse({ repository: uri.slice(0, uri.lastIndexOf('@')), digest });
  if (!parsed.success || !uri.endsWith(`@${digest}`)) {
    ctx.addIssue({ code: 'custom', message: `imageUri "${uri}" is not <repository>@${digest}` });
    return z.NEVER;
  }
  return parsed.data;
});

/** What the promotion handler starts from: a succeeded run in the source environment. */
export const promoteInputSchema = z.strictObject({
  /** The source run's execution input (`$$.Execution.Input`). */
  run: z.unknown(),
  /** The source run's execution (`$$.Execution.Id`). */
  executionArn: executionArnSchema,
  /**
   * The image the source run deployed, or null when it deployed none (infrastructure-only change).
   * Either a reference, or what the workflow passes: the Verify branch's image output
   * (`$.verify.image`: `{ exported: [{ Name: "IMAGE_URI", Value }, { Name: "IMAGE_DIGEST", Value }], ... }`,
   * also for a promoted image) or `{ skipped: true }`.
   */
  image: z
    .union([imageRefSchema, builtImageSchema, z.looseObject({ skipped: z.literal(true) }).transform(() => null)])
    .nullable(),
});
export type PromoteInput = z.input<typeof promoteInputSchema>;

export interface PromoteOutput {
  /** One per environment that promotes from the source; empty when none does. */
  readonly promotions: readonly {
    readonly environment: string;
    readonly name: string;
    readonly executionArn: string;
    /** `started`, or `already-exists` when that promotion was started before (same name). */
    readonly outcome: 'started' | 'already-exists';
  }[];
}

// ---------------------------------------------------------------------------------------------
// Approval (lambdas/approval)
// ---------------------------------------------------------------------------------------------

/** PlanGuard's counts (`PlanEvaluation`): Terraform's own `<n> to add, <n> to change, <n> to destroy`. */
export const planCountsSchema = z.looseObject({
  add: z.number(),
  change: z.number(),
  destroy: z.number(),
  summary: z.string(),
});

/** What `WaitForApproval` (`lambda:invoke.waitForTaskToken`) passes to the approval handler. */
export const approvalRequestSchema = z.strictObject({
  /** `$$.Task.Token`. */
  taskToken: z.string().min(1).max(2048),
  /** `$$.Execution.Id`. */
  executionArn: executionArnSchema,
  service: z.string().min(1),
  environment: z.string().min(1),
  commit: commitSchema,
  /**
   * `approval`: the environment requires it; `destructive`: PlanGuard sent a plan it would block
   * (`approveDestructive`). The workflow leaves it out: it is read from the plan
   * (`guard.summary.requiresApproval`).
   */
  reason: z.enum(['approval', 'destructive']).optional(),
  /**
   * The TerraformPlan branch's output (`$.verify.plan`): PlanGuard's counts are read from
   * `guard.summary`; a plan without a guard (no changes), `{ skipped: true }` (no infrastructure
   * change) or null means no counts.
   */
  plan: z
    .looseObject({
      guard: z
        .looseObject({
          summary: planCountsSchema.extend({
            requiresApproval: z.boolean().optional(),
            blocked: z.string().optional(),
          }),
        })
        .optional(),
    })
    .nullable(),
  /** The blocked changes when the reason is `destructive`; the workflow leaves it out (read from the plan). */
  blocked: z.string().optional(),
});

/** Why a request waits: given, or `destructive` when PlanGuard sent the plan to approval. */
export function approvalReasonOf(request: z.output<typeof approvalRequestSchema>): 'approval' | 'destructive' {
  return request.reason ?? (request.plan?.guard?.summary.requiresApproval === true ? 'destructive' : 'approval');
}
export type ApprovalRequest = z.input<typeof approvalRequestSchema>;

/** The stored approval: `pk = approval#<execution name>`. */
export const approvalItemSchema = z.strictObject({
  pk: z.string(),
  kind: z.literal('approval'),
  executionArn: z.string(),
  execution: z.string(),
  taskToken: z.string(),
  service: z.string(),
  environment: z.string(),
  commit: z.string(),
  reason: z.enum(['approval', 'destructive']),
  /** ISO 8601. */
  requestedAt: z.string(),
  /** ISO 8601: when `WaitForApproval` times out. */
  expiresAtIso: z.string(),
  expiresAt: z.number(),
});
export type ApprovalItem = z.infer<typeof approvalItemSchema>;

/** The notification the approval handler publishes (SNS message, JSON) and returns. */
export interface ApprovalRequestedMessage {
  readonly type: 'approval_requested';
  readonly service: string;
  readonly environment: string;
  readonly execution: string;
  readonly executionArn: string;
  readonly commit: string;
  readonly reason: 'approval' | 'destructive';
  /** Terraform's `<n> to add, <n> to change, <n> to destroy`, or null without a plan. */
  readonly planSummary: string | null;
  /** PlanGuard's counts, or null without a plan. */
  readonly plan: { readonly add: number; readonly change: number; readonly destroy: number } | null;
  readonly blocked: string | null;
  readonly approveCommand: string;
  readonly rejectCommand: string;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** `SendTaskSuccess` output of an approval: `WaitForApproval`'s result. */
export interface ApprovalDecision {
  readonly approved: true;
  /** Who approved (the caller's IAM principal ARN). */
  readonly by: string;
  /** ISO 8601. */
  readonly at: string;
  readonly comment: string | null;
}

/** `SendTaskFailure` cause (JSON) of a rejection; the error is `ApprovalRejected`. */
export interface ApprovalRejection {
  readonly rejectedBy: string;
  /** ISO 8601. */
  readonly at: string;
  readonly reason: string | null;
}
