import type { Command } from 'commander';
import { costEvents, readExecutionHistory } from '../../../lambdas/shared/execution-history';
import { formatUsd, type RunCost, runCostFromHistory } from '../../contracts/pricing';
import { describeExecution, resolveExecutionArn } from '../execution-ref';
import { type InstallationOptions, withSessionFor } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { painterFor } from '../output-style';
import { renderStatus } from '../render-status';
import { addRunFilterOptions, type RunFilterOptions } from '../run-filter-options';
import { type StatusDocument, statusDocument } from '../status-document';

interface StatusOptions extends InstallationOptions, RunFilterOptions {
  json?: boolean;
  utc?: boolean;
}

/** The run's cost as `status --json` prints it: USD, at the default list prices (us-east-1). */
export interface StatusCost {
  readonly totalUsd: number;
  readonly display: string;
  /** `true` while the run is still going: the cost so far. */
  readonly soFar: boolean;
  readonly lines: RunCost['lines'];
}

/**
 * The cost line of `deployctl status`: `Cost:     $0.05 at us-east-1 list prices (...)`, "so far" while
 * the run is still going.
 */
export function costLine(cost: StatusCost): string {
  const parts = cost.lines.filter((l) => l.usd > 0 || l.kind === 'transitions').map((l) => l.item);
  return `Cost:     ${cost.display}${cost.soFar ? ' so far' : ''} at us-east-1 list prices (${parts.join('; ')})`;
}

/**
 * `deployctl status <execution|latest>`: one run's stage timeline and its cost. Exit 0 when it could be
 * read (whatever the run's outcome: `watch` is the command that waits and judges), 2 for an unknown
 * execution or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('status')
    .description("Show one run's stage timeline (status, start, duration, error and cause of each stage) and its cost")
    .argument('<execution>', 'execution name, execution ARN, or "latest"');
  addRunFilterOptions(command, 'with "latest", pick among');
  command
    .option('--json', 'print the status document as JSON (see docs/deployctl.md)')
    .option('--utc', 'show times in UTC instead of your time zone');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
The cost is the run's own: its state transitions, each build by compute type and time, the
functions' GB-seconds, at the default us-east-1 list prices (lib/contracts/pricing.ts).

Examples:
  $ deployctl status latest
  $ deployctl status latest --service orders-api --env prod
  $ deployctl status orders-api-prod-1a2b3c4-5d6e7f809a1b --json`,
  );
  command.action(async (ref: string, options: StatusOptions) => {
    const { doc, cost } = await withSessionFor(ref, installationOptions(options), async (session) => {
      const arn = await resolveExecutionArn(ref, session.sfn, session.stateMachineArn, {
        service: options.service,
        environment: options.env,
      });
      const describe = await describeExecution(session.sfn, arn);
      const history = await readExecutionHistory(session.sfn, arn, { includeExecutionData: true });
      const doc: StatusDocument = statusDocument(describe, history, new Date());
      const run = runCostFromHistory(costEvents(history));
      const cost: StatusCost = {
        totalUsd: run.total,
        display: formatUsd(run.total),
        soFar: describe.status === 'RUNNING' || describe.status === 'PENDING_REDRIVE',
        lines: run.lines,
      };
      return { doc, cost };
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...doc, cost }, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderStatus(doc, painterFor(), { utc: options.utc })}\n${costLine(cost)}\n`);
    }
  });
}
