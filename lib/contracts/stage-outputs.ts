import * as z from 'zod';
import { formatIssues } from './validation-issues';

/** An S3 key under the run's prefix (`runs/<execution name>/...`) in the artifacts bucket. */
const runArtifactKey = z.string().regex(/^runs\/[^/]+\/\S+$/, 'must be an S3 key under runs/<execution>/');

/**
 * What each CodeBuild stage hands back to the workflow, by user-facing state name: the variables its
 * buildspec exports (`env.exported-variables`), each with its type. An optional variable is
 * **absent** when it has no value: the buildspec never sets it (no sentinel strings), and the state
 * machine checks for it with `IsPresent`. CodeBuild reports exported variables as strings in
 * `Build.ExportedEnvironmentVariables`, so every value here is a string.
 *
 * The buildspecs, the state machine's `ResultSelector`s and the local drivers all follow these
 * schemas; `test/workflow/stage-outputs.test.ts` checks the first two against them.
 */
export const STAGE_OUTPUTS = {
  RunTests: z.strictObject({
    /** The uploaded coverage report. */
    COVERAGE_REPORT_KEY: runArtifactKey,
    /** The push's changed-lines diff; absent when there is no parent commit to diff against. */
    CHANGED_LINES_KEY: runArtifactKey.optional(),
  }),
  TerraformPlan: z.strictObject({
    /** The saved plan, applied later exactly as planned. */
    PLAN_KEY: runArtifactKey,
    /** The plan as `terraform show -json`, read by the plan guard. */
    PLAN_JSON_KEY: runArtifactKey,
    /** Whether the plan changes anything (`terraform plan -detailed-exitcode` 2). */
    PLAN_HAS_CHANGES: z.enum(['true', 'false'], 'must be "true" or "false"'),
  }),
  BuildImage: z.strictObject({
    /** The pushed image as `<repository>:<full commit sha>`. */
    IMAGE_URI: z.string().regex(/^\S+:[0-9a-f]{40}$/, 'must be <repository>:<40-character commit>'),
    /** The image's content digest. */
    IMAGE_DIGEST: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex digits>'),
  }),
  TerraformApply: z.strictObject({}),
  HelmDeploy: z.strictObject({
    /** The release's revision before this deploy; `0` when the release is new. */
    PREVIOUS_REVISION: z.string().regex(/^\d+$/, 'must be a revision number (0 = no release yet)'),
    /** The release's revision after this deploy. */
    HELM_REVISION: z.string().regex(/^[1-9]\d*$/, 'must be a revision number from 1'),
  }),
  HelmRollback: z.strictObject({}),
} as const;

/** The CodeBuild stages, by state name. */
export type BuildStageName = keyof typeof STAGE_OUTPUTS;

/** The variables one stage exports, by name. */
export type StageExportName<S extends BuildStageName> = keyof (typeof STAGE_OUTPUTS)[S]['shape'] & string;

/** A stage's outputs as the workflow sees them (optional variables may be absent). */
export type StageOutputs<S extends BuildStageName> = z.infer<(typeof STAGE_OUTPUTS)[S]>;

export const BUILD_STAGE_NAMES = Object.keys(STAGE_OUTPUTS) as BuildStageName[];

/**
 * The variables each stage's buildspec declares in `env.exported-variables`, in declaration order:
 * the keys of {@link STAGE_OUTPUTS}, so the list is written once.
 */
export const STAGE_EXPORTS: { readonly [S in BuildStageName]: readonly StageExportName<S>[] } = Object.fromEntries(
  BUILD_STAGE_NAMES.map((stage) => [stage, Object.keys(STAGE_OUTPUTS[stage].shape)]),
  // Object.keys loses the literal key types that the schemas above guarantee.
) as unknown as { readonly [S in BuildStageName]: readonly StageExportName<S>[] };

/**
 * Reads a stage's outputs from CodeBuild's `ExportedEnvironmentVariables` (or a name/value record).
 * An empty value counts as absent, since CodeBuild may report a declared but unset variable either way.
 *
 * @throws Error naming the stage and each variable that is missing, undeclared or malformed.
 */
export function parseStageOutputs<S extends BuildStageName>(
  stage: S,
  exported: ReadonlyArray<{ readonly Name: string; readonly Value?: string }> | Readonly<Record<string, string>>,
): StageOutputs<S> {
  const pairs = Array.isArray(exported)
    ? exported.map(({ Name, Value }) => [Name, Value] as const)
    : Object.entries(exported as Record<string, string>);
  const values = Object.fromEntries(pairs.filter(([, value]) => value !== undefined && value !== ''));
  const result = STAGE_OUTPUTS[stage].safeParse(values, { reportInput: true });
  if (!result.success) {
    const problems = formatIssues(result.error.issues).join('; ');
    throw new Error(`${stage} outputs do not match lib/contracts/stage-outputs.ts: ${problems}`);
  }
  return result.data as StageOutputs<S>;
}
