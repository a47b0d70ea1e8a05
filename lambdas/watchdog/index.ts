import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LockReleasedByWatchdogMessage } from '../../lib/contracts/deploy-lock';
import { LockStore } from '../shared/deploy-lock/lock-store';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { handleWatchdog, type WatchdogResult } from './handle-watchdog';

const sfn = new SFNClient({});
const sns = new SNSClient({});
const store = new LockStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), requiredEnv('DEPLOY_LOCK_TABLE'));
const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');
const topicArn = requiredEnv('TOPIC_ARN');

/** SNS subjects must be less than 100 characters long (SNS API Reference, Publish: `Subject`). */
const subjectOf = (message: LockReleasedByWatchdogMessage) =>
  `[lock released] ${message.execution} (${message.status})`.slice(0, 99);

async function publish(message: LockReleasedByWatchdogMessage): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subjectOf(message),
      Message: JSON.stringify(message),
      MessageAttributes: {
        event: { DataType: 'String', StringValue: message.type },
        service: { DataType: 'String', StringValue: message.service },
        environment: { DataType: 'String', StringValue: message.environment },
      },
    }),
  );
}

/**
 * Target of the EventBridge rule `{ "source": ["aws.states"], "detail-type": ["Step Functions
 * Execution Status Change"], "detail": { "status": ["ABORTED", "TIMED_OUT", "FAILED"],
 * "stateMachineArn": [<pipeline>] } }`: releases the lock of a run that ended without releasing it and
 * publishes one notification. See `handleWatchdog`.
 * Environment: `DEPLOY_LOCK_TABLE`, `STATE_MACHINE_ARN`, `TOPIC_ARN` (all required).
 */
export async function handler(event: unknown): Promise<WatchdogResult> {
  return handleWatchdog(event, {
    store,
    stateMachineArn,
    async describeInput(executionArn) {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return out.input;
    },
    publish,
    now: () => new Date(),
    logger,
  });
}
