import { Readable } from 'node:stream';
import { gateEventSchema } from '../../lambdas/coverage-gate/gate-event';
import { runGate } from '../../lambdas/coverage-gate/run-gate';
import { handleLock } from '../../lambdas/deploy-lock/handle-lock';
import { buildPipelineEvent } from '../../lambdas/notify/build-pipeline-event';
import type { NotifyResult } from '../../lambdas/notify/handle-notify';
import { parseNotifyRequest } from '../../lambdas/notify/notify-request';
import { type StateVisit, timingsFromVisits } from '../../lambdas/notify/stage-timeline';
import { handlePlanGuard } from '../../lambdas/plan-guard/handle-plan-guard';
import type { LockTable } from '../../lambdas/shared/deploy-lock/lock-table';
import type { DeployPolicy } from '../contracts/deploy-lock';
import type { PipelineConfig } from '../contracts/pipeline-config';
import type { PipelineEvent } from '../contracts/pipeline-event';
import { LOCAL_RELEASE_LAMBDAS } from './release-tasks';
import { LOCAL_SCAN_LAMBDAS } from './scan-tasks';
import type { ArtifactStore } from './stage-driver';
import { StageLogger } from './stage-logger';

/** The deploy lock of a local run: the table and the settings the lock function reads. */
export interface LocalDeployLock {
  /** In AWS the DynamoDB table; locally a `MemoryLockTable` (or a `LockStore` on DynamoDB in moto). */
  readonly table: LockTable;
  /** Each environment's lock mode and approval settings (`deployPolicyOf` on the configuration). */
  policyOf(service: string, environment: string): DeployPolicy | undefined;
  /** `LOCK_LEASE_SECONDS`. */
  readonly leaseSeconds: number;
}

/** What a Lambda task gets when the local runner invokes its logic. */
export interface LocalLambdaContext {
  /**
   * The scenario's wishes for this task (`LocalScenario.stages[<state name>]`), for what a local run
   * cannot ask of AWS or a person: e.g. `{ answer: 'reject' }` for WaitForApproval.
   */
  readonly wishes: Readonly<Record<string, unknown>>;
  /** The configuration the functions embed (`EMBEDDED_PIPELINE_CONFIG`). */
  readonly config: PipelineConfig;
  readonly artifacts: ArtifactStore;
  readonly lock: LocalDeployLock;
  /** One line of the function's log (shown under the stage). */
  log(line: string): void;
  /** The clock the function reads. */
  now(): Date;
  /**
   * The run's state visits so far, as the runner recorded them from the engine's history events
   * (what the notify function reads from `GetExecutionHistory` in AWS). Times in epoch milliseconds.
   */
  visits(): Promise<readonly StateVisit[]>;
  /**
   * Keeps a pipeline event as the run's notification (there is no SNS topic here); returns the
   * message id that stands for the publish.
   */
  capture(event: PipelineEvent): string;
}

/** A pipeline function run in-process: its own logic with local dependencies instead of AWS clients. */
export interface LocalLambda {
  /** The module whose logic runs, for the timeline's reason column. */
  readonly source: string;
  /** Why the stage counts as real, when that is more than `<source> on <artifact store>`. */
  readonly reason?: string;
  /** Returns the function's result (the task's `Payload`) or throws its typed error. */
  invoke(payload: unknown, ctx: LocalLambdaContext): Promise<unknown>;
}

/** The object's bytes from the run's store; another bucket is treated as missing, as S3 would (NoSuchBucket). */
async function readFromStore(ctx: LocalLambdaContext, bucket: string, key: string): Promise<Uint8Array | undefined> {
  return bucket === ctx.artifacts.bucket ? ctx.artifacts.get(key) : undefined;
}

/**
 * The notify function (`lambdas/notify/handle-notify.ts`) as the local runner runs it: the payload
 * parsed and the one event built by the function's own code, with the stage timeline from the
 * runner's state visits instead of the execution history, and captured instead of published.
 *
 * @throws `InvalidNotifyRequest` for a payload that is not a notify request (as the function does)
 */
const notify: LocalLambda = {
  source: 'lambdas/notify/build-pipeline-event.ts',
  reason: 'real event built by lambdas/notify/build-pipeline-event.ts, not published (no SNS topic locally)',
  async invoke(payload, ctx): Promise<NotifyResult> {
    const request = parseNotifyRequest(payload);
    const stages = timingsFromVisits(await ctx.visits());
    const event = buildPipelineEvent(request, { now: ctx.now(), stages });
    const messageId = ctx.capture(event);
    ctx.log(`INFO pipeline event built id=${JSON.stringify(event.id)} type=${JSON.stringify(event.type)}`);
    return { id: event.id, type: event.type, messageId };
  },
};

/**
 * The deploy lock function (`lambdas/deploy-lock`) as the local runner runs it: the real
 * `handleLock` on the run's lock table, its typed errors (`LockSuperseded`, `LockNotHeld`, ...)
 * thrown to the state's `Catch` as in AWS.
 */
const deployLock: LocalLambda = {
  source: 'lambdas/deploy-lock/handle-lock.ts',
  reason: 'real lock logic (lambdas/deploy-lock/handle-lock.ts) on a local lock table, not DynamoDB',
  async invoke(payload, ctx) {
    return handleLock(payload, {
      store: ctx.lock.table,
      policyOf: (service, environment) => ctx.lock.policyOf(service, environment),
      leaseSeconds: ctx.lock.leaseSeconds,
      now: () => ctx.now(),
      logger: StageLogger.to((line) => ctx.log(line), 'deploy-lock'),
    });
  },
};

/**
 * The Lambda tasks of the workflow by state name, each running the function's own logic
 * (`runGate`, `handlePlanGuard`, the notify function's event builder) on the run's artifact store.
 */
export const LOCAL_LAMBDAS: Readonly<Record<string, LocalLambda>> = {
  CoverageGate: {
    source: 'lambdas/coverage-gate/run-gate.ts',
    async invoke(payload, ctx) {
      // As lambdas/coverage-gate/index.ts: parse the event, then the logic (no CodeBuild cross-check here).
      const parsed = gateEventSchema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `Invalid CoverageGate input: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
        );
      }
      return runGate(parsed.data, {
        async openObject(bucket, key) {
          const bytes = await readFromStore(ctx, bucket, key);
          return bytes === undefined ? undefined : Readable.from([Buffer.from(bytes)]);
        },
        log: {
          info: (message, extra) => ctx.log(`INFO ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
          warn: (message, extra) => ctx.log(`WARN ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
        },
      });
    },
  },
  PlanGuard: {
    source: 'lambdas/plan-guard/handle-plan-guard.ts',
    async invoke(payload, ctx) {
      return handlePlanGuard(payload, {
        readObject: (bucket, key) => readFromStore(ctx, bucket, key),
        // The function's PROTECTED_RESOURCE_TYPES is unset by default: the contract's defaults apply.
        protectedTypesSetting: undefined,
        logger: StageLogger.to((line) => ctx.log(line), 'plan-guard'),
      });
    },
  },
  AcquireLock: deployLock,
  ReleaseLock: deployLock,
  NotifyStarted: notify,
  NotifySucceeded: notify,
  NotifyFailed: notify,
  NotifySuperseded: notify,
  ...LOCAL_SCAN_LAMBDAS,
  ...LOCAL_RELEASE_LAMBDAS,
};
