import { parseStageOutputs, type StageOutputs } from '../../contracts/stage-outputs';
import { runStageScript } from '../run-stage-script';
import { SIMULATED_CLUSTER_BIN, SimulatedCluster } from '../simulated-cluster';
import { LocalBuildFailed, type StageDriver, type StageMode, type StageRunContext } from '../stage-driver';
import { detectHelm, helmVariables } from './helm-deploy';

/**
 * HelmRollback on this machine: `lib/stages/scripts/helm-rollback.sh` runs for real against the
 * run's {@link SimulatedCluster}, whose revisions this run's HelmDeploy recorded; `helm rollback`
 * to a revision the release never had fails as Helm does. Nothing of a rollback can run for real
 * without a cluster (it renders nothing), so the mode is `simulated`, with the reason.
 *
 * Variables come from `ctx.environment` (the Rollback decision's build.environmentVariables:
 * RELEASE, NAMESPACE, EKS_CLUSTER, ROLLBACK_ACTION, TO_REVISION, DEPLOY_TIMEOUT_MINUTES), else the
 * run settings. The outcome (ROLLBACK_OUTCOME: already-restored, rolled-back or uninstalled) follows
 * from the release's recorded history, as the script decides it.
 *
 * Scenario keys read: `outcome: 'fail'`: the rollback build fails (helm rollback/uninstall fail as
 * `--wait` does on its deadline; without the script, the build fails); `releaseRevision` (number,
 * default 0): revisions the release had when the run started, for a run without a HelmDeploy (a
 * rollback a person asked for).
 */
export class HelmRollbackDriver implements StageDriver<'HelmRollback'> {
  readonly stage = 'HelmRollback';

  async detect(): Promise<StageMode> {
    const { missing, helm } = detectHelm();
    if (missing || !helm) {
      return {
        mode: 'simulated',
        reason: `no cluster; the rollback is recorded without its script (${missing ?? 'no Helm'})`,
      };
    }
    return {
      mode: 'simulated',
      reason:
        'helm-rollback.sh runs against a simulated cluster (no Kubernetes API here): revisions from this run’s HelmDeploy',
    };
  }

  async run(ctx: StageRunContext, mode: StageMode): Promise<StageOutputs<'HelmRollback'>> {
    const cluster = new SimulatedCluster(ctx);
    const vars = helmVariables(ctx);
    // A rollback a person asked for runs without a HelmDeploy in the run: the scenario says what
    // the release had (as for HelmDeploy).
    const seeded = Number(ctx.scenario.releaseRevision ?? 0);
    if (!Number.isInteger(seeded) || seeded < 0) {
      throw new Error(
        `HelmRollback scenario releaseRevision must be a whole number, not ${ctx.scenario.releaseRevision}`,
      );
    }
    cluster.seed(vars.release, vars.namespace, seeded);
    const rolloutFails = ctx.scenario.outcome === 'fail';
    if (rolloutFails) ctx.log('scenario: the rollback fails');
    if (mode.reason.startsWith('no cluster;')) {
      if (rolloutFails) throw new LocalBuildFailed('FAILED', 'HelmRollback: the rollback failed (scenario)');
      return parseStageOutputs('HelmRollback', { ROLLBACK_OUTCOME: simulatedOutcome(ctx, cluster, vars) });
    }
    const { outputs } = await runStageScript('HelmRollback', ctx, {
      cwd: ctx.sourceDir,
      defaults: {
        ...vars,
        ROLLBACK_ACTION: ctx.environment.ROLLBACK_ACTION ?? 'rollback',
        release: undefined,
        namespace: undefined,
      },
      overrides: cluster.environment(rolloutFails),
      pathPrepend: [SIMULATED_CLUSTER_BIN],
    });
    return parseStageOutputs('HelmRollback', outputs);
  }
}

/** The outcome helm-rollback.sh would report, from the recorded history (no Helm here). */
function simulatedOutcome(
  ctx: StageRunContext,
  cluster: SimulatedCluster,
  vars: { release: string; namespace: string },
): 'already-restored' | 'rolled-back' | 'uninstalled' {
  const history = cluster.history(vars.release, vars.namespace);
  if (ctx.environment.ROLLBACK_ACTION === 'uninstall') return history.length === 0 ? 'already-restored' : 'uninstalled';
  if (ctx.environment.ROLLBACK_ACTION === 'restore') {
    const latest = history.at(-1);
    if (latest === undefined || (latest.status === 'deployed' && latest.description?.startsWith('Rollback to'))) {
      return 'already-restored';
    }
    return history.some((r) => r.revision < latest.revision && ['deployed', 'superseded'].includes(r.status))
      ? 'rolled-back'
      : 'uninstalled';
  }
  const deployed = history.filter((r) => r.status === 'deployed').at(-1);
  const target = Number(ctx.environment.TO_REVISION || 0);
  if (target > 0 && !history.some((r) => r.revision === target)) {
    throw new LocalBuildFailed('FAILED', `HelmRollback: release ${vars.release} has no revision ${target}`);
  }
  return deployed !== undefined && (deployed.revision === target || deployed.description === `Rollback to ${target}`)
    ? 'already-restored'
    : 'rolled-back';
}
