import { Command } from 'commander';
import { register as registerApprove } from './commands/approve';
import { register as registerCoverage } from './commands/coverage';
import { register as registerHistory } from './commands/history';
import { register as registerLocal } from './commands/local';
import { register as registerPlanCheck } from './commands/plan-check';
import { register as registerRedrive } from './commands/redrive';
import { register as registerReject } from './commands/reject';
import { register as registerRollback } from './commands/rollback';
import { register as registerRun } from './commands/run';
import { register as registerScanCheck } from './commands/scan-check';
import { register as registerStatus } from './commands/status';
import { register as registerWatch } from './commands/watch';

/**
 * The `deployctl` command tree. Each command lives in its own file under `lib/cli/commands/` and
 * exports a `register(program)` function added here, in the order help lists them.
 */
export function buildProgram(): Command {
  const program = new Command('deployctl')
    .description(
      'Operate the push-to-EKS deploy pipeline: follow, start and redrive runs, approve or reject them, roll back, run its gates on local files, and run the whole pipeline on this machine.',
    )
    // Parse errors are one line like every other error ("deployctl: ..."); help stays a --help away.
    .configureOutput({ outputError: (text, write) => write(`deployctl: ${text.replace(/^error: /, '')}`) })
    .exitOverride();
  registerHistory(program);
  registerStatus(program);
  registerWatch(program);
  registerRun(program);
  registerRedrive(program);
  registerApprove(program);
  registerReject(program);
  registerRollback(program);
  registerCoverage(program);
  registerPlanCheck(program);
  registerScanCheck(program);
  registerLocal(program);
  program.addHelpText(
    'after',
    `
The installation is found from the stack's outputs (--stack, default DeployPipeline) with the
standard AWS credentials and Region (AWS_PROFILE, AWS_REGION, or --profile and --region).

Exit codes: 0 done, 1 the answer is no (a gate blocked, a run failed, a redrive was refused,
nothing waits for approval),
2 nothing could be done (bad arguments, unreadable input, no credentials, unknown execution).

Examples:
  $ deployctl history --service orders-api --env prod
  $ deployctl status latest --service orders-api --env prod
  $ deployctl watch orders-api-prod-1a2b3c4-5d6e7f809a1b
  $ deployctl run --service orders-api --env dev --commit 1a2b3c4d5e6f
  $ deployctl redrive orders-api-prod-1a2b3c4-5d6e7f809a1b
  $ deployctl approve orders-api-prod-1a2b3c4-5d6e7f809a1b --comment "CHG-1234"
  $ deployctl reject orders-api-prod-1a2b3c4-5d6e7f809a1b --reason "not during the freeze"
  $ deployctl rollback --service orders-api --env prod --reason "errors since 14:02"
  $ deployctl coverage coverage/cobertura-coverage.xml --threshold 80
  $ deployctl plan-check plan.json --env prod
  $ deployctl scan-check findings.json
  $ deployctl local --scenario deploy-fails

More: docs/deployctl.md`,
  );
  return program;
}
