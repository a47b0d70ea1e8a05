import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { handlePromoteOnSuccess, type PromoteOnSuccessResult } from './promote-on-success';

const sfn = new SFNClient({});
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');

/**
 * Target of the EventBridge rule `{ "source": ["aws.states"], "detail-type": ["Step Functions
 * Execution Status Change"], "detail": { "status": ["SUCCEEDED"], "stateMachineArn": [<pipeline>] } }`:
 * starts the runs of the environments that promote from the succeeded run's environment, for the
 * same commit and image digest. See `handlePromoteOnSuccess`. Environment: `STATE_MACHINE_ARN`,
 * `EMBEDDED_PIPELINE_CONFIG` (bundled).
 */
export async function handler(event: unknown): Promise<PromoteOnSuccessResult> {
  return handlePromoteOnSuccess(event, {
    config: embeddedConfig(),
    sfn,
    logger,
    stateMachineArn,
    async describe(executionArn) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return {
        ...(described.input === undefined ? {} : { input: described.input }),
        ...(described.output === undefined ? {} : { output: described.output }),
      };
    },
  });
}
