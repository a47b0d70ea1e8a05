/**
 * Causes as Step Functions records them are often JSON: a Lambda task's error envelope
 * (`{"errorType","errorMessage","trace"}`), the CodeBuild build of a failed `startBuild.sync`
 * (`{"Build":{...}}`), or a scan gate failure report (`{"error","message",...}`). These turn them
 * into the sentence a person needs; anything else is returned as it is.
 */

interface BuildPhase {
  readonly PhaseType?: string;
  readonly PhaseStatus?: string;
  readonly Contexts?: readonly { readonly StatusCode?: string; readonly Message?: string }[];
}

function describeBuild(build: Record<string, unknown>): string {
  const id = String(build.Id ?? build.ProjectName ?? 'build');
  const status = String(build.BuildStatus ?? 'unknown status');
  const phases = Array.isArray(build.Phases) ? (build.Phases as BuildPhase[]) : [];
  const failed = phases.find((p) => p.PhaseStatus !== undefined && p.PhaseStatus !== 'SUCCEEDED');
  if (failed === undefined) return `build ${id} ${status}`;
  const context = (failed.Contexts ?? [])
    .map((c) => [c.StatusCode, c.Message].filter((part) => part !== undefined && part !== '').join(': '))
    .filter((text) => text !== '')
    .join('; ');
  return `build ${id} ${status} in phase ${failed.PhaseType ?? '?'}${context === '' ? '' : ` (${context})`}`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The readable text of one JSON cause object, or undefined when its shape is not one of the above. */
function describeObject(value: Record<string, unknown>): string | undefined {
  if (typeof value.errorMessage === 'string') {
    // A Lambda error whose message is itself a JSON report (a scan gate failure) reads as that report.
    const inner = parseObject(value.errorMessage);
    return (inner && describeObject(inner)) ?? value.errorMessage;
  }
  if (typeof value.Build === 'object' && value.Build !== null)
    return describeBuild(value.Build as Record<string, unknown>);
  if (typeof value.BuildStatus === 'string') return describeBuild(value);
  if (typeof value.message === 'string') return value.message;
  return undefined;
}

/**
 * A cause in words. The JSON may be the whole cause or follow a prefix the workflow adds
 * (`States.TaskFailed: {...}`, `RunTests failed: States.TaskFailed: {...}`); the prefix is kept.
 */
export function readableCause(cause: string | null | undefined): string | null {
  if (cause === null || cause === undefined) return null;
  const start = cause.indexOf('{');
  if (start < 0) return cause;
  const value = parseObject(cause.slice(start));
  const text = value === undefined ? undefined : describeObject(value);
  return text === undefined ? cause : `${cause.slice(0, start)}${text}`;
}
