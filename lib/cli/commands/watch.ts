import { type Command, InvalidArgumentError } from 'commander';
import { resolveExecutionArn } from '../execution-ref';
import { type InstallationOptions, withSessionFor } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { addRunFilterOptions, type RunFilterOptions } from '../run-filter-options';
import { watchRunToEnd } from '../watch-run';

interface WatchCommandOptions extends InstallationOptions, RunFilterOptions {
  interval: number;
  json?: boolean;
  utc?: boolean;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 0.1 || n > 3600) {
    throw new InvalidArgumentError(`--interval must be seconds from 0.1 to 3600, got "${value}"`);
  }
  return n;
}

/**
 * `deployctl watch <execution|latest>`: follows a run until it ends. Exit 0 when it succeeded,
 * 1 when it failed, timed out or was aborted, 2 for an unknown execution or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('watch')
    .description('Follow a run live until it ends; exit 1 if it failed, timed out or was aborted')
    .argument('<execution>', 'execution name, execution ARN, or "latest"');
  addRunFilterOptions(command, 'with "latest", pick among');
  command
    .option('--interval <seconds>', 'seconds between refreshes', seconds, 5)
    .option('--json', 'print one JSON line per stage change, then the final status document')
    .option('--utc', 'show times in UTC instead of your time zone');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
On a terminal the status is redrawn in place; on a pipe or file each stage change is one line.

Examples:
  $ deployctl watch latest --service orders-api --env prod
  $ deployctl watch orders-api-prod-1a2b3c4-5d6e7f809a1b --interval 10
  $ deployctl run --service orders-api --env dev --commit <sha> && deployctl watch latest --service orders-api --env dev`,
  );
  command.action(async (ref: string, options: WatchCommandOptions) => {
    await withSessionFor(ref, installationOptions(options), async (session) => {
      const arn = await resolveExecutionArn(ref, session.sfn, session.stateMachineArn, {
        service: options.service,
        environment: options.env,
      });
      return watchRunToEnd(session.sfn, arn, options);
    });
  });
}
