import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { PlannedExecution } from './push-decision';

/** What happened to one planned execution. */
export interface StartedExecution {
  readonly service: string;
  readonly environment: string;
  readonly name: string;
  readonly executionArn: string;
  /**
   * `started`: Step Functions accepted the start (it answers a repeated start of a still running
   * execution with the same name and input the same way, returning the same ARN);
   * `already-exists`: an execution of that name had already run, so nothing new started.
   */
  readonly outcome: 'started' | 'already-exists';
  /** Status of the existing execution when `already-exists` and Step Functions could tell. */
  readonly status?: string;
}

export interface StartDeps {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  /** Aborts the calls when the caller's deadline passes. */
  readonly abortSignal?: AbortSignal;
}

/** `arn:...:stateMachine:<sm>` -> `arn:...:execution:<sm>:<name>`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

async function startOne(planned: PlannedExecution, deps: StartDeps): Promise<StartedExecution> {
  const base = { service: planned.service, environment: planned.environment, name: planned.name };
  const options = deps.abortSignal === undefined ? {} : { abortSignal: deps.abortSignal };
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: planned.name,
        input: JSON.stringify(planned.input),
      }),
      options,
    );
    return {
      ...base,
      executionArn: started.executionArn ?? executionArnOf(deps.stateMachineArn, planned.name),
      outcome: 'started',
    };
  } catch (err) {
    if (!(err instanceof ExecutionAlreadyExists)) throw err;
  }
  const executionArn = executionArnOf(deps.stateMachineArn, planned.name);
  try {
    const existing = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }), options);
    return {
      ...base,
      executionArn: existing.executionArn ?? executionArn,
      outcome: 'already-exists',
      status: existing.status,
    };
  } catch {
    // The status is a courtesy; the ARN alone answers the redelivery.
    return { ...base, executionArn, outcome: 'already-exists' };
  }
}

/**
 * Starts every planned execution side by side. Names derive from the delivery id, so a
 * redelivered push (or a retried event) never starts a second execution of the same commit.
 */
export async function startExecutions(
  planned: readonly PlannedExecution[],
  deps: StartDeps,
): Promise<StartedExecution[]> {
  return Promise.all(planned.map((p) => startOne(p, deps)));
}
