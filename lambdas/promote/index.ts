import { SFNClient } from '@aws-sdk/client-sfn';
import type { PromoteOutput } from '../../lib/contracts/deploy-lock';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { handlePromote } from './handle-promote';

const sfn = new SFNClient({});

/**
 * `Promote`, after a run succeeded: starts the runs of the environments that promote from its
 * environment, for the same commit and image digest. See `handlePromote`.
 * It starts the state machine the source run belongs to. Environment: `EMBEDDED_PIPELINE_CONFIG` (bundled).
 */
export async function handler(event: unknown): Promise<PromoteOutput> {
  return handlePromote(event, { config: embeddedConfig(), sfn, logger });
}
