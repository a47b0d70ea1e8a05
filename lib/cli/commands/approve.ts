import { type Command, Option } from 'commander';
import { answerAs, answerText, checkExecutionRef, withApprovalSession } from '../approval-answer';
import type { InstallationOptions } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';

interface ApproveOptions extends InstallationOptions {
  comment?: string;
  json?: boolean;
}

/**
 * `deployctl approve <execution> [--comment <text>]`: lets a run waiting at `WaitForApproval` go on
 * (`SendTaskSuccess` with `{ approved: true, by, at, comment }`, `by` = the caller's IAM ARN from STS
 * `GetCallerIdentity`). The task token is read from the deploy lock table (docs/deploy-lock.md,
 * "Approval"); one answer wins. Exit 0 approved, 1 nothing waits (the message says what the run
 * is doing instead), 2 bad arguments, unknown execution or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('approve')
    .description('Let a run waiting for approval (WaitForApproval) go on to apply and deploy')
    .argument('<execution>', 'execution name or execution ARN (from the approval notification)')
    .option('--comment <text>', 'why, recorded with the approval (1-1024 characters)', answerText('--comment'))
    .option('--json', 'print { execution, executionArn, approved, by, ... } as JSON')
    .addOption(
      new Option('--lock-table <name>', 'the deploy lock table (default: the stack output DeployLockTableName)'),
    );
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
The approval is recorded as your IAM identity (STS GetCallerIdentity). You need
states:SendTaskSuccess on the pipeline and GetItem/PutItem/DeleteItem on the lock table.

Examples:
  $ deployctl approve orders-api-prod-1a2b3c4-5d6e7f809a1b
  $ deployctl approve orders-api-prod-1a2b3c4-5d6e7f809a1b --comment "change window CHG-1234"`,
  );
  command.action(async (ref: string, options: ApproveOptions) => {
    checkExecutionRef(ref);
    const target = { ...installationOptions(options), lockTable: options.lockTable };
    await withApprovalSession(ref, target, async (deps) => {
      const { pending, by } = await answerAs(
        deps.executionArn,
        (who) => ({ approve: true, by: who, ...(options.comment === undefined ? {} : { comment: options.comment }) }),
        deps,
      );
      if (options.json) {
        const out = {
          execution: pending.execution,
          executionArn: pending.executionArn,
          service: pending.service,
          environment: pending.environment,
          commit: pending.commit,
          approved: true,
          by,
          comment: options.comment ?? null,
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const lines = [
        `Approved ${pending.execution}`,
        `  ${pending.service} → ${pending.environment}  commit ${pending.commit.slice(0, 7)}, approved by ${by}`,
        `  Follow it: deployctl watch ${pending.execution}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  });
}
