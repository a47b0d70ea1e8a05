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
  BuildImage: z
    .strictObject({
      /** The pushed image by digest, `<repository>@sha256:<64 hex>`; absent when the build was deferred. */
      IMAGE_URI: z
        .string()
        .regex(/^[^@\s]+@sha256:[0-9a-f]{64}$/, 'must be <repository>@sha256:<64 hex digits>')
        .optional(),
      /** The image's content digest; absent when the build was deferred. */
      IMAGE_DIGEST: z
        .string()
        .regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex digits>')
        .optional(),
      /**
       * `true` when `ON_MISSING_REPOSITORY=defer` found no ECR repository (a first push): nothing was
       * built, and the workflow builds again after TerraformApply creates the repository.
       */
      IMAGE_DEFERRED: z.literal('true', 'must be "true" when present').optional(),
    })
    .superRefine((outputs, ctx) => {
      const built = outputs.IMAGE_URI !== undefined || outputs.IMAGE_DIGEST !== undefined;
      if (outputs.IMAGE_DEFERRED !== undefined && built) {
        ctx.addIssue({ code: 'custom', message: 'IMAGE_DEFERRED comes alone, without IMAGE_URI or IMAGE_DIGEST' });
      } else if (outputs.IMAGE_DEFERRED === undefined) {
        for (const name of ['IMAGE_URI', 'IMAGE_DIGEST'] as const) {
          if (outputs[name] === undefined) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'is required unless IMAGE_DEFERRED is "true"' });
          }
        }
        if (outputs.IMAGE_URI !== undefined && outputs.IMAGE_DIGEST !== undefined) {
          if (!outputs.IMAGE_URI.endsWith(`@${outputs.IMAGE_DIGEST}`)) {
            ctx.addIssue({ code: 'custom', path: ['IMAGE_URI'], message: 'must end with @IMAGE_DIGEST' });
          }
        }
      }
    }),
  /**
   * No variables: TerraformApply publishes `terraform output -json` to the artifacts bucket at the
   * stable key `deploy-values/<service>/<environment>/terraform-outputs.json`, read by HelmDeploy.
   */
  TerraformApply: z.strictObject({}),
  HelmDeploy: z.strictObject({
    /** The release's deployed revision before this deploy; `0` when there was none (a first install). */
    PREVIOUS_REVISION: z.string().regex(/^\d+$/, 'must be a revision number (0 = no release yet)'),
    /** The release's revision after this deploy. */
    HELM_REVISION: z.string().regex(/^[1-9]\d*$/, 'must be a revision number from 1'),
    /**
     * The `commitSha` the service's `/version` reports after the rollout, read in-cluster through the
     * API server's service proxy; absent when it could not be read (VerifyDeployment then decides).
     */
    DEPLOYED_COMMIT: z.string().regex(/^\S+$/, 'must be one word').optional(),
  }),
  HelmRollback: z.strictObject({
    /**
     * What the rollback build did: `already-restored` (the target revision was deployed already, or
     * the failed first install is gone), `rolled-back` or `uninstalled`.
     */
    ROLLBACK_OUTCOME: z.enum(
      ['already-restored', 'rolled-back', 'uninstalled'],
      'must be already-restored, rolled-back or uninstalled',
    ),
  }),
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
 * A build's `ExportedEnvironmentVariables` as the state machine passes them on (`[{ Name, Value }]`):
 * an optional output is read by the function that needs it, because a JSONPath filter for a variable
 * the build did not export matches nothing, which aws-local-stepfunctions (unlike Step Functions'
 * own `[]`) refuses.
 */
export const exportedVariablesSchema = z
  .array(z.looseObject({ Name: z.string().min(1), Value: z.string().optional() }))
  .max(100, 'must list at most 100 variables');

/** The value of `name` in exported variables; `undefined` when it is absent or empty. */
export function exportedValue(
  exported: ReadonlyArray<{ readonly Name: string; readonly Value?: string | undefined }>,
  name: string,
): string | undefined {
  const value = exported.find((v) => v.Name === name)?.Value;
  return value === undefined || value === '' ? undefined : value;
}

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
