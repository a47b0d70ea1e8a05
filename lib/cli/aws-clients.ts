import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Where the AWS calls go: the standard AWS chain, narrowed by `--profile` and `--region` when given. */
export interface AwsTarget {
  /** A named profile of the shared config files (as `AWS_PROFILE`). @default the chain's choice */
  readonly profile?: string;
  /** @default the chain's region (`AWS_REGION`, then the profile's `region`) */
  readonly region?: string;
}

function baseConfig(target: AwsTarget): { profile?: string; region?: string } {
  // The SDK's notice about its future Node.js floor goes to stderr on the first client; a CLI
  // promises one line on stderr for a problem, and this package supports Node 20 (package.json engines).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    ...(target.region === undefined ? {} : { region: target.region }),
  };
}

/**
 * A Step Functions client with the default credential and region chain (so `AWS_PROFILE`,
 * `AWS_REGION` and `AWS_ENDPOINT_URL` work as in every AWS tool).
 */
export function createSfnClient(target: AwsTarget): SFNClient {
  return new SFNClient(baseConfig(target));
}

/** A CloudFormation client with the default chain (see {@link createSfnClient}). */
export function createCloudFormationClient(target: AwsTarget): CloudFormationClient {
  return new CloudFormationClient(baseConfig(target));
}

/** A DynamoDB document client with the default chain (see {@link createSfnClient}), as the Lambdas build theirs. */
export function createDynamoDbDocumentClient(target: AwsTarget): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(baseConfig(target)));
}

/** An STS client with the default chain (see {@link createSfnClient}). */
export function createStsClient(target: AwsTarget): STSClient {
  return new STSClient(baseConfig(target));
}
