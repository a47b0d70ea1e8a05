import { EXECUTION_ARN } from './arns';

/** Console host of each AWS partition. */
const CONSOLE_HOSTS: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/**
 * The execution's page in the Step Functions console, or null for a partition without a known
 * console. Not a documented URL format: it is the page the console itself opens for an execution.
 */
export function executionConsoleUrl(executionArn: string): string | null {
  const match = EXECUTION_ARN.exec(executionArn);
  const host = match === null ? undefined : CONSOLE_HOSTS[match[1] as string];
  if (match === null || host === undefined) return null;
  const region = match[2] as string;
  return `https://${region}.${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
