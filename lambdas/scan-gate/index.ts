import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { TokenStore } from '../shared/scan/token-store';
import { handleScanEvent, type ScanEventResult } from './handle-scan-event';

const ecr = new ECRClient({});
const sfn = new SFNClient({});
const store = new TokenStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), requiredEnv('SCAN_TOKENS_TABLE'));

/**
 * Target of the EventBridge rules `{ "source": ["aws.ecr"], "detail-type": ["ECR Image Scan"] }` and
 * `{ "source": ["aws.inspector2"], "detail-type": ["Inspector2 Scan"] }`: settles the deploys waiting
 * for the scanned image. See `handleScanEvent`. Environment: `SCAN_TOKENS_TABLE` (required).
 */
export async function handler(event: unknown): Promise<ScanEventResult> {
  return handleScanEvent(event, {
    store,
    sfn,
    ecr,
    ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
    now: () => new Date(),
    logger,
  });
}
