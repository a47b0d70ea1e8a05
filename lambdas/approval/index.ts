import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ApprovalRequestedMessage, deployPolicyOf } from '../../lib/contracts/deploy-lock';
import { LockStore } from '../shared/deploy-lock/lock-store';
import { embeddedConfig } from '../shared/embedded-config';
import { logger } from '../shared/logger';
import { requiredEnv } from '../shared/required-env';
import { handleApproval } from './handle-approval';

const sns = new SNSClient({});
const store = new LockStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), requiredEnv('DEPLOY_LOCK_TABLE'));
const topicArn = requiredEnv('TOPIC_ARN');

async function publish(message: ApprovalRequestedMessage): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      // SNS subjects must be less than 100 characters long (SNS API Reference, Publish: `Subject`).
      Subject: `[approval needed] ${message.execution}`.slice(0, 99),
      Message: JSON.stringify(message),
      MessageAttributes: {
        // `type` as every pipeline event carries it (subscriptions filter on it); `event` for older ones.
        type: { DataType: 'String', StringValue: message.type },
        event: { DataType: 'String', StringValue: message.type },
        service: { DataType: 'String', StringValue: message.service },
        environment: { DataType: 'String', StringValue: message.environment },
      },
    }),
  );
}

/**
 * `WaitForApproval` (`lambda:invoke.waitForTaskToken`): stores the task token for
 * `deployctl approve|reject` and publishes the approval request. See `handleApproval`.
 * Environment: `DEPLOY_LOCK_TABLE`, `TOPIC_ARN` (required), `EMBEDDED_PIPELINE_CONFIG` (bundled).
 */
export async function handler(event: unknown): Promise<ApprovalRequestedMessage> {
  return handleApproval(event, {
    store,
    policyOf: (service, environment) => deployPolicyOf(embeddedConfig(), service, environment),
    publish,
    now: () => new Date(),
    logger,
  });
}
