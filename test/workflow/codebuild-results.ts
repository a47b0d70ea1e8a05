/**
 * Results shaped like the real `arn:aws:states:::codebuild:startBuild.sync` integration: on success
 * the task output is `{ Build: <BatchGetBuilds build> }` (PascalCase); on failure the task fails with
 * `States.TaskFailed` and the build as JSON in the cause; a build over `TimeoutSeconds` fails with
 * `States.Timeout`. CodeBuild itself cannot run here, so these stand in for it.
 */
let buildCounter = 0;

export function succeededBuild(project: string, exported: Record<string, string> = {}): Record<string, unknown> {
  buildCounter += 1;
  const id = `${project}:00000000-0000-4000-8000-${String(buildCounter).padStart(12, '0')}`;
  return {
    Build: {
      Arn: `arn:aws:codebuild:us-east-1:123456789012:build/${id}`,
      Id: id,
      BuildComplete: true,
      BuildStatus: 'SUCCEEDED',
      CurrentPhase: 'COMPLETED',
      ProjectName: project,
      ExportedEnvironmentVariables: Object.entries(exported).map(([Name, Value]) => ({ Name, Value })),
      Logs: {
        DeepLink: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/${project}`,
      },
    },
  };
}

/** The error a failed `startBuild.sync` task raises: its `name` is what `Catch` matches. */
export class TaskFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** A build that ended without succeeding: CodeBuild's `BuildStatus` is `FAILED`, `STOPPED` or `TIMED_OUT`. */
export function failedBuild(
  project: string,
  status: 'FAILED' | 'STOPPED' | 'TIMED_OUT' = 'FAILED',
  phase = 'BUILD',
): TaskFailure {
  const cause = JSON.stringify({
    Build: {
      BuildStatus: status,
      ProjectName: project,
      CurrentPhase: phase,
      Phases: [{ PhaseType: phase, PhaseStatus: status }],
    },
  });
  return new TaskFailure('States.TaskFailed', cause);
}

export function timedOutBuild(): TaskFailure {
  return new TaskFailure('States.Timeout', 'Task timed out');
}
