import type { PlannedExecution } from '../../lambdas/shared/push-event/push-decision';
import { type StartedExecution, startExecutions } from '../../lambdas/shared/push-event/start-executions';
import { executionConsoleUrl } from '../contracts/pipeline-event';
import type { Session } from './installation';
import { watchRunToEnd } from './watch-run';

/**
 * Starts one planned run of the pipeline (`deployctl run`, `deployctl rollback`) and reports it:
 * with `json`, `{ execution, executionArn, outcome, input }`; otherwise `headline(started)` (the
 * command's own lines) followed by how to follow the run and its console link. With `watch`, follows
 * the run to its end.
 *
 * @throws Error when Step Functions started nothing; what StartExecution throws.
 */
export async function startPlannedRun(
  session: Session,
  planned: PlannedExecution,
  options: { readonly json?: boolean; readonly watch?: boolean },
  headline: (started: StartedExecution) => readonly string[],
): Promise<void> {
  const [started] = await startExecutions([planned], { sfn: session.sfn, stateMachineArn: session.stateMachineArn });
  if (started === undefined) throw new Error('Step Functions started nothing');
  if (options.json) {
    const out = {
      execution: started.name,
      executionArn: started.executionArn,
      outcome: started.outcome,
      input: planned.input,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const lines = [
      ...headline(started),
      `  Follow it: deployctl watch ${started.name}`,
      `  Console:   ${executionConsoleUrl(started.executionArn) ?? '-'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (options.watch) await watchRunToEnd(session.sfn, started.executionArn, { json: options.json });
}
