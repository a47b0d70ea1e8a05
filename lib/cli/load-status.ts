import type { SFNClient } from '@aws-sdk/client-sfn';
import { readExecutionHistory } from '../../lambdas/shared/execution-history';
import { describeExecution } from './execution-ref';
import { type StatusDocument, statusDocument } from './status-document';

/** `DescribeExecution` and every page of `GetExecutionHistory`, as a status document. */
export async function loadStatus(
  sfn: SFNClient,
  executionArn: string,
  now = () => new Date(),
): Promise<StatusDocument> {
  const describe = await describeExecution(sfn, executionArn);
  const history = await readExecutionHistory(sfn, executionArn, { includeExecutionData: true });
  return statusDocument(describe, history, now());
}
