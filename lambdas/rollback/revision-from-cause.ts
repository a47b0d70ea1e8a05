/**
 * The `PREVIOUS_REVISION` a failed HelmDeploy build exported, read from the failure's cause.
 *
 * When a `codebuild:startBuild.sync` task fails, Step Functions puts the build (as JSON) in the
 * error's cause, and the workflow records the cause as `<Error>: <Cause>`. The build's
 * `ExportedEnvironmentVariables` are there if CodeBuild reported them for the failed build (the
 * deploy exports `PREVIOUS_REVISION` before it runs `helm upgrade`). The JSON may be the build
 * itself or `{ "Build": ... }`.
 *
 * @returns the revision (0 = there was no release), or `undefined` when the cause holds no build
 *   JSON, the JSON was cut off, or it has no usable `PREVIOUS_REVISION`.
 */
export function previousRevisionFromCause(cause: string): number | undefined {
  const start = cause.indexOf('{');
  if (start < 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause.slice(start));
  } catch {
    return undefined;
  }
  const build = (parsed as { Build?: unknown }).Build ?? parsed;
  const variables = (build as { ExportedEnvironmentVariables?: unknown } | null)?.ExportedEnvironmentVariables;
  if (!Array.isArray(variables)) return undefined;
  const value = variables.find((v) => (v as { Name?: unknown } | null)?.Name === 'PREVIOUS_REVISION')?.Value;
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}
