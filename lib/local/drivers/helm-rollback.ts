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
 * Scenario keys read: `outcome: 'fail'`: the rollback fails (as `--wait` does on its deadline).
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
    const rolloutFails = ctx.scenario.outcome === 'fail';
    if (rolloutFails) ctx.log('scenario: the rollback fails');
    if (mode.reason.startsWith('no cluster;')) {
      const target = Number(ctx.environment.TARGET_REVISION ?? 0);
      if (rolloutFails || !cluster.history(vars.release, vars.namespace).some((r) => r.revision === target)) {
        throw new LocalBuildFailed('FAILED', `HelmRollback: no rollback to revision ${target}`);
      }
      return parseStageOutputs('HelmRollback', {});
    }
    await runStageScript('HelmRollback', ctx, {
      cwd: ctx.sourceDir,
      defaults: { ...vars, release: undefined, namespace: undefined },
      overrides: cluster.environment(rolloutFails),
      pathPrepend: [SIMULATED_CLUSTER_BIN],
    });
    return parseStageOutputs('HelmRollback', {});
  }
}
