import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { TokenStore } from '../shared/scan/token-store';
import { tokenTtlSeconds } from '../shared/scan/token-ttl';
import { handleRegistration, type RegistrationResult } from './handle-registration';

const ecr = new ECRClient({});
const sfn = new SFNClient({});
const store = new TokenStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), requiredEnv('SCAN_TOKENS_TABLE'));
const ttl = tokenTtlSeconds(process.env.SCAN_TOKEN_TTL_SECONDS);

/**
 * `WaitForScan` registration: stores the task token for the image and answers at once when the scan
 * is already final. Input, output and errors: see `handleRegistration`.
 * Environment: `SCAN_TOKENS_TABLE` (required), `SCAN_TOKEN_TTL_SECONDS` (default 2 days).
 */
export async function handler(event: unknown): Promise<RegistrationResult> {
  return handleRegistration(event, {
    store,
    sfn,
    ecr,
    ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
    tokenTtlSeconds: ttl,
    now: () => new Date(),
    logger,
  });
}
