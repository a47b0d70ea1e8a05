import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { logger } from '../shared/logger';
import type { PlanEvaluation } from './evaluate-plan';
import { handlePlanGuard, type PlanGuardDeps } from './handle-plan-guard';

export type { PlanGuardEvent } from './handle-plan-guard';

const s3 = new S3Client({});
const protectedTypesSetting = process.env.PROTECTED_RESOURCE_TYPES;

async function readObject(bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToByteArray()) ?? new Uint8Array(0);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket') return undefined;
    throw error;
  }
}

const deps: PlanGuardDeps = { readObject, protectedTypesSetting, logger };

/** PlanGuard task: judges the run's saved plan (see `handlePlanGuard`). */
export async function handler(event: unknown): Promise<PlanEvaluation> {
  return handlePlanGuard(event, deps);
}
