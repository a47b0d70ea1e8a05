import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { color, Listr, ListrLogger, type ListrTask } from 'listr2';
import { renderText } from '../../../lambdas/shared/notifications/render-text';
import { type AslDefinition, type TimelineItem, taskStates, timelineOf } from '../../local/asl-states';
import { type LocalRunResult, localRunResultSchema } from '../../local/local-run-result';
import type { FaultInjection, LocalPipelineRun, LocalRunEvent } from '../../local/run-local-pipeline';
import { checkScenarioChanges, runLocalScenario } from '../../local/run-local-scenario';
import { RunProgress } from '../../local/run-progress';
import { CHANGE_SETS, type ChangeSet, SCENARIO_NAMES, SCENARIOS, scenarioNamed } from '../../local/scenarios';
import { simulatedDrivers } from '../../local/simulated-drivers';
import type { StageMode } from '../../local/stage-driver';
import { readDeployPipelineAsl } from '../../workflow/deploy-pipeline-definition';

interface LocalOptions {
  service?: string;
  env?: string;
  scenario: string;
  fail: FaultInjection[];
  changes: ChangeSet;
  awsEndpoint?: string;
  simulated?: boolean;
  json?: boolean;
}

/** The deploy pipeline's definition (placeholders left in place: they sit inside strings). */
function definition(): AslDefinition {
  return JSON.parse(readDeployPipelineAsl()) as AslDefinition;
}

function parseScenario(value: string): string {
  try {
    return scenarioNamed(value).name;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

// An error name as Catch and Retry match it: `States.TaskFailed`, `CoverageBelowThreshold`, `Ssm.ThrottlingException`.
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;

/** `State[:ErrorName]`, repeatable; the state must be a Task state of the ASL. */
function collectFault(value: string, previous: FaultInjection[] = []): FaultInjection[] {
  const [state = '', error, ...rest] = value.split(':');
  const tasks = taskStates(definition()).map((t) => t.name);
  if (!tasks.includes(state) || rest.length > 0) {
    throw new InvalidArgumentError(
      `"${value}" names no Task state of the pipeline (use State[:ErrorName]; Task states: ${tasks.join(', ')})`,
    );
  }
  if (error !== undefined && !ERROR_NAME.test(error)) {
    throw new InvalidArgumentError(`"${error}" is not an error name (e.g. States.TaskFailed, CoverageBelowThreshold)`);
  }
  return [...previous, { state, ...(error === undefined ? {} : { error }) }];
}

function parseEndpoint(value: string): string {
  if (!/^https?:\/\/[^/\s]+/.test(value)) {
    throw new InvalidArgumentError(`must be an http(s) URL such as http://127.0.0.1:5000, got "${value}"`);
  }
  return value;
}

/**
 * `deployctl local`: runs the deploy pipeline on this machine (lib/local/run-local-pipeline.ts):
 * a live timeline, then a summary table with each stage's mode (real or simulated) and why, then
 * the notifications (each pipeline event rendered by `renderText`, the text Slack's message is made
 * of). `--json` prints only the result document. Exit 0 when the run succeeded, 1 when it failed or
 * timed out, 130 when it was interrupted, 2 for unusable arguments.
 */
export function register(program: Command): void {
  const width = Math.max(...SCENARIO_NAMES.map((name) => name.length)) + 2;
  const scenarios = SCENARIO_NAMES.map((name) => `  ${name.padEnd(width)}${SCENARIOS[name]?.summary ?? ''}`).join('\n');
  program
    .command('local')
    .description('Run the deploy pipeline on this machine: real tools where they run here, simulated stages elsewhere')
    .option('--service <name>', "service from the configuration (default: the configuration's first)")
    .option('--env <name>', 'environment of the service', 'dev')
    .option('--scenario <name>', `what the run plays (${SCENARIO_NAMES.join(', ')})`, parseScenario, 'happy')
    .option(
      '--fail <State[:ErrorName]>',
      'make a Task state fail with ErrorName (default States.TaskFailed); repeatable',
      collectFault,
    )
    .addOption(new Option('--changes <set>', 'what the push changed').choices(Object.keys(CHANGE_SETS)).default('all'))
    .option(
      '--aws-endpoint <url>',
      'keep artifacts in S3 at this endpoint (e.g. moto_server) instead of a temp directory',
      parseEndpoint,
    )
    .option('--simulated', 'simulate every CodeBuild stage, even where its tool could run here (fast)')
    .option('--json', 'print only the result as JSON: { status, error, execution, states, transitions, notifications }')
    .addHelpText(
      'after',
      `
Scenarios:
${scenarios}

Examples:
  $ deployctl local
  $ deployctl local --scenario deploy-fails
  $ deployctl local --changes app --fail HelmDeploy:States.Timeout
  $ deployctl local --simulated --json`,
    )
    // One line for a bad argument, not the whole help (bin/deployctl.ts exits 2).
    .showHelpAfterError(false)
    .action(async (options: LocalOptions) => {
      await local({ ...options, fail: options.fail ?? [] });
    });
}

async function local(options: LocalOptions): Promise<void> {
  // Refused before anything is drawn: bin/deployctl.ts prints the message and exits 2.
  checkScenarioChanges(scenarioNamed(options.scenario), options.changes);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const startedAt = Date.now();
    const run = options.json
      ? await runQuietly(options, controller.signal)
      : await runWithTimeline(options, controller.signal);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(localRunResultSchema.parse(run.result), null, 2)}\n`);
    } else {
      process.stdout.write(`${summary(run.result, Date.now() - startedAt).join('\n')}\n`);
    }
    process.exitCode = exitCodeOf(run.result);
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}

function exitCodeOf(result: LocalRunResult): number {
  if (result.status === 'SUCCEEDED') return 0;
  return result.status === 'ABORTED' ? 130 : 1;
}

function scenarioOptions(options: LocalOptions, signal: AbortSignal, onEvent?: (event: LocalRunEvent) => void) {
  return {
    scenario: options.scenario,
    changes: options.changes,
    fail: options.fail,
    signal,
    ...(options.service === undefined ? {} : { service: options.service }),
    ...(options.env === undefined ? {} : { environment: options.env }),
    ...(options.awsEndpoint === undefined ? {} : { awsEndpoint: options.awsEndpoint }),
    ...(options.simulated ? { drivers: simulatedDrivers() } : {}),
    ...(onEvent === undefined ? {} : { onEvent }),
  };
}

function runQuietly(options: LocalOptions, signal: AbortSignal): Promise<LocalPipelineRun> {
  return runLocalScenario(scenarioOptions(options, signal));
}

/** Plain lines instead of a redrawn screen: not a terminal, `NO_COLOR` set, or `TERM=dumb`. */
function plainOutput(): boolean {
  return !process.stdout.isTTY || 'NO_COLOR' in process.env || process.env.TERM === 'dumb';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

/** Runs with a live listr2 timeline of the Task states, in the order a run meets them. */
async function runWithTimeline(options: LocalOptions, signal: AbortSignal): Promise<LocalPipelineRun> {
  const timeline = timelineOf(definition());
  const progress = new RunProgress(timeline);
  let modes: Readonly<Record<string, StageMode>> = {};
  let header = '';
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const runPromise = runLocalScenario(
    scenarioOptions(options, signal, (event) => {
      if (event.type === 'run-started') {
        modes = event.modes;
        header = event.execution;
        started();
      }
      progress.handle(event);
    }),
  );
  // A run that throws leaves nothing for the timeline to wait on.
  runPromise.catch(() => progress.close());
  // Errors before the run starts (unreachable endpoint, bad configuration) surface without a timeline.
  await Promise.race([running, runPromise]);
  const plain = plainOutput();
  process.stdout.write(
    `${plain ? '' : color.bold('deployctl local ')}${header} · scenario ${options.scenario} · changes ${options.changes}\n`,
  );

  const stageTask = (name: string): ListrTask => ({
    title: `${name} ${color.dim(`· ${modes[name]?.mode ?? '?'}`)}`,
    task: async (_ctx, task) => {
      progress.onLog(name, (line) => {
        task.output = line;
      });
      if (!(await progress.started(name))) {
        task.skip(`${name} ${color.dim('· not run')}`);
        return;
      }
      const since = Date.now();
      const mode = modes[name]?.mode ?? '?';
      const tick = plain
        ? undefined
        : setInterval(() => {
            task.title = `${name} ${color.dim(`· ${mode} · ${seconds(Date.now() - since)}`)}`;
          }, 1000);
      const end = await progress.ended(name).finally(() => clearInterval(tick));
      if (end.kind !== 'finished') {
        task.skip(`${name} ${color.dim('· not run')}`);
        return;
      }
      const { state } = end;
      const attempts = state.attempts > 1 ? ` · ${state.attempts} attempts` : '';
      task.title = `${name} ${color.dim(`· ${state.mode} · ${seconds(state.durationMs)}${attempts}`)}`;
      if (state.status === 'ABORTED') task.skip(`${name} ${color.dim(`· ${state.mode} · cancelled`)}`);
      if (state.status === 'FAILED') throw new Error(`${name} failed: ${state.error ?? 'error'}`);
    },
    rendererOptions: { persistentOutput: false, outputBar: 1 },
  });
  const itemTask = (item: TimelineItem): ListrTask =>
    item.kind === 'task'
      ? stageTask(item.name)
      : {
          title: `${item.name} ${color.dim('· in parallel')}`,
          task: async (_ctx, task) => {
            if (!(await progress.started(item.name))) {
              task.skip(`${item.name} ${color.dim('· not run')}`);
              return;
            }
            void progress.ended(item.name).then((end) => {
              if (end.kind === 'left' && end.failed) task.title = `${item.name} ${color.dim('· in parallel · failed')}`;
            });
            // A failed stage ends its branch (exitOnError), and the branch shows failed under the parallel state.
            return task.newListr(
              item.branches.map((branch) => ({
                title: branch.map((b) => b.name).join(' → '),
                task: (_c, branchTask) => branchTask.newListr(branch.map(itemTask), { exitOnError: true }),
              })),
              { concurrent: true, exitOnError: false },
            );
          },
        };
  const listr = new Listr(timeline.map(itemTask), {
    exitOnError: false,
    registerSignalListeners: false,
    renderer: 'default',
    rendererOptions: { collapseSubtasks: false, collapseErrors: false, suffixSkips: false },
    fallbackRenderer: 'simple',
    // Plain lines all on stdout, in order (listr2 sends failures to stderr by default).
    fallbackRendererOptions: { logger: new ListrLogger({ useIcons: true, toStderr: [] }) },
    fallbackRendererCondition: plain,
  });
  const [run] = await Promise.all([runPromise, listr.run()]);
  return run;
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((line) => `${prefix}${line}`);
}

/** The summary after the timeline: one row per Task state, then the notifications and the end. */
function summary(result: LocalRunResult, wallMs: number): string[] {
  const plain = plainOutput();
  const width = process.stdout.columns && process.stdout.columns > 60 ? process.stdout.columns : 120;
  const table = new Table({
    head: ['stage', 'result', 'time', 'mode', 'why'],
    colWidths: [24, 28, 9, 11, Math.max(30, width - 24 - 28 - 9 - 11 - 6)],
    wordWrap: true,
    style: plain ? { head: [], border: [] } : { head: ['cyan'] },
  });
  for (const state of result.states) {
    const attempts = state.attempts > 1 ? ` (${state.attempts}x)` : '';
    table.push([
      state.name,
      state.error ? `${state.status}\n${state.error}` : state.status,
      `${seconds(state.durationMs)}${attempts}`,
      state.mode,
      state.reason,
    ]);
  }
  const lines = ['', table.toString()];
  if (result.notifications.length > 0) {
    lines.push('', 'Notifications (the events the pipeline topic would carry, as Slack shows them):');
    for (const n of result.notifications) lines.push('', ...indent(renderText(n.event, { color: !plain }), '  '));
  }
  const end = `${result.status} in ${seconds(wallMs)}, ${result.transitions} state transitions`;
  lines.push('', result.error ? `${end}: ${result.error.error}` : end);
  // The failure notification shows the cause; without one (it failed too), show it here.
  const notified = result.notifications.some((n) => n.event.failure !== undefined);
  if (result.error?.cause && !notified) lines.push(...indent(result.error.cause, '  '));
  return lines;
}
