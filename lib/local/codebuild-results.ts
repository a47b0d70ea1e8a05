import type { LocalBuildFailed } from './stage-driver';

/**
 * What the `arn:aws:states:::codebuild:startBuild.sync` integration gives the workflow, built from a
 * local build: on success the task output is `{ Build: <BatchGetBuilds build> }` (PascalCase, as
 * Step Functions returns service responses); on failure the task fails with `States.TaskFailed` and
 * the build as JSON in the cause
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-codebuild.html).
 */

/** A succeeded build: `Build.Id` is `<project>:<uuid>`, `ExportedEnvironmentVariables` lists each output once. */
export function succeededBuild(
  project: string,
  buildNumber: number,
  exported: Readonly<Record<string, string>>,
): { Build: Record<string, unknown> } {
  const id = `${project}:00000000-0000-4000-8000-${String(buildNumber).padStart(12, '0')}`;
  return {
    Build: {
      Arn: `arn:aws:codebuild:us-east-1:123456789012:build/${id}`,
      Id: id,
      BuildNumber: buildNumber,
      BuildComplete: true,
      BuildStatus: 'SUCCEEDED',
      CurrentPhase: 'COMPLETED',
      ProjectName: project,
      ExportedEnvironmentVariables: Object.entries(exported).map(([Name, Value]) => ({ Name, Value })),
    },
  };
}

/** The error a task raises: its `name` is what the state's `Catch`/`Retry` match. */
export class TaskFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/**
 * A build that ended without succeeding (`BuildStatus` FAILED, FAULT, STOPPED or TIMED_OUT): the
 * `States.TaskFailed` error Step Functions raises, with the build in the cause. The driver's message
 * is the failed phase's context message, where CodeBuild puts e.g. `COMMAND_EXECUTION_ERROR: ...`.
 */
export function failedBuild(project: string, status: LocalBuildFailed['status'], message: string): TaskFailure {
  const phase = 'BUILD';
  const cause = JSON.stringify({
    Build: {
      BuildStatus: status,
      ProjectName: project,
      CurrentPhase: phase,
      Phases: [{ PhaseType: phase, PhaseStatus: status, Contexts: [{ StatusCode: status, Message: message }] }],
    },
  });
  return new TaskFailure('States.TaskFailed', cause);
}
