/**
 * Exit codes of every `deployctl` command:
 * - 0: done (a gate passed, a run succeeded, a read printed its answer);
 * - 1: done, and the answer is no (a gate blocked, a watched run failed, a redrive was refused);
 * - 2: nothing could be done: bad arguments, unreadable input, missing credentials or region,
 *   an unknown stack or execution.
 */
export const ExitCode = { Ok: 0, No: 1, Unusable: 2 } as const;

/**
 * A problem the user must fix before the command can do anything (bad argument, unknown
 * execution, no credentials). `bin/deployctl.ts` prints its one-line message and exits 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The command understood the request and the answer is no (e.g. a redrive Step Functions would
 * refuse). `bin/deployctl.ts` prints its one-line message and exits 1.
 */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}
