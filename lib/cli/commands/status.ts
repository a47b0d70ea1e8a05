import type { Command } from 'commander';
import { resolveExecutionArn } from '../execution-ref';
import { type InstallationOptions, withSessionFor } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { loadStatus } from '../load-status';
import { painterFor } from '../output-style';
import { renderStatus } from '../render-status';
import { addRunFilterOptions, type RunFilterOptions } from '../run-filter-options';

interface StatusOptions extends InstallationOptions, RunFilterOptions {
  json?: boolean;
  utc?: boolean;
}

/**
 * `deployctl status <execution|latest>`: one run's stage timeline. Exit 0 when it could be read
 * (whatever the run's outcome: `watch` is the command that waits and judges), 2 for an unknown
 * execution or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('status')
    .description("Show one run's stage timeline: status, start, duration, error and cause of each stage")
    .argument('<execution>', 'execution name, execution ARN, or "latest"');
  addRunFilterOptions(command, 'with "latest", pick among');
  command
    .option('--json', 'print the status document as JSON (see docs/deployctl.md)')
    .option('--utc', 'show times in UTC instead of your time zone');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ deployctl status latest
  $ deployctl status latest --service orders-api --env prod
  $ deployctl status orders-api-prod-1a2b3c4-5d6e7f809a1b --json`,
  );
  command.action(async (ref: string, options: StatusOptions) => {
    const doc = await withSessionFor(ref, installationOptions(options), async (session) => {
      const arn = await resolveExecutionArn(ref, session.sfn, session.stateMachineArn, {
        service: options.service,
        environment: options.env,
      });
      return loadStatus(session.sfn, arn);
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderStatus(doc, painterFor(), { utc: options.utc })}\n`);
    }
  });
}
