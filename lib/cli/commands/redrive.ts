import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { RefusedError } from '../cli-errors';
import { describeExecution, resolveExecutionArn } from '../execution-ref';
import { type InstallationOptions, withSessionFor } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { listRuns } from '../list-runs';
import { redriveRefusal } from '../redrive-check';
import { runInfoOf } from '../run-input';

interface RedriveOptions extends InstallationOptions {
  force?: boolean;
  json?: boolean;
}

/**
 * `deployctl redrive <execution>`: Step Functions `RedriveExecution`, which continues a failed,
 * timed-out or aborted run from the state that did not succeed, with the same input and ARN.
 * Refused, with the reason, when Step Functions would not (running, succeeded, older than 14 days,
 * not redrivable) or a newer run of the same service and environment has started since.
 * Exit 0 redriven, 1 refused, 2 unknown execution or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('redrive')
    .description('Continue a failed, timed-out or aborted run from the stage that failed (same input)')
    .argument('<execution>', 'execution name or execution ARN')
    .option('--force', 'redrive even when a newer run of the same service and environment exists')
    .option('--json', 'print { execution, executionArn, redriveDate } as JSON');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
Step Functions redrives only runs that did not succeed and ended in the last 14 days.

Examples:
  $ deployctl redrive orders-api-prod-1a2b3c4-5d6e7f809a1b
  $ deployctl redrive arn:aws:states:eu-west-1:123456789012:execution:DeployPipeline:orders-api-prod-1a2b3c4-5d6e7f809a1b`,
  );
  command.action(async (ref: string, options: RedriveOptions) => {
    if (ref === 'latest') throw new RefusedError('redrive needs the execution named: find it with "deployctl history"');
    await withSessionFor(ref, installationOptions(options), async (session) => {
      const arn = await resolveExecutionArn(ref, session.sfn, session.stateMachineArn, {});
      const execution = await describeExecution(session.sfn, arn);
      const run = runInfoOf(execution.input);
      const newest =
        run === null
          ? null
          : ((
              await listRuns(session.sfn, session.stateMachineArn, {
                service: run.service,
                environment: run.environment,
                limit: 1,
              })
            ).runs[0] ?? null);
      const newer =
        newest !== null && (newest.startedAt?.getTime() ?? 0) > (execution.startDate?.getTime() ?? 0) ? newest : null;
      const refusal = redriveRefusal(execution, new Date(), newer, options.force);
      if (refusal !== null) throw new RefusedError(refusal);
      let redriveDate: Date | undefined;
      try {
        ({ redriveDate } = await session.sfn.send(new RedriveExecutionCommand({ executionArn: arn })));
      } catch (err) {
        // Step Functions' own refusal (a condition it checks that DescribeExecution did not show).
        if ((err as Error).name === 'ExecutionNotRedrivable') throw new RefusedError((err as Error).message);
        throw err;
      }
      const name = execution.name ?? arn;
      if (options.json) {
        const out = { execution: name, executionArn: arn, redriveDate: redriveDate?.toISOString() ?? null };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(`Redriven ${name}\n  Follow it: deployctl watch ${name}\n`);
      }
    });
  });
}
