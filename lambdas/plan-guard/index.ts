import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { logger } from '../shared/logger';
import { PlanUnreadable } from './errors';
import { evaluatePlan, type PlanEvaluation } from './evaluate-plan';
import { parsePlan } from './parse-plan';
import { resolveProtectedTypes } from './protected-types';

const s3 = new S3Client({});

const eventSchema = z.object({
  bucket: z.string().min(1),
  planJsonKey: z.string().min(1),
  destructiveApproved: z.boolean().optional(),
  protectedTypes: z.array(z.string()).optional(),
});

export type PlanGuardEvent = z.input<typeof eventSchema>;

async function readPlanText(bucket: string, key: string): Promise<string> {
  const source = `s3://${bucket}/${key}`;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await object.Body?.transformToString('utf-8');
    if (text === undefined || text.trim() === '') throw new PlanUnreadable(`Plan JSON at ${source} is empty`);
    return text;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket') {
      throw new PlanUnreadable(`Plan JSON not found at ${source}: did the TerraformPlan build upload it?`);
    }
    throw error;
  }
}

/**
 * Runs after TerraformPlan: reads the uploaded `terraform show -json` output, returns its counts,
 * and fails with DestructiveChangeBlocked when it would delete or replace a protected resource.
 */
export async function handler(event: unknown): Promise<PlanEvaluation> {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new TypeError(`Invalid PlanGuard event: ${issues}`);
  }
  const { bucket, planJsonKey, destructiveApproved, protectedTypes } = parsed.data;
  const plan = parsePlan(await readPlanText(bucket, planJsonKey), `s3://${bucket}/${planJsonKey}`);
  const types = resolveProtectedTypes(process.env.PROTECTED_RESOURCE_TYPES, protectedTypes);
  try {
    const result = evaluatePlan(plan, { protectedTypes: types, destructiveApproved });
    // Counts and addresses only: plan JSON can hold sensitive values and is never logged.
    logger.info('Plan evaluated', {
      summary: result.summary,
      replace: result.replace,
      approvedDestructive: result.protectedChanges,
    });
    return result;
  } catch (error) {
    logger.warn('Plan blocked', { error: (error as Error).message });
    throw error;
  }
}
