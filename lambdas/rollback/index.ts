import type { RollbackDecision } from '../../lib/contracts/rollback';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { handleRollback } from './handle-rollback';

/**
 * `Rollback` task: decides what undoes a failed run (see `handleRollback`). Its input is
 * `{ "state.$": "$" }`; the workflow starts the build the decision names. Environment:
 * `EMBEDDED_PIPELINE_CONFIG` (bundled). It calls no AWS API.
 */
export async function handler(event: unknown): Promise<RollbackDecision> {
  return handleRollback(event, { config: embeddedConfig(), logger });
}
