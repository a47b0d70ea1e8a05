import { type Command, Option } from 'commander';
import { answerAs, answerText, checkExecutionRef, withApprovalSession } from '../approval-answer';
import type { InstallationOptions } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';

interface RejectOptions extends InstallationOptions {
  reason: string;
  json?: boolean;
}

/**
 * `deployctl reject <execution> --reason <text>`: stops a run waiting at `WaitForApproval` before it
 * changes anything (`SendTaskFailure`, error `ApprovalRejected`, cause `{ rejectedBy, at, reason }`,
 * `rejectedBy` = the caller's IAM ARN). The run releases the lock and ends failed with
 * `ApprovalRejected`. Exit 0 rejected, 1 nothing waits, 2 bad arguments, unknown execution or no
 * installation.
 */
export function register(program: Command): void {
  const command = program
    .command('reject')
    .description('Stop a run waiting for approval (WaitForApproval) before it changes anything')
    .argument('<execution>', 'execution name or execution ARN (from the approval notification)')
    .requiredOption(
      '--reason <text>',
      'why (1-1024 characters), shown in the run and its notification',
      answerText('--reason'),
    )
    .option('--json', 'print { execution, executionArn, approved, by, reason, ... } as JSON')
    .addOption(
      new Option('--lock-table <name>', 'the deploy lock table (default: the stack output DeployLockTableName)'),
    );
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
The rejection is recorded as your IAM identity (STS GetCallerIdentity). You need
states:SendTaskFailure on the pipeline and GetItem/PutItem/DeleteItem on the lock table.

Examples:
  $ deployctl reject orders-api-prod-1a2b3c4-5d6e7f809a1b --reason "not during the freeze"`,
  );
  command.action(async (ref: string, options: RejectOptions) => {
    checkExecutionRef(ref);
    const target = { ...installationOptions(options), lockTable: options.lockTable };
    await withApprovalSession(ref, target, async (deps) => {
      const { pending, by } = await answerAs(
        deps.executionArn,
        (who) => ({ approve: false, by: who, reason: options.reason }),
        deps,
      );
      if (options.json) {
        const out = {
          execution: pending.execution,
          executionArn: pending.executionArn,
          service: pending.service,
          environment: pending.environment,
          commit: pending.commit,
          approved: false,
          by,
          reason: options.reason,
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const lines = [
        `Rejected ${pending.execution}`,
        `  ${pending.service} → ${pending.environment}  commit ${pending.commit.slice(0, 7)}, rejected by ${by}`,
        `  The run releases the lock and ends ApprovalRejected: deployctl status ${pending.execution}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  });
}
