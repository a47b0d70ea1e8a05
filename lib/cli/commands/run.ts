import { userInfo } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { manualExecutionInput } from '../../../lambdas/shared/push-event/manual-execution-input';
import type { PlannedExecution } from '../../../lambdas/shared/push-event/push-decision';
import type { PipelineConfig } from '../../contracts/pipeline-config';
import { UsageError } from '../cli-errors';
import { resolveCommit } from '../git-commit';
import { type InstallationOptions, withSession } from '../installation';
import { addInstallationOptions, installationOptions } from '../installation-options';
import { painterFor } from '../output-style';
import { loadPipelineConfig } from '../pipeline-config-source';
import { configName } from '../run-filter-options';
import { startPlannedRun } from '../start-planned-run';

interface RunOptions extends InstallationOptions {
  service?: string;
  env?: string;
  commit?: string;
  branch?: string;
  remote: string;
  config?: string;
  message?: string;
  dryRun?: boolean;
  watch?: boolean;
  json?: boolean;
}

// The branch names the configuration accepts (lib/contracts/pipeline-config.ts), without ".." (git refuses it).
const BRANCH = /^[A-Za-z0-9._/-]+$/;

function branchName(value: string): string {
  if (!BRANCH.test(value) || value.includes('..') || value.startsWith('refs/')) {
    throw new InvalidArgumentError(`"${value}" is not a branch name (without refs/heads/)`);
  }
  return value;
}

function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}

/** The commit's page for a GitHub repository; CodeCommit has no stable public URL. */
function commitUrl(config: PipelineConfig, service: string, commit: string): string {
  const repository = config.services.find((s) => s.name === service)?.repository;
  return repository?.provider === 'github' ? `https://github.com/${repository.name}/commit/${commit}` : '';
}

/**
 * The execution a `deployctl run` starts: the commit resolved (`resolveCommit`), then the manual-run
 * normalizer the webhook's code shares (`manualExecutionInput`), which checks service and environment
 * against the configuration, validates the input against the shared schema and names the execution.
 *
 * @throws UsageError for an unknown service or environment, an unusable commit or an invalid input.
 */
export function planManualRun(options: RunOptions, config: PipelineConfig, cwd = process.cwd()): PlannedExecution {
  const { service, env } = options;
  if (service === undefined || env === undefined) throw new UsageError('deployctl run needs --service and --env');
  const branch = config.services.find((s) => s.name === service)?.environments.find((e) => e.name === env)?.branch;
  try {
    // An unknown service or environment has no branch: the normalizer says which names exist.
    const resolved =
      branch === undefined
        ? { commit: '', branch: '', message: '' }
        : resolveCommit({ commit: options.commit, branch: options.branch ?? branch, remote: options.remote, cwd });
    return manualExecutionInput({
      config,
      service,
      environment: env,
      commit: resolved.commit,
      branch: resolved.branch,
      message: options.message ?? resolved.message,
      author: operator(),
      url: commitUrl(config, service, resolved.commit),
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/**
 * `deployctl run --service S --env E [--commit SHA | --branch B]`: starts a run built by the same
 * normalizer as a push's (`trigger: "manual"`, every stage, the same input schema and execution
 * name contract). This is how a commit is deployed again (an empty commit is a different commit,
 * and the trigger runs every stage for it: docs/deployctl.md). Exit 0 started (with `--watch`: the run succeeded),
 * 1 with `--watch` when the run failed, 2 for bad options or no installation.
 */
export function register(program: Command): void {
  const command = program
    .command('run')
    .description('Start a run of a service in an environment (e.g. to deploy a commit again)');
  command
    .requiredOption('--service <name>', 'the service to deploy', configName('service'))
    .requiredOption('--env <name>', 'the environment to deploy to', configName('environment'))
    .option('--commit <sha>', 'commit to deploy (default: the tip of --branch on the remote)')
    .option('--branch <name>', "branch the commit is on (default: the environment's branch)", branchName)
    .option('--remote <name>', 'git remote to read the branch tip from', 'origin')
    .option('--message <text>', "why (default: the commit's subject from the local clone)")
    .option('--config <file>', 'pipeline configuration (default: cdk.json context "config", else the built-in one)')
    .option('--dry-run', 'print the execution name and input without starting anything')
    .option('--watch', 'follow the run until it ends (exit 1 if it fails)')
    .option('--json', 'print { execution, executionArn, outcome, input } as JSON');
  addInstallationOptions(command);
  command.addHelpText(
    'after',
    `
A run deploys one commit with every stage (tests, plan, image, apply, deploy). This is how a commit
is deployed again: an empty commit is a different commit, not a redeploy (docs/deployctl.md).

Examples:
  $ deployctl run --service orders-api --env dev
  $ deployctl run --service orders-api --env prod --commit 1a2b3c4d5e6f --watch
  $ deployctl run --service orders-api --env dev --branch hotfix/login --dry-run --json`,
  );
  command.action(async (options: RunOptions) => {
    const planned = planManualRun(options, loadPipelineConfig(options.config));
    if (options.dryRun) {
      const out = { execution: planned.name, input: planned.input };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    await withSession(installationOptions(options), async (session) => {
      const source = planned.input.source;
      await startPlannedRun(session, planned, options, (started) => [
        `${started.outcome === 'started' ? 'Started' : 'Already started'} ${painterFor()('bold', started.name)}`,
        `  ${planned.service} → ${planned.environment}  commit ${source.commit.slice(0, 7)} (${source.branch}), manual by ${source.author || '?'}`,
      ]);
    });
  });
}
