import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { type Command, Option } from 'commander';
import { type InstallationOptions, withSession } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { listRuns, type RunRow } from '../list-runs';
import { painterFor, paintStatus } from '../output-style';
import { addRunFilterOptions, positiveInt, type RunFilterOptions } from '../run-filter-options';
import { renderTable } from '../table';
import { formatDuration, formatInstant, isoOrNull, secondsBetween } from '../time-format';

interface HistoryOptions extends InstallationOptions, RunFilterOptions {
  limit: number;
  status?: ExecutionStatus;
  json?: boolean;
  utc?: boolean;
}

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/**
 * One run of `history --json`: these keys in this order; times ISO 8601 UTC; fields from the
 * input are null for an execution the pipeline's triggers did not start.
 */
export function historyRunJson(row: RunRow, now: Date) {
  return {
    execution: row.name,
    executionArn: row.executionArn,
    service: row.run?.service ?? null,
    environment: row.run?.environment ?? null,
    commit: row.run?.commit ?? null,
    branch: row.run?.branch ?? null,
    author: row.run?.author ?? null,
    trigger: row.run?.trigger ?? null,
    status: row.status,
    startedAt: isoOrNull(row.startedAt),
    stoppedAt: isoOrNull(row.stoppedAt),
    durationSeconds: secondsBetween(row.startedAt, row.stoppedAt, now),
  };
}

/**
 * `deployctl history`: recent runs, newest first, from execution names and inputs.
 * Exit 0 with the list (also when it is empty), 2 for bad options or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('history')
    .description('List recent runs: service, environment, commit, author, trigger, status, start, duration');
  addRunFilterOptions(command, 'list');
  command
    .option('--limit <n>', 'how many runs to show (1-1000)', positiveInt('--limit', 1000), 20)
    .addOption(new Option('--status <status>', 'only runs in this Step Functions status').choices(STATUSES))
    .option('--json', 'print { runs: [...] } as JSON (see docs/deployctl.md)')
    .option('--utc', 'show times in UTC instead of your time zone');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  $ deployctl history
  $ deployctl history --service orders-api --env prod --limit 5
  $ deployctl history --status FAILED --json`,
  );
  command.action(async (options: HistoryOptions) => {
    const now = new Date();
    const { runs, truncated } = await withSession(installationOptions(options), (session) =>
      listRuns(session.sfn, session.stateMachineArn, {
        service: options.service,
        environment: options.env,
        status: options.status,
        limit: options.limit,
      }),
    );
    if (truncated) {
      process.stderr.write(
        'deployctl: stopped after 10000 executions; narrow the search with --service, --env or --status\n',
      );
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ runs: runs.map((r) => historyRunJson(r, now)) }, null, 2)}\n`);
      return;
    }
    if (runs.length === 0) {
      process.stdout.write('No runs found.\n');
      return;
    }
    const paint = painterFor();
    const time = { utc: options.utc };
    const rows = runs.map((r) => [
      r.run?.service ?? '-',
      r.run?.environment ?? '-',
      r.run?.commit.slice(0, 7) ?? '-',
      r.run?.author || '-',
      r.run?.trigger ?? '-',
      paintStatus(paint, r.status),
      r.startedAt === null ? '-' : formatInstant(r.startedAt, time),
      formatDuration(secondsBetween(r.startedAt, r.stoppedAt, now)),
      r.name,
    ]);
    const head = [
      'service',
      'environment',
      'commit',
      'author',
      'trigger',
      'status',
      'started',
      'duration',
      'execution',
    ];
    process.stdout.write(`${renderTable(head, rows, paint)}\n`);
  });
}
