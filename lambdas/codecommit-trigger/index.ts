import { SFNClient } from '@aws-sdk/client-sfn';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { type CodeCommitTriggerResult, handleCodeCommitEvent } from './handle-codecommit-event';

const sfn = new SFNClient({});
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');

/** EventBridge target for `CodeCommit Repository State Change`: starts the deploys of a push. */
export async function handler(event: unknown): Promise<CodeCommitTriggerResult> {
  return handleCodeCommitEvent(event, { config: embeddedConfig(), sfn, stateMachineArn, logger });
}
