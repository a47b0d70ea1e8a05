import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { recordingStubs, runStage } from './stub-tools';

const ENV = {
  EKS_CLUSTER: 'deploy-dev',
  AWS_REGION: 'eu-west-1',
  RELEASE: 'sample-service',
  NAMESPACE: 'sample-service',
  ROLLBACK_ACTION: 'rollback',
  TO_REVISION: '3',
  DEPLOY_TIMEOUT_MINUTES: '8',
};
const KUBECONFIG = ['aws', 'eks', 'update-kubeconfig', '--name', 'deploy-dev', '--region', 'eu-west-1'];
const HISTORY = ['helm', 'history', 'sample-service', '--namespace', 'sample-service', '-o', 'json'];
const rollbackTo = (revision: string) => [
  'helm',
  'rollback',
  'sample-service',
  revision,
  '--namespace',
  'sample-service',
  '--wait',
  '--timeout',
  '8m',
];

/** helm: `history` prints `revisions` (or "not found" when undefined); rollback/uninstall exit `exit`. */
function helm(revisions: { revision: number; status: string; description?: string }[] | undefined, exit = 0) {
  const history =
    revisions === undefined ? `echo 'Error: release: not found' >&2; exit 1` : `echo '${JSON.stringify(revisions)}'`;
  return recordingStubs({
    aws: '',
    helm: `case "$1" in
      history) ${history} ;;
      rollback|uninstall) [ ${exit} -eq 0 ] || { echo "Error: $1 failed: context deadline exceeded" >&2; exit ${exit}; } ;;
      *) exit 2 ;;
    esac`,
  });
}

describe('helm-rollback.sh with stub aws and helm (exact commands and flags)', () => {
  test('already restored: Helm’s --rollback-on-failure left TO_REVISION deployed, so nothing more runs', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: ENV,
      stubs: helm([
        { revision: 3, status: 'superseded' },
        { revision: 4, status: 'failed' },
        { revision: 5, status: 'deployed', description: 'Rollback to 3' },
      ]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    // Helm's rollback wrote revision 5 as a copy of 3.
    expect(calls).toEqual([KUBECONFIG, HISTORY]);
    expect(outputs).toEqual({ ROLLBACK_OUTCOME: 'already-restored' });
    expect(run.stdout).toContain(
      "already restored: revision 5 of sample-service is revision 3 (Rollback to 3; Helm's --rollback-on-failure restored it); nothing more to do",
    );
  });

  test('an upgrade that failed without Helm’s rollback is rolled back, though the old revision still reads deployed', () => {
    // Helm marks the failed revision 4 failed and leaves 3 "deployed", but 4's objects were applied.
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: ENV,
      stubs: helm([
        { revision: 2, status: 'superseded' },
        { revision: 3, status: 'deployed' },
        { revision: 4, status: 'failed' },
      ]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([KUBECONFIG, HISTORY, rollbackTo('3')]);
    expect(parseStageOutputs('HelmRollback', outputs)).toEqual({ ROLLBACK_OUTCOME: 'rolled-back' });
  });

  test('restore (no recorded revision): Helm’s own rollback already ran, nothing more to do', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: { ...ENV, ROLLBACK_ACTION: 'restore', TO_REVISION: '' },
      stubs: helm([
        { revision: 3, status: 'superseded' },
        { revision: 4, status: 'failed' },
        { revision: 5, status: 'deployed', description: 'Rollback to 3' },
      ]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([KUBECONFIG, HISTORY]);
    expect(parseStageOutputs('HelmRollback', outputs)).toEqual({ ROLLBACK_OUTCOME: 'already-restored' });
  });

  test('restore: a failed latest revision goes back to the newest revision that ran before it', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: { ...ENV, ROLLBACK_ACTION: 'restore', TO_REVISION: '' },
      stubs: helm([
        { revision: 2, status: 'superseded' },
        { revision: 3, status: 'deployed' },
        { revision: 4, status: 'pending-upgrade' },
      ]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([KUBECONFIG, HISTORY, rollbackTo('3')]);
    expect(run.stdout).toContain(
      'restore: the last good revision of sample-service is 3 (latest 4 is pending-upgrade)',
    );
    expect(parseStageOutputs('HelmRollback', outputs)).toEqual({ ROLLBACK_OUTCOME: 'rolled-back' });
  });

  test('restore: a failed first install (nothing ran before) is uninstalled', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: { ...ENV, ROLLBACK_ACTION: 'restore', TO_REVISION: '' },
      stubs: helm([{ revision: 1, status: 'failed' }]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls.slice(0, 2)).toEqual([KUBECONFIG, HISTORY]);
    expect(calls[2]?.slice(0, 2)).toEqual(['helm', 'uninstall']);
    expect(parseStageOutputs('HelmRollback', outputs)).toEqual({ ROLLBACK_OUTCOME: 'uninstalled' });
  });

  test('rollback to N: a deployed new revision (failed bake) is rolled back to TO_REVISION', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: ENV,
      stubs: helm([
        { revision: 3, status: 'superseded' },
        { revision: 4, status: 'deployed' },
      ]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([KUBECONFIG, HISTORY, rollbackTo('3')]);
    expect(outputs).toEqual({ ROLLBACK_OUTCOME: 'rolled-back' });
    expect(run.stdout).toContain('rolled back: release sample-service runs revision 3 again (was 4, latest deployed)');
  });

  test('a build cut off mid-upgrade (pending-upgrade) is rolled back although TO_REVISION is still deployed', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: ENV,
      stubs: helm([
        { revision: 3, status: 'deployed' },
        { revision: 4, status: 'pending-upgrade' },
      ]),
    });
    expect(run.status).toBe(0);
    expect(calls).toEqual([KUBECONFIG, HISTORY, rollbackTo('3')]);
    expect(outputs).toEqual({ ROLLBACK_OUTCOME: 'rolled-back' });
  });

  test('empty TO_REVISION (manual rollback): the superseded revision before the deployed one', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: { ...ENV, TO_REVISION: '' },
      stubs: helm([
        { revision: 5, status: 'superseded' },
        { revision: 6, status: 'failed' },
        { revision: 7, status: 'deployed' },
      ]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([KUBECONFIG, HISTORY, rollbackTo('5')]);
    expect(outputs).toEqual({ ROLLBACK_OUTCOME: 'rolled-back' });
    expect(run.stdout).toContain('no TO_REVISION: rolling back to revision 5, the one before deployed revision 7');
  });

  test('uninstall after a failed first install that Helm left behind', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: { ...ENV, ROLLBACK_ACTION: 'uninstall', TO_REVISION: '' },
      stubs: helm([{ revision: 1, status: 'failed' }]),
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(calls).toEqual([
      KUBECONFIG,
      HISTORY,
      ['helm', 'uninstall', 'sample-service', '--namespace', 'sample-service', '--wait', '--timeout', '8m'],
    ]);
    expect(outputs).toEqual({ ROLLBACK_OUTCOME: 'uninstalled' });
  });

  test('uninstall when Helm already removed the failed first install: already restored', () => {
    const { run, outputs, calls } = runStage('helm-rollback.sh', {
      env: { ...ENV, ROLLBACK_ACTION: 'uninstall', TO_REVISION: '' },
      stubs: helm(undefined),
    });
    expect(run.status).toBe(0);
    expect(calls).toEqual([KUBECONFIG, HISTORY]);
    expect(outputs).toEqual({ ROLLBACK_OUTCOME: 'already-restored' });
    expect(run.stdout).toContain('already restored: release sample-service does not exist');
  });

  test('a failing helm rollback fails the build with no outcome', () => {
    const { run, outputs } = runStage('helm-rollback.sh', {
      env: ENV,
      stubs: helm(
        [
          { revision: 3, status: 'superseded' },
          { revision: 4, status: 'deployed' },
        ],
        1,
      ),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Error: rollback failed: context deadline exceeded');
    expect(outputs).toEqual({});
  });

  test.each([
    [{ TO_REVISION: '9' }, 'release sample-service has no revision 9 (its history keeps 3, 4)'],
    [{ ROLLBACK_ACTION: 'undo' }, 'ROLLBACK_ACTION must be rollback, uninstall or restore, not undo'],
    [{ TO_REVISION: '0' }, 'TO_REVISION must be a revision number from 1, or empty, not 0'],
  ])('%j is refused without rolling back', (override, message) => {
    const { run, calls, outputs } = runStage('helm-rollback.sh', {
      env: { ...ENV, ...override },
      stubs: helm([
        { revision: 3, status: 'superseded' },
        { revision: 4, status: 'deployed' },
      ]),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(message);
    expect(calls.some((c) => c[1] === 'rollback')).toBe(false);
    expect(outputs).toEqual({});
  });

  test('rollback of a release that does not exist fails, naming it', () => {
    const { run } = runStage('helm-rollback.sh', { env: ENV, stubs: helm(undefined) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'release sample-service does not exist in namespace sample-service: nothing to roll back',
    );
  });
});
