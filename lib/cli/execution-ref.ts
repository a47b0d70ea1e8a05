import { DescribeExecutionCommand, type DescribeExecutionOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { executionArnOf } from '../../lambdas/shared/push-event/start-executions';
import { EXECUTION_ARN } from './arns';
import { UsageError } from './cli-errors';
import { listRuns } from './list-runs';

/** Step Functions execution names: 1 to 80 characters of `[A-Za-z0-9_-]` as this pipeline names them. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export interface ExecutionRefFilter {
  readonly service?: string;
  readonly environment?: string;
}

/**
 * The ARN an operator means by `<execution>`: an execution ARN as is, an execution name of this
 * installation's state machine, or `latest` (the newest run, of `service`/`environment` if given).
 *
 * @throws UsageError for a malformed reference, or `latest` when no run matches.
 */
export async function resolveExecutionArn(
  ref: string,
  sfn: SFNClient,
  stateMachineArn: string,
  filter: ExecutionRefFilter,
): Promise<string> {
  if (ref.startsWith('arn:')) {
    if (!EXECUTION_ARN.test(ref)) {
      throw new UsageError(
        `"${ref}" is not an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>)`,
      );
    }
    return ref;
  }
  if (ref === 'latest') {
    const { runs } = await listRuns(sfn, stateMachineArn, { ...filter, limit: 1 });
    const run = runs[0];
    if (run === undefined) {
      const scope = [
        filter.service && `service ${filter.service}`,
        filter.environment && `environment ${filter.environment}`,
      ]
        .filter((s) => s)
        .join(', ');
      throw new UsageError(`no runs${scope === '' ? '' : ` of ${scope}`} in ${stateMachineArn}`);
    }
    return run.executionArn;
  }
  if (!EXECUTION_NAME.test(ref)) {
    throw new UsageError(
      `"${ref}" is neither "latest", an execution name (1-80 of A-Z a-z 0-9 _ -) nor an execution ARN`,
    );
  }
  return executionArnOf(stateMachineArn, ref);
}

/**
 * `DescribeExecution`, with an unknown execution as a UsageError that names it.
 */
export async function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionOutput> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') {
      const name = executionArn.split(':').at(-1);
      throw new UsageError(`no execution "${name}" (${executionArn}): list recent runs with "deployctl history"`);
    }
    throw err;
  }
}
