import type { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, InvalidArgumentError } from 'commander';
import { answerText, callerArn } from '../approval-answer';
import { createStsClient } from '../aws-clients';
import { RefusedError } from '../cli-errors';
import { type InstallationOptions, withSession } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { listRuns } from '../list-runs';
import { painterFor } from '../output-style';
import { loadPipelineConfig } from '../pipeline-config-source';
import { configuredEnvironment, rollbackExecution } from '../rollback-input';
import { configName, positiveInt } from '../run-filter-options';
import { startPlannedRun } from '../start-planned-run';

interface RollbackOptions extends InstallationOptions {
  service: string;
  env: string;
  toRevision?: number;
  reason?: string;
  commit?: string;
  config?: string;
  watch?: boolean;
  json?: boolean;
}

/**
 * Helm stores a release's revision as a Go `int` (helm.sh/helm/v3/pkg/release, `Release.Version int`);
 * 2^31 - 1 keeps the number an int on every platform and far above any real history.
 */
const MAX_REVISION = 2 ** 31 - 1;

function fullCommit(value: string): string {
  if (!/^[0-9a-f]{40}$/.test(value)) {
    throw new InvalidArgumentError(`"${value}" is not a full commit id (40 lowercase hex characters)`);
  }
  return value;
}

/**
 * The commit the environment runs now: the newest succeeded run of the service there.
 *
 * @throws RefusedError when the history holds none (Step Functions keeps closed executions 90 days).
 */
export async function deployedCommit(
  sfn: SFNClient,
  stateMachineArn: string,
  service: string,
  environment: string,
): Promise<string> {
  const { runs } = await listRuns(sfn, stateMachineArn, { service, environment, status: 'SUCCEEDED', limit: 1 });
  const commit = runs[0]?.run?.commit;
  if (commit === undefined) {
    throw new RefusedError(
      `no succeeded run of ${service} in ${environment} in the execution history: nothing this pipeline deployed to roll back (pass --commit to record the deployed commit anyway)`,
    );
  }
  return commit;
}

/**
 * `deployctl rollback --service S --env E [--to-revision N] [--reason <text>]`: starts a run of the
 * pipeline with `trigger: "rollback"` that takes the lock and runs the helm-rollback build
 * (`Rollback` -> `RollbackOnRequest`), so the rollback is in the execution history and notified like
 * any run. Each request is its own execution (a fresh delivery id). `requestedBy` is the caller's
 * IAM ARN. Exit 0 started (with `--watch`: the run succeeded), 1 nothing to roll back or (with
 * `--watch`) the rollback failed, 2 bad options or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('rollback')
    .description("Roll a service's Helm release in an environment back, through the pipeline (holding its lock)");
  command
    .requiredOption('--service <name>', 'the service to roll back', configName('service'))
    .requiredOption('--env <name>', 'the environment to roll back', configName('environment'))
    .option(
      '--to-revision <n>',
      'Helm revision to return to (default: the one before the deployed revision)',
      positiveInt('--to-revision', MAX_REVISION),
    )
    .option(
      '--reason <text>',
      'why (1-1024 characters), shown in the run and its notifications',
      answerText('--reason'),
    )
    .option(
      '--commit <sha>',
      'commit to record on the run (default: the commit of the newest succeeded run)',
      fullCommit,
    )
    .option('--config <file>', 'pipeline configuration (default: cdk.json context "config", else the built-in one)')
    .option('--watch', 'follow the run until it ends (exit 1 if it fails)')
    .option('--json', 'print { execution, executionArn, outcome, input } as JSON');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
Rolls back the Helm release only: Terraform changes are never undone. The run waits for the
environment's lock like any other run, and ends RollbackFailed (with the commands to inspect the
release) if helm rollback fails.

Examples:
  $ deployctl rollback --service orders-api --env prod --reason "errors since 14:02"
  $ deployctl rollback --service orders-api --env prod --to-revision 41 --watch`,
  );
  command.action(async (options: RollbackOptions) => {
    const config = loadPipelineConfig(options.config);
    // Service and environment are checked before any AWS call.
    configuredEnvironment(config, options.service, options.env);
    await withSession(installationOptions(options), async (session) => {
      const commit =
        options.commit ?? (await deployedCommit(session.sfn, session.stateMachineArn, options.service, options.env));
      const requestedBy = await callerArn(createStsClient({ profile: options.profile, region: session.region }));
      const planned = rollbackExecution({
        config,
        service: options.service,
        environment: options.env,
        commit,
        requestedBy,
        ...(options.toRevision === undefined ? {} : { toRevision: options.toRevision }),
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      });
      const to = options.toRevision === undefined ? 'the previous revision' : `revision ${options.toRevision}`;
      await startPlannedRun(session, planned, options, (started) => [
        `Started rollback ${painterFor()('bold', started.name)}`,
        `  ${planned.service} in ${planned.environment} back to ${to}, asked by ${requestedBy}`,
      ]);
    });
  });
}
