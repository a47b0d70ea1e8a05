import { ECRClient } from '@aws-sdk/client-ecr';
import type { ScanGateResult } from '../../lib/contracts/scan-policy';
import { logger } from '../shared/logger';
import { handlePoll } from './handle-poll';

const ecr = new ECRClient({});

/** `PollScan`: one read of the image's scan; see `handlePoll` for input, output and errors. */
export async function handler(event: unknown): Promise<ScanGateResult> {
  return handlePoll(event, {
    ecr,
    ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
    now: () => new Date(),
    logger,
  });
}
