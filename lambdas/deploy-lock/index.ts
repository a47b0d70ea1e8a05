import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deployPolicyOf } from '../../lib/contracts/deploy-lock';
import { lockLeaseSeconds } from '../shared/deploy-lock/lock-settings';
import { LockStore } from '../shared/deploy-lock/lock-store';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { handleLock, type LockOutput } from './handle-lock';

const store = new LockStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), requiredEnv('DEPLOY_LOCK_TABLE'));
const leaseSeconds = lockLeaseSeconds(process.env.LOCK_LEASE_SECONDS);

/**
 * `AcquireLock` / `ReleaseLock` (and lease renewal): one lock per service and environment. Input,
 * output and errors: see `handleLock`; wiring: docs/deploy-lock.md.
 * Environment: `DEPLOY_LOCK_TABLE` (required), `LOCK_LEASE_SECONDS` (default 3 h 5 min),
 * `EMBEDDED_PIPELINE_CONFIG` (bundled: each environment's lock mode and approval settings).
 */
export async function handler(event: unknown): Promise<LockOutput> {
  return handleLock(event, {
    store,
    policyOf: (service, environment) => deployPolicyOf(embeddedConfig(), service, environment),
    leaseSeconds,
    now: () => new Date(),
    logger,
  });
}
