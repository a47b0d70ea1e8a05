/** `arn:<partition>:states:<region>:<account>:stateMachine:<name>`; group 1 is the region. */
export const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

/**
 * `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`; groups: partition,
 * region, account, state machine name, execution name.
 */
export const EXECUTION_ARN =
  /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_-]{1,80})$/;

/** The state machine an execution ARN belongs to, or undefined when `arn` is not an execution ARN. */
export function stateMachineOfExecution(arn: string): string | undefined {
  const m = EXECUTION_ARN.exec(arn);
  return m === null ? undefined : `arn:${m[1]}:states:${m[2]}:${m[3]}:stateMachine:${m[4]}`;
}
