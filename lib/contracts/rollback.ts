import * as z from 'zod';
import { runDeploySettingsSchema } from './deploy-settings';
import { runSettingsSchema } from './run-settings';
import { exportedValue, exportedVariablesSchema } from './stage-outputs';

/**
 * The contracts of a deploy that undoes itself (docs/rollback.md): what `VerifyDeployment` (the bake
 * check Lambda) and `Rollback` (the decision Lambda) take and return, what the rollback build is
 * given and reports. Their error names are in `error-names.ts`.
 */

/** `$.error.failure` as every failure path records it (`FailureRecord` of `error-names.ts`). */
export const failureRecordSchema = z.strictObject({
  stage: z.string().min(1),
  error: z.string().min(1),
  cause: z.string(),
});

/** A failure record as the rollback writes it. */
export interface RunFailure {
  readonly stage: string;
  readonly error: string;
  readonly cause: string;
}

const revisionText = z.string().regex(/^\d+$/, 'must be a revision number (0 = no release yet)');

/**
 * A Helm revision as the workflow holds it: HelmDeploy's `ResultSelector` reads exported variables
 * with a JSONPath filter, which yields a list of zero or one value (`["3"]`, `[]` when not exported).
 * A plain string is accepted too. Parsed to the number, or `undefined` when absent.
 */
export const recordedRevisionSchema = z
  .union([revisionText, z.array(revisionText).max(1, 'must hold at most one revision')])
  .transform((value) => {
    const text = Array.isArray(value) ? value[0] : value;
    return text === undefined ? undefined : Number(text);
  });

const commitId = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit id');

/**
 * A person's request to roll a release back (`deployctl rollback`): the execution input's
 * `rollbackRequest` of a run with `trigger: "rollback"`, kept in the state at `$.rollbackRequest`.
 * - `toRevision`: the Helm revision to return to; absent = the revision before the deployed one
 *   (the rollback build reads it from `helm history`);
 * - `requestedBy`: who asked (the caller's IAM principal ARN);
 * - `reason`: why, shown in the execution history and the notification.
 */
export const manualRollbackRequestSchema = z.strictObject({
  toRevision: z.number().int().min(1).optional(),
  requestedBy: z.string().min(1).max(2048),
  reason: z.string().max(1024).optional(),
});
export type ManualRollbackRequest = z.infer<typeof manualRollbackRequestSchema>;

/**
 * What the `Rollback` task is given: the whole execution state (`"state.$": "$"`, as `NotifyFailed`
 * gets it), so no path is missing whichever state failed. Read from it:
 * - `error.failure`: the failure being handled (`{ stage, error, cause }`); absent on a manual rollback;
 * - `rollbackRequest`: a person's request (manual rollback runs); then `error` is absent;
 * - `run.settings`: release, namespace, cluster, the cluster's rollback project and `deploy.timeoutMinutes`;
 * - `deploy`: HelmDeploy's result, present only when HelmDeploy succeeded (`previousRevision`,
 *   `revision`, each `[]` or `["<n>"]`).
 * Exactly one of `error.failure` and `rollbackRequest` must be present.
 */
export const rollbackRequestSchema = z.strictObject({
  state: z
    .looseObject({
      service: z.string().min(1),
      environment: z.string().min(1),
      run: z.looseObject({
        settings: z.looseObject({
          ...runSettingsSchema.pick({ release: true, namespace: true, eksCluster: true, rollbackProject: true }).shape,
          deploy: z.looseObject(runDeploySettingsSchema.pick({ timeoutMinutes: true }).shape),
        }),
      }),
      error: z.looseObject({ failure: failureRecordSchema.loose() }).optional(),
      rollbackRequest: manualRollbackRequestSchema.optional(),
      deploy: z
        .looseObject({
          previousRevision: recordedRevisionSchema.optional(),
          revision: recordedRevisionSchema.optional(),
        })
        .optional(),
    })
    .refine((state) => (state.error === undefined) !== (state.rollbackRequest === undefined), {
      message: 'must hold exactly one of error.failure (a failed run) and rollbackRequest (a manual rollback)',
    }),
});

export type RollbackRequest = z.input<typeof rollbackRequestSchema>;

/** What the rollback does: nothing, `helm rollback` to a revision, or `helm uninstall` of a new release. */
/**
 * What the rollback build does: `rollback` to a revision, `uninstall` a failed first install, or
 * `restore` after a HelmDeploy that failed without reporting the revision it replaced (a failed
 * CodeBuild build exports no variables): the build finds the last good revision in the release's
 * history and returns to it, or uninstalls when there is none.
 */
export const ROLLBACK_ACTIONS = ['none', 'rollback', 'uninstall', 'restore'] as const;
export type RollbackAction = (typeof ROLLBACK_ACTIONS)[number];

/**
 * The environment variables the rollback build is started with (CodeBuild `EnvironmentVariablesOverride`;
 * `lib/stages/scripts/helm-rollback.sh` reads them):
 * - `ROLLBACK_ACTION`: `rollback` or `uninstall`;
 * - `RELEASE`, `NAMESPACE`: the Helm release and its namespace;
 * - `EKS_CLUSTER`: the EKS cluster (`aws eks update-kubeconfig --name`);
 * - `TO_REVISION`: the revision to roll back to, from 1; empty = the revision before the deployed
 *   one (a manual rollback without `--to-revision`; the build reads `helm history`); empty with `uninstall`;
 * - `DEPLOY_TIMEOUT_MINUTES`: Helm `--timeout` in minutes (`run.settings.deploy.timeoutMinutes`).
 */
export const ROLLBACK_BUILD_VARIABLES = [
  'ROLLBACK_ACTION',
  'RELEASE',
  'NAMESPACE',
  'EKS_CLUSTER',
  'TO_REVISION',
  'DEPLOY_TIMEOUT_MINUTES',
] as const;
export type RollbackBuildVariable = (typeof ROLLBACK_BUILD_VARIABLES)[number];

/** One `EnvironmentVariablesOverride` entry, as Step Functions' CodeBuild integration takes it. */
export interface BuildVariable {
  readonly Name: RollbackBuildVariable;
  readonly Type: 'PLAINTEXT';
  readonly Value: string;
}

/**
 * What the rollback build reports (`env.exported-variables`), once it checked the release's history and
 * status before acting: `ROLLBACK_OUTCOME` = `rolled-back` (it ran `helm rollback`),
 * `already-restored` (Helm's own `--rollback-on-failure` had put the target back, or an uninstall
 * found no release: nothing more done) or `uninstalled` (it ran `helm uninstall`).
 */
export const ROLLBACK_OUTCOMES = ['already-restored', 'rolled-back', 'uninstalled'] as const;
export const rollbackBuildOutputsSchema = z.strictObject({ ROLLBACK_OUTCOME: z.enum(ROLLBACK_OUTCOMES) });

/** What `Rollback` decided (the task's result, at `$.rollback`). */
export const rollbackDecisionSchema = z.strictObject({
  action: z.enum(ROLLBACK_ACTIONS),
  /**
   * The revision `helm rollback` goes to; only with `action: "rollback"`. Absent on a manual
   * rollback without a revision: the build rolls back to the one before the deployed revision.
   */
  toRevision: z.number().int().min(1).optional(),
  /** Why, in one or two sentences (shown in the execution history and in the notification's cause). */
  reason: z.string().min(1),
  /** Nothing was or could be undone automatically and a person must look (infrastructure failures, unknown revision). */
  needsAttention: z.boolean(),
  release: z.string().min(1),
  namespace: z.string().min(1),
  cluster: z.string().min(1),
  /**
   * The failure the run ends with when there is no build, or when the build succeeds. Absent on a
   * manual rollback: the run succeeds when the build does.
   */
  failure: failureRecordSchema.optional(),
  /** The failure the run ends with when the rollback build fails: `RollbackFailed`, with the commands to inspect. */
  ifRollbackFails: failureRecordSchema,
  /** Commands a person runs to see the release (kubeconfig, history, status, pods). */
  inspectCommands: z.array(z.string()),
  /** The build to start (`codebuild:startBuild.sync`); present exactly when `action` is not `none`. */
  build: z
    .strictObject({
      projectName: z.string().min(1),
      environmentVariables: z.array(
        z.strictObject({ Name: z.enum(ROLLBACK_BUILD_VARIABLES), Type: z.literal('PLAINTEXT'), Value: z.string() }),
      ),
    })
    .optional(),
});

export type RollbackDecision = z.output<typeof rollbackDecisionSchema>;

/**
 * What `VerifyDeployment` is given, once, after `WaitBake` (WIRING-SPEC):
 * - `commit`: the commit deployed (`$.source.commit`);
 * - `deployedCommit`: what the deploy build read from `/version` inside the cluster: HelmDeploy's
 *   exported variables (the workflow passes them whole; `DEPLOYED_COMMIT` is read here), or the value
 *   itself (`"<sha>"`, `["<sha>"]`, `[]`);
 * - `since`: when HelmDeploy started (`$$.State.EnteredTime`, ISO 8601): the alarm window's start;
 * - `deploy`: the environment's run settings `deploy` (alarms, `versionUrl`).
 */
export const verifyRequestSchema = z.strictObject({
  service: z.string().min(1),
  environment: z.string().min(1),
  commit: commitId,
  deployedCommit: z
    .union([z.string().max(1024), z.array(z.string().max(1024)).max(1), exportedVariablesSchema])
    .transform((value): string | undefined => {
      if (typeof value === 'string') return value === '' ? undefined : value;
      const [first] = value;
      if (first === undefined || typeof first === 'string') return first || undefined;
      return exportedValue(value as z.infer<typeof exportedVariablesSchema>, 'DEPLOYED_COMMIT')?.slice(0, 1024);
    }),
  /**
   * Start of the window the alarms are checked over (ISO 8601). The workflow leaves it out: the
   * window is then the bake, `deploy.bakeSeconds` plus {@link BAKE_WINDOW_MARGIN_SECONDS} back from
   * the check (the local engine has no `$$.State.EnteredTime` to pass, and the bake is the window).
   */
  since: z.iso.datetime({ offset: true }).optional(),
  deploy: runDeploySettingsSchema,
});

/**
 * Seconds added before the bake when the window is not given: the time from Helm's success to the
 * `Wait` state (one state transition and the build's teardown), so an alarm that fires as the new
 * pods take traffic is inside it.
 */
export const BAKE_WINDOW_MARGIN_SECONDS = 60;

export type VerifyRequest = z.input<typeof verifyRequestSchema>;

/** Where the version that was compared came from: the configured URL, the deploy build, or nowhere. */
export const VERSION_SOURCES = ['version-url', 'deploy-build', 'none'] as const;

/** What a passed `VerifyDeployment` returns (`$.bake.result`); a failed one throws instead. */
export const verifyResultSchema = z.strictObject({
  verified: z.literal(true),
  /** The window checked: from `since` to `checkedAt` (ISO 8601). */
  since: z.string(),
  checkedAt: z.string(),
  /** Every watched alarm and its state now (OK or INSUFFICIENT_DATA). */
  alarms: z.array(z.strictObject({ name: z.string(), state: z.string() })),
  version: z.strictObject({
    expected: commitId,
    /** The commit reported, when a version was read. */
    actual: z.string().optional(),
    source: z.enum(VERSION_SOURCES),
  }),
});

export type VerifyResult = z.output<typeof verifyResultSchema>;
