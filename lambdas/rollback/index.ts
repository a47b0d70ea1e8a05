import type { RollbackDecision } from '../../lib/contracts/rollback';
import { logger } from '../shared/logger';
import { handleRollback } from './handle-rollback';

/**
 * `Rollback` task: decides what undoes a failed run (see `handleRollback`). Its input is
 * `{ "state.$": "$" }`; the workflow starts the build the decision names. It reads everything
 * from the state (no configuration) and calls no AWS API.
 */
export async function handler(event: unknown): Promise<RollbackDecision> {
  return handleRollback(event, { logger });
}
