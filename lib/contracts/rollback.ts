import * as z from 'zod';
import { runSettingsSchema } from './run-settings';

/**
 * The contracts of a deploy that undoes itself (docs/rollback.md): what `VerifyDeployment` (the bake
 * check Lambda) and `Rollback` (the decision Lambda) take and return, what the rollback build is
 * given and reports, and the error names they add.
 */

/**
 * Error names of the bake and the rollback. Catch/Retry match them and the final notification shows
 * them; they join `ErrorName` (`error-names.ts`) when the workflow raises them, with the stages in
 * {@link ROLLBACK_ERROR_STAGE}.
 */
export const RollbackErrorName = {
  /** A watched CloudWatch alarm was in ALARM during the bake. */
  AlarmDuringBake: 'AlarmDuringBake',
  /** The service's `/version` reported another commit than the one deployed. */
  VersionMismatch: 'VersionMismatch',
  /** The bake could not check (an alarm does not exist, `/version` never answered, the check crashed). */
  VerificationFailed: 'VerificationFailed',
  /** The deploy succeeded, its bake failed, and the release is back on its previous revision (or uninstalled). */
  RolledBack: 'RolledBack',
  /** The release could not be put back: the environment needs a person (the cause has the commands). */
  RollbackFailed: 'RollbackFailed',
} as const;

export type RollbackErrorName = (typeof RollbackErrorName)[keyof typeof RollbackErrorName];

/** The state each of {@link RollbackErrorName} comes from (the failure notification's `stage`). */
export const ROLLBACK_ERROR_STAGE: Readonly<Record<RollbackErrorName, string>> = {
  AlarmDuringBake: 'VerifyDeployment',
  VersionMismatch: 'VerifyDeployment',
  VerificationFailed: 'VerifyDeployment',
  RolledBack: 'Rollback',
  RollbackFailed: 'Rollback',
};

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
 * What the `Rollback` task is given: the whole execution state (`"state.$": "$"`, as `NotifyFailed`
 * gets it), so no path is missing whichever state failed. Read from it:
 * - `error.failure`: the failure being handled (`{ stage, error, cause }`);
 * - `run.settings`: release, namespace, cluster and the cluster's rollback project;
 * - `deploy`: HelmDeploy's result, present only when HelmDeploy succeeded (`previousRevision`,
 *   `revision`, each `[]` or `["<n>"]`).
 */
export const rollbackRequestSchema = z.strictObject({
  state: z.looseObject({
    service: z.string().min(1),
    environment: z.string().min(1),
    run: z.looseObject({
      settings: z.looseObject(
        runSettingsSchema.pick({ release: true, namespace: true, eksCluster: true, rollbackProject: true }).shape,
      ),
    }),
    error: z.looseObject({ failure: failureRecordSchema.loose() }),
    deploy: z
      .looseObject({
        previousRevision: recordedRevisionSchema.optional(),
        revision: recordedRevisionSchema.optional(),
      })
      .optional(),
  }),
});

export type RollbackRequest = z.input<typeof rollbackRequestSchema>;

/** What the rollback does: nothing, `helm rollback` to a revision, or `helm uninstall` of a new release. */
export const ROLLBACK_ACTIONS = ['none', 'rollback', 'uninstall'] as const;
export type RollbackAction = (typeof ROLLBACK_ACTIONS)[number];

/**
 * The environment variables the rollback build is started with (CodeBuild `EnvironmentVariablesOverride`):
 * - `ACTION`: `rollback` or `uninstall`;
 * - `RELEASE`, `NAMESPACE`: the Helm release and its namespace;
 * - `CLUSTER`: the EKS cluster (`aws eks update-kubeconfig --name`);
 * - `TO_REVISION`: the revision to roll back to (only with `ACTION=rollback`, from 1);
 * - `HELM_TIMEOUT`: Helm `--timeout`, e.g. `10m` (the environment's `deploy.timeoutMinutes`).
 */
export const ROLLBACK_BUILD_VARIABLES = [
  'ACTION',
  'RELEASE',
  'NAMESPACE',
  'CLUSTER',
  'TO_REVISION',
  'HELM_TIMEOUT',
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
 * status before acting:
 * - `ROLLBACK_OUTCOME`: `rolled-back` (it ran `helm rollback`), `already-restored` (Helm's own
 *   `--rollback-on-failure` had put the target revision back: nothing more done), `uninstalled` (it ran
 *   `helm uninstall`), `already-uninstalled` (the new release was gone already);
 * - `DEPLOYED_REVISION`: the release's deployed revision afterwards (absent after an uninstall).
 */
export const rollbackBuildOutputsSchema = z.strictObject({
  ROLLBACK_OUTCOME: z.enum(['rolled-back', 'already-restored', 'uninstalled', 'already-uninstalled']),
  DEPLOYED_REVISION: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a revision number from 1')
    .optional(),
});

/** What `Rollback` decided (the task's result, at `$.rollback`). */
export const rollbackDecisionSchema = z.strictObject({
  action: z.enum(ROLLBACK_ACTIONS),
  /** The revision `helm rollback` goes to; only with `action: "rollback"`. */
  toRevision: z.number().int().min(1).optional(),
  /** Why, in one or two sentences (shown in the execution history and in the notification's cause). */
  reason: z.string().min(1),
  /** Nothing was or could be undone automatically and a person must look (infrastructure failures, unknown revision). */
  needsAttention: z.boolean(),
  release: z.string().min(1),
  namespace: z.string().min(1),
  cluster: z.string().min(1),
  /** The failure the run ends with when there is no build, or when the build succeeds. */
  failure: failureRecordSchema,
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

/** Where the bake has got to, carried from one check to the next (`$.bake`). */
export const bakeProgressSchema = z.looseObject({
  /** Checks made so far. */
  checksDone: z.number().int().min(0),
  /** `/version` has reported the deployed commit at least once; from then on any other commit fails. */
  versionConfirmed: z.boolean(),
});

/** The bake before its first check (`Result.check` of the `StartBake` Pass state). */
export const BAKE_START = { checksDone: 0, versionConfirmed: false } as const;

/**
 * What one `VerifyDeployment` check is given.
 * - `commit`: the commit deployed (`$.source.commit`);
 * - `deployedCommit`: the commit the deploy build read from `/version` inside the cluster's network
 *   (HelmDeploy's exported `DEPLOYED_COMMIT`: `[]` or `["<sha>"]`), when it reads it;
 * - `bake`: the previous check's result, {@link BAKE_START} for the first.
 */
export const verifyRequestSchema = z.strictObject({
  service: z.string().min(1),
  environment: z.string().min(1),
  commit: commitId,
  deployedCommit: z.union([z.string(), z.array(z.string()).max(1)]).optional(),
  bake: bakeProgressSchema.optional(),
});

export type VerifyRequest = z.input<typeof verifyRequestSchema>;

/** How the deployed version was checked in this check. */
export const VERSION_STATUSES = ['matched', 'pending', 'not-checked'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** The result of one check (`$.bake`); the ASL's Choice reads `done` and its Wait reads `nextWaitSeconds`. */
export const verifyResultSchema = z.strictObject({
  /** This check found nothing wrong (`false` only while `/version` has not yet reported the commit). */
  healthy: z.boolean(),
  /** The bake is over and passed: go on. */
  done: z.boolean(),
  checksDone: z.number().int().min(1),
  checksLeft: z.number().int().min(0),
  /** Seconds until the next check; 0 when done. */
  nextWaitSeconds: z.number().int().min(0),
  versionConfirmed: z.boolean(),
  /** Watched alarms in ALARM: always empty in a returned result (one in ALARM fails the check). */
  alarmsInAlarm: z.array(z.string()),
  /** Every watched alarm and its state (OK, INSUFFICIENT_DATA). */
  alarms: z.array(z.strictObject({ name: z.string(), state: z.string() })),
  version: z.strictObject({
    expected: commitId,
    /** The commit `/version` reported in this check, when it answered. */
    actual: z.string().optional(),
    status: z.enum(VERSION_STATUSES),
    /** Where the version came from: the configured public URL, the deploy build, or nowhere. */
    source: z.enum(['version-url', 'deploy-build', 'none']),
    /** Why the version is pending (no answer, another commit so far). */
    detail: z.string().optional(),
  }),
});

export type VerifyResult = z.output<typeof verifyResultSchema>;
