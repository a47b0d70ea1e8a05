import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { STATE_MACHINE_ARN, stateMachineOfExecution } from './arns';
import { type AwsTarget, createCloudFormationClient, createSfnClient } from './aws-clients';
import { UsageError } from './cli-errors';
import { type CachedInstallation, cacheKey, InstallationCache } from './installation-cache';

/** The stack name `bin/app.ts` deploys when no `-c stackName=...` is given. */
export const DEFAULT_STACK_NAME = 'DeployPipeline';

/** The stack outputs discovery reads (`lib/pipeline-stack.ts`). */
export const STACK_OUTPUTS = {
  stateMachineArn: 'StateMachineArn',
  topicArn: 'PipelineEventsTopicArn',
  lockTableName: 'DeployLockTableName',
} as const;

export interface InstallationOptions extends AwsTarget {
  /** @default {@link DEFAULT_STACK_NAME} */
  readonly stack?: string;
  /** Skip discovery and use this state machine (tests, or an installation without stack access). */
  readonly stateMachineArn?: string;
  /** The deploy lock table (`DeployLockTableName` output); with `stateMachineArn`, no discovery at all. */
  readonly lockTable?: string;
}

/** One installation of the pipeline, and a Step Functions client in its Region. */
export interface Session {
  readonly stackName: string | null;
  readonly region: string;
  readonly stateMachineArn: string;
  readonly topicArn: string | null;
  /** The deploy lock table's name; null when unknown (an override without `lockTable`, an older stack). */
  readonly lockTableName: string | null;
  /** Where the ARNs came from. */
  readonly source: 'override' | 'cache' | 'stack';
  readonly sfn: SFNClient;
}

export interface DiscoveryDeps {
  readonly cache?: InstallationCache;
  readonly cloudFormation?: (target: AwsTarget) => CloudFormationClient;
  readonly sfn?: (target: AwsTarget) => SFNClient;
  readonly env?: NodeJS.ProcessEnv;
}

async function describeStack(cfn: CloudFormationClient, stackName: string, where: string): Promise<CachedInstallation> {
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const answer = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = answer.Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    // CloudFormation answers an unknown stack with ValidationError "Stack with id X does not exist".
    if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message)) {
      throw new UsageError(
        `no stack "${stackName}" in ${where}: deploy it with "npx cdk deploy", or pass --stack, --region or --profile`,
      );
    }
    throw err;
  }
  const output = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue ?? null;
  const stateMachineArn = output(STACK_OUTPUTS.stateMachineArn);
  if (stateMachineArn === null) {
    throw new UsageError(
      `stack "${stackName}" in ${where} has no ${STACK_OUTPUTS.stateMachineArn} output: is it the deploy pipeline's stack?`,
    );
  }
  const region = STATE_MACHINE_ARN.exec(stateMachineArn)?.[1];
  if (region === undefined) {
    throw new UsageError(`stack "${stackName}" output ${STACK_OUTPUTS.stateMachineArn} is not a state machine ARN`);
  }
  return {
    stackName,
    region,
    stateMachineArn,
    topicArn: output(STACK_OUTPUTS.topicArn),
    lockTableName: output(STACK_OUTPUTS.lockTableName),
    resolvedAt: new Date().toISOString(),
  };
}

/**
 * Finds the installation: the state machine and topic ARNs from the stack's outputs
 * (`DescribeStacks`), cached per profile, Region and stack; or the `--state-machine-arn` override.
 * Credentials and Region come from the standard AWS chain (narrowed by `--profile`/`--region`).
 *
 * @throws UsageError for an unknown stack or one without the outputs; AWS SDK errors (no
 *   credentials, no Region) as they are, for `errorLine` to word.
 */
export async function discover(
  options: InstallationOptions,
  deps: DiscoveryDeps = {},
  { refresh = false } = {},
): Promise<Session> {
  const target: AwsTarget = { profile: options.profile, region: options.region };
  const makeSfn = deps.sfn ?? createSfnClient;
  if (options.stateMachineArn !== undefined) {
    const region = STATE_MACHINE_ARN.exec(options.stateMachineArn)?.[1];
    if (region === undefined) {
      throw new UsageError(
        `--state-machine-arn must be arn:<partition>:states:<region>:<account>:stateMachine:<name>, got "${options.stateMachineArn}"`,
      );
    }
    return {
      stackName: null,
      region,
      stateMachineArn: options.stateMachineArn,
      topicArn: null,
      lockTableName: options.lockTable ?? null,
      source: 'override',
      sfn: makeSfn({ ...target, region }),
    };
  }
  const stackName = options.stack ?? DEFAULT_STACK_NAME;
  const cfn = (deps.cloudFormation ?? createCloudFormationClient)(target);
  // Resolving the Region first gives the cache its key and fails early, in words, without one.
  const region = await cfn.config.region();
  const profile = options.profile ?? (deps.env ?? process.env).AWS_PROFILE ?? 'default';
  const cache = deps.cache ?? new InstallationCache();
  const key = cacheKey(profile, region, stackName);
  let found = refresh ? undefined : cache.get(key);
  const source = found === undefined ? 'stack' : 'cache';
  if (found === undefined) {
    found = await describeStack(cfn, stackName, `${region} (profile ${profile})`);
    cache.set(key, found);
  }
  return {
    stackName,
    region: found.region,
    stateMachineArn: found.stateMachineArn,
    topicArn: found.topicArn,
    lockTableName: found.lockTableName ?? null,
    source,
    sfn: makeSfn({ ...target, region: found.region }),
  };
}

/**
 * Runs `fn` with the installation. When a cached state machine no longer exists (the stack was
 * replaced), the outputs are read again once and `fn` runs again: `StateMachineDoesNotExist` is
 * raised before Step Functions does anything, so a repeated `fn` never acts twice.
 */
export async function withSession<T>(
  options: InstallationOptions,
  fn: (session: Session) => Promise<T>,
  deps: DiscoveryDeps = {},
): Promise<T> {
  const session = await discover(options, deps);
  try {
    return await fn(session);
  } catch (err) {
    if (session.source !== 'cache' || (err as Error).name !== 'StateMachineDoesNotExist') throw err;
    return fn(await discover(options, deps, { refresh: true }));
  }
}

/**
 * {@link withSession} for a command about one execution: an execution ARN names its state machine
 * and Region, so no discovery is needed (and none of `--stack`'s installation has to be reachable).
 */
export function withSessionFor<T>(
  ref: string,
  options: InstallationOptions,
  fn: (session: Session) => Promise<T>,
  deps: DiscoveryDeps = {},
): Promise<T> {
  const stateMachineArn = options.stateMachineArn ?? stateMachineOfExecution(ref);
  return withSession({ ...options, stateMachineArn }, fn, deps);
}
