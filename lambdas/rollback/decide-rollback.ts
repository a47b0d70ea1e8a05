import { ErrorName } from '../../lib/contracts/error-names';
import type {
  BuildVariable,
  ManualRollbackRequest,
  RollbackAction,
  RollbackDecision,
  RunFailure,
} from '../../lib/contracts/rollback';

/** The stage that deploys: a failure here may have changed the release. */
export const DEPLOY_STAGE = 'HelmDeploy';
/** The stage that changes infrastructure: never undone automatically. */
export const INFRASTRUCTURE_STAGE = 'TerraformApply';

/** Longest part of the original cause repeated in the `RollbackFailed` record (the build's error follows it). */
const MAX_QUOTED_CAUSE = 1_000;

/** Everything the decision needs, already read from the execution state. */
export interface RollbackFacts {
  readonly failure: RunFailure;
  readonly release: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly rollbackProject: string;
  /** HelmDeploy succeeded in this run (its result is in the state): a later failure undoes it. */
  readonly deploySucceeded: boolean;
  /**
   * The release's revision before this run's deploy: 0 = there was no release, `undefined` = never
   * recorded (HelmDeploy did not report it).
   */
  readonly previousRevision: number | undefined;
  /** Helm `--timeout` of the rollback build, in minutes (`run.settings.deploy.timeoutMinutes`). */
  readonly helmTimeoutMinutes: number;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}...`);

/** The commands that show a person what the release is doing. */
export function inspectCommands(facts: Pick<RollbackFacts, 'release' | 'namespace' | 'cluster'>): string[] {
  const { release, namespace, cluster } = facts;
  return [
    `aws eks update-kubeconfig --name ${cluster}`,
    `helm history ${release} --namespace ${namespace} --max 10`,
    `helm status ${release} --namespace ${namespace}`,
    `kubectl get pods --namespace ${namespace} -l app.kubernetes.io/instance=${release}`,
  ];
}

/**
 * Decides what undoes a failed run, from which stage failed and what HelmDeploy recorded:
 *
 * | failure | recorded previous revision | action | run ends with |
 * |---|---|---|---|
 * | before HelmDeploy, not TerraformApply | - | none | the failure as it is |
 * | TerraformApply | - | none, needs attention | TerraformApplyFailed, saying infrastructure is not rolled back |
 * | HelmDeploy | 0 (first install) | uninstall | HelmDeployFailed |
 * | HelmDeploy | N >= 1 | rollback to N (the build does nothing more if Helm's own rollback restored N) | HelmDeployFailed |
 * | HelmDeploy | not recorded (a failed build exports nothing) | restore: the build returns to the last good revision in the release's history, or uninstalls | HelmDeployFailed |
 * | after HelmDeploy succeeded (VerifyDeployment, ...) | 0 | uninstall | RolledBack |
 * | after HelmDeploy succeeded | N >= 1 | rollback to N | RolledBack |
 * | after HelmDeploy succeeded | not recorded | none, needs attention | RollbackFailed |
 *
 * "Before HelmDeploy" is every failure of a run whose HelmDeploy neither failed nor succeeded
 * (it never started, or was skipped). A pure function: starting the build is the workflow's job.
 */
export function decideRollback(facts: RollbackFacts): RollbackDecision {
  const { failure, release, namespace, cluster } = facts;
  const where = { release, namespace, cluster };
  const commands = inspectCommands(facts);
  const target = `release ${release} (namespace ${namespace}, cluster ${cluster})`;
  const failedWith = `${failure.stage} failed with ${failure.error}`;
  const deployFailed = failure.stage === DEPLOY_STAGE;
  const changedRelease = deployFailed || facts.deploySucceeded;

  /** `verb`: what could not be done, e.g. `roll back release orders (...) to revision 7`. */
  const rollbackFailed = (verb: string): RunFailure => ({
    stage: 'Rollback',
    error: ErrorName.RollbackFailed,
    cause:
      `Could not ${verb} after ${failedWith}: the environment needs a person. ` +
      `Inspect it: ${commands.join('; ')}. Original failure: ${clip(failure.cause, MAX_QUOTED_CAUSE)}`,
  });

  if (!changedRelease) {
    const infrastructure = failure.stage === INFRASTRUCTURE_STAGE;
    const reason = infrastructure
      ? `${failedWith}. Infrastructure is never rolled back automatically: the environment needs attention ` +
        `(read the apply's log, fix the Terraform and push again). Helm was not run, so the release is untouched.`
      : `${failedWith} before HelmDeploy started: nothing was deployed, nothing to undo.`;
    return {
      action: 'none',
      reason,
      needsAttention: infrastructure,
      ...where,
      failure: infrastructure ? { ...failure, cause: `${reason} ${failure.cause}` } : { ...failure },
      ifRollbackFails: rollbackFailed(`check ${target}`),
      inspectCommands: commands,
    };
  }

  const previous = facts.previousRevision;
  if (previous === undefined && deployFailed) {
    // A failed build exports nothing, so HelmDeploy's PREVIOUS_REVISION is not known here: the
    // build reads the release's history and returns to its last good revision.
    return {
      action: 'restore',
      reason:
        `${failedWith}: return ${target} to its last good revision (the build reads it from the release's history; ` +
        `Helm's own --rollback-on-failure may have restored it already, and the build checks first).`,
      needsAttention: false,
      ...where,
      failure: {
        stage: failure.stage,
        error: failure.error,
        cause: `${capitalize(target)} is back on its last good revision. ${failure.cause}`,
      },
      ifRollbackFails: rollbackFailed(`return ${target} to its last good revision`),
      inspectCommands: commands,
      build: { projectName: facts.rollbackProject, environmentVariables: buildVariables(facts, 'restore', undefined) },
    };
  }
  if (previous === undefined) {
    const reason =
      `${failedWith}, but HelmDeploy did not record the revision it replaced, so nothing can be rolled back ` +
      `automatically: the environment needs a person.`;
    const failed = rollbackFailed(`roll back ${target}`);
    return {
      action: 'none',
      reason,
      needsAttention: true,
      ...where,
      failure: { ...failed, cause: `${reason} Inspect it: ${commands.join('; ')}. Original failure: ${failure.cause}` },
      ifRollbackFails: failed,
      inspectCommands: commands,
    };
  }

  const action: RollbackAction = previous === 0 ? 'uninstall' : 'rollback';
  const outcome =
    action === 'uninstall'
      ? `The new ${target} is uninstalled.`
      : `${capitalize(target)} is back on revision ${previous}.`;
  const reason =
    action === 'uninstall'
      ? `${failedWith} on the release's first install: uninstall it (nothing ran before). ` +
        (deployFailed
          ? `Helm's own --rollback-on-failure may have uninstalled it already; the build checks first.`
          : '')
      : `${failedWith}: roll back to revision ${previous}, the one deployed before this run. ` +
        (deployFailed ? `Helm's own --rollback-on-failure may have restored it already; the build checks first.` : '');
  const variables = buildVariables(facts, action, previous === 0 ? undefined : previous);
  const finalFailure: RunFailure = deployFailed
    ? { stage: failure.stage, error: failure.error, cause: `${outcome} ${failure.cause}` }
    : // The stage that found the release unhealthy, so the run reads "VerifyDeployment failed: RolledBack".
      { stage: failure.stage, error: ErrorName.RolledBack, cause: `${outcome} ${failedWith}: ${failure.cause}` };
  return {
    action,
    ...(action === 'rollback' ? { toRevision: previous } : {}),
    reason: reason.trim(),
    needsAttention: false,
    ...where,
    failure: finalFailure,
    ifRollbackFails: rollbackFailed(
      action === 'uninstall' ? `uninstall the new ${target}` : `roll back ${target} to revision ${previous}`,
    ),
    inspectCommands: commands,
    build: { projectName: facts.rollbackProject, environmentVariables: variables },
  };
}

/**
 * The rollback build's `EnvironmentVariablesOverride` (names in `ROLLBACK_BUILD_VARIABLES`):
 * `TO_REVISION` is empty for an uninstall and for a rollback to "the revision before the deployed one".
 */
export function buildVariables(
  where: Pick<RollbackFacts, 'release' | 'namespace' | 'cluster' | 'helmTimeoutMinutes'>,
  action: Exclude<RollbackAction, 'none'>,
  toRevision: number | undefined,
): BuildVariable[] {
  const variable = (Name: BuildVariable['Name'], Value: string): BuildVariable => ({ Name, Type: 'PLAINTEXT', Value });
  return [
    variable('ROLLBACK_ACTION', action),
    variable('RELEASE', where.release),
    variable('NAMESPACE', where.namespace),
    variable('EKS_CLUSTER', where.cluster),
    variable('TO_REVISION', action === 'rollback' && toRevision !== undefined ? String(toRevision) : ''),
    variable('DEPLOY_TIMEOUT_MINUTES', String(where.helmTimeoutMinutes)),
  ];
}

/** What a person's rollback request (`deployctl rollback`) needs, read from the execution state. */
export interface ManualRollbackFacts
  extends Pick<RollbackFacts, 'release' | 'namespace' | 'cluster' | 'rollbackProject' | 'helmTimeoutMinutes'> {
  readonly request: ManualRollbackRequest;
}

/**
 * A manual rollback (`trigger: "rollback"`, `$.rollbackRequest`): always `rollback`, to
 * `toRevision` when given, else to the revision before the deployed one (the build resolves it from
 * `helm history`; `TO_REVISION` empty). No `failure`: the run succeeds when the build does; if the
 * build fails, `ifRollbackFails` (`RollbackFailed` with the commands to inspect).
 */
export function decideManualRollback(facts: ManualRollbackFacts): RollbackDecision {
  const { release, namespace, cluster, request } = facts;
  const commands = inspectCommands(facts);
  const target = `release ${release} (namespace ${namespace}, cluster ${cluster})`;
  const to =
    request.toRevision === undefined ? 'the revision before the deployed one' : `revision ${request.toRevision}`;
  const why =
    request.reason === undefined || request.reason === '' ? '' : ` Reason: ${clip(request.reason, MAX_QUOTED_CAUSE)}`;
  return {
    action: 'rollback',
    ...(request.toRevision === undefined ? {} : { toRevision: request.toRevision }),
    reason: `${request.requestedBy} asked to roll ${target} back to ${to}.${why}`,
    needsAttention: false,
    release,
    namespace,
    cluster,
    ifRollbackFails: {
      stage: 'Rollback',
      error: ErrorName.RollbackFailed,
      cause:
        `Could not roll ${target} back to ${to} as ${request.requestedBy} asked: the environment needs a person. ` +
        `Inspect it: ${commands.join('; ')}.`,
    },
    inspectCommands: commands,
    build: {
      projectName: facts.rollbackProject,
      environmentVariables: buildVariables(facts, 'rollback', request.toRevision),
    },
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
