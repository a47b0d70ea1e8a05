import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_STACK_NAME, type InstallationOptions } from './installation';

// CloudFormation stack names: "must start with an alphabetic character and can't be longer than
// 128 characters", letters, digits and hyphens (CreateStack API reference, StackName).
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function stackName(value: string): string {
  if (!STACK_NAME.test(value)) {
    throw new InvalidArgumentError(`"${value}" is not a CloudFormation stack name (letters, digits, hyphens)`);
  }
  return value;
}

function region(value: string): string {
  if (!REGION.test(value)) throw new InvalidArgumentError(`"${value}" is not an AWS Region name (e.g. eu-west-1)`);
  return value;
}

/** The options every command that talks to the installation takes. */
export function addInstallationOptions(command: Command): Command {
  return command
    .option('--stack <name>', `the pipeline's CloudFormation stack (default: ${DEFAULT_STACK_NAME})`, stackName)
    .option('--profile <name>', 'AWS profile (default: the standard chain, e.g. AWS_PROFILE)')
    .option('--region <region>', "AWS Region (default: AWS_REGION or the profile's region)", region)
    .addOption(
      new Option('--state-machine-arn <arn>', 'use this state machine instead of the stack output (advanced, tests)'),
    );
}

/** The installation options out of a command's parsed options. */
export function installationOptions(options: InstallationOptions): InstallationOptions {
  return {
    stack: options.stack,
    profile: options.profile,
    region: options.region,
    stateMachineArn: options.stateMachineArn,
  };
}
