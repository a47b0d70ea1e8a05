import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { decodeText, TextDecodingError } from '../../lib/contracts/decode-text';
import { PlanUnreadable } from './errors';
import { evaluatePlan, type PlanEvaluation } from './evaluate-plan';
import { parsePlan } from './parse-plan';
import { resolveProtectedTypes } from './protected-types';

const eventSchema = z.object({
  bucket: z.string().min(1),
  planJsonKey: z.string().min(1),
  destructiveApproved: z.boolean().optional(),
  /** The environment's `approveDestructive` (`$.lock.policy.approval.onDestructive`). */
  approveDestructive: z.boolean().optional(),
  protectedTypes: z.array(z.string()).optional(),
});

export type PlanGuardEvent = z.input<typeof eventSchema>;

export interface PlanGuardDeps {
  /** The object's bytes, or `undefined` when it (or its bucket) does not exist. */
  readonly readObject: (bucket: string, key: string) => Promise<Uint8Array | undefined>;
  /** `PROTECTED_RESOURCE_TYPES` as the function read it at start (comma list; unset or empty = defaults). */
  readonly protectedTypesSetting: string | undefined;
  readonly logger: Logger;
}

/** The plan's text: read, decoded by the one decoding step (a byte-order mark or UTF-16 is fine). */
async function readPlanText(deps: PlanGuardDeps, bucket: string, key: string): Promise<string> {
  const source = `s3://${bucket}/${key}`;
  const bytes = await deps.readObject(bucket, key);
  if (bytes === undefined) {
    throw new PlanUnreadable(`Plan JSON not found at ${source}: did the TerraformPlan build upload it?`);
  }
  let text: string;
  try {
    text = decodeText(bytes, `Plan JSON at ${source}`);
  } catch (error) {
    if (error instanceof TextDecodingError) throw new PlanUnreadable(error.message);
    throw error;
  }
  if (text.trim() === '') throw new PlanUnreadable(`Plan JSON at ${source} is empty`);
  return text;
}

/**
 * Runs after TerraformPlan: reads the uploaded `terraform show -json` output, returns its counts, and
 * fails with `DestructiveChangeBlocked` when it would delete or replace a protected resource. Order:
 * validate the event, read and decode the plan, parse it, judge it, log counts and addresses only (plan
 * JSON can hold sensitive values and is never logged).
 *
 * @throws TypeError for an event without the fields the state machine passes (naming them).
 * @throws PlanUnreadable when the plan is missing, empty, not text in an accepted encoding, not JSON or
 *   not a plan.
 * @throws DestructiveChangeBlocked when a protected resource would be deleted or replaced unapproved
 *   and the environment does not send such plans to approval (`approveDestructive`).
 */
export async function handlePlanGuard(event: unknown, deps: PlanGuardDeps): Promise<PlanEvaluation> {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new TypeError(`Invalid PlanGuard event: ${issues}`);
  }
  const { bucket, planJsonKey, destructiveApproved, approveDestructive, protectedTypes } = parsed.data;
  const plan = parsePlan(await readPlanText(deps, bucket, planJsonKey), `s3://${bucket}/${planJsonKey}`);
  const types = resolveProtectedTypes(deps.protectedTypesSetting, protectedTypes);
  try {
    const result = evaluatePlan(plan, { protectedTypes: types, destructiveApproved, approveDestructive });
    deps.logger.info(result.requiresApproval ? 'Plan sent to approval' : 'Plan evaluated', {
      summary: result.summary,
      replace: result.replace,
      approvedDestructive: result.protectedChanges,
    });
    return result;
  } catch (error) {
    deps.logger.warn('Plan blocked', { error: (error as Error).message });
    throw error;
  }
}
