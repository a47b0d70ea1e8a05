import { Logger } from '@aws-lambda-powertools/logger';
import { decideRollback, type RollbackFacts } from '../../lambdas/rollback/decide-rollback';
import { handleRollback, InvalidRollbackRequest } from '../../lambdas/rollback/handle-rollback';
import { previousRevisionFromCause } from '../../lambdas/rollback/revision-from-cause';
import { rollbackDecisionSchema } from '../../lib/contracts/rollback';
import { STAGE_EXPORTS } from '../../lib/contracts/stage-outputs';

const logger = new Logger({ serviceName: 'rollback-test', logLevel: 'SILENT' });

/** A failed HelmDeploy cause as the workflow records it: `<Error>: <the build as JSON>`. */
function buildCause(exported: Array<{ Name: string; Value: string }> | undefined, wrap = false): string {
  const build = {
    Id: 'helm-deploy:0b1c',
    BuildStatus: 'FAILED',
    ...(exported === undefined ? {} : { ExportedEnvironmentVariables: exported }),
  };
  return `States.TaskFailed: ${JSON.stringify(wrap ? { Build: build } : build)}`;
}

const facts = (over: Partial<RollbackFacts> = {}): RollbackFacts => ({
  failure: { stage: 'VerifyDeployment', error: 'AlarmDuringBake', cause: 'Alarm(s) in ALARM: orders-5xx' },
  release: 'orders',
  namespace: 'orders',
  cluster: 'prod-eks',
  rollbackProject: 'DeployPipeline-helm-rollback-prod-eks',
  deploySucceeded: true,
  previousRevision: 7,
  helmTimeoutMinutes: 10,
  ...over,
});

const variables = (decision: ReturnType<typeof decideRollback>) =>
  Object.fromEntries((decision.build?.environmentVariables ?? []).map((v) => [v.Name, v.Value]));

describe('decideRollback: the decision table', () => {
  test.each([
    ['RunTests', 'RunTestsFailed'],
    ['PlanGuard', 'DestructiveChangeBlocked'],
    ['WaitForScan', 'ScanFindingsAboveThreshold'],
  ])('%s failed (%s) before HelmDeploy started: nothing to undo, the failure stays as it is', (stage, error) => {
    const failure = { stage, error, cause: 'it broke' };
    const decision = decideRollback(facts({ failure, deploySucceeded: false, previousRevision: undefined }));
    expect(decision).toMatchObject({ action: 'none', needsAttention: false, failure });
    expect(decision.build).toBeUndefined();
    expect(decision.reason).toBe(
      `${stage} failed with ${error} before HelmDeploy started: nothing was deployed, nothing to undo.`,
    );
  });

  test('TerraformApply failed: no Helm rollback, the environment needs attention, and the cause says so first', () => {
    const failure = {
      stage: 'TerraformApply',
      error: 'TerraformApplyFailed',
      cause: 'States.TaskFailed: build FAILED',
    };
    const decision = decideRollback(facts({ failure, deploySucceeded: false, previousRevision: undefined }));
    expect(decision).toMatchObject({ action: 'none', needsAttention: true });
    expect(decision.build).toBeUndefined();
    expect(decision.failure?.stage).toBe('TerraformApply');
    expect(decision.failure?.error).toBe('TerraformApplyFailed');
    expect(decision.failure?.cause).toMatch(
      /^TerraformApply failed with TerraformApplyFailed\. Infrastructure is never rolled back automatically: the environment needs attention/,
    );
    expect(decision.failure?.cause.endsWith('States.TaskFailed: build FAILED')).toBe(true);
  });

  test('HelmDeploy failed on a first install (previous 0): uninstall, the run still ends HelmDeployFailed', () => {
    const failure = { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'States.TaskFailed: build FAILED' };
    const decision = decideRollback(facts({ failure, deploySucceeded: false, previousRevision: 0 }));
    expect(decision.action).toBe('uninstall');
    expect(decision.toRevision).toBeUndefined();
    expect(variables(decision)).toEqual({
      ROLLBACK_ACTION: 'uninstall',
      RELEASE: 'orders',
      NAMESPACE: 'orders',
      EKS_CLUSTER: 'prod-eks',
      TO_REVISION: '',
      DEPLOY_TIMEOUT_MINUTES: '10',
    });
    expect(decision.build?.projectName).toBe('DeployPipeline-helm-rollback-prod-eks');
    expect(decision.failure).toEqual({
      stage: 'HelmDeploy',
      error: 'HelmDeployFailed',
      cause:
        'The new release orders (namespace orders, cluster prod-eks) is uninstalled. States.TaskFailed: build FAILED',
    });
    expect(decision.reason).toContain(
      "Helm's own --rollback-on-failure may have uninstalled it already; the build checks first.",
    );
    expect(decision.ifRollbackFails.cause).toMatch(
      /^Could not uninstall the new release orders \(namespace orders, cluster prod-eks\) after HelmDeploy failed with HelmDeployFailed/,
    );
  });

  test('HelmDeploy failed with a previous revision: roll back to it; the build first checks whether Helm already did', () => {
    const failure = { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'States.Timeout: build TIMED_OUT' };
    const decision = decideRollback(facts({ failure, deploySucceeded: false, previousRevision: 4 }));
    expect(decision).toMatchObject({ action: 'rollback', toRevision: 4, needsAttention: false });
    expect(variables(decision)).toEqual({
      ROLLBACK_ACTION: 'rollback',
      RELEASE: 'orders',
      NAMESPACE: 'orders',
      EKS_CLUSTER: 'prod-eks',
      TO_REVISION: '4',
      DEPLOY_TIMEOUT_MINUTES: '10',
    });
    expect(decision.failure).toEqual({
      stage: 'HelmDeploy',
      error: 'HelmDeployFailed',
      cause:
        'Release orders (namespace orders, cluster prod-eks) is back on revision 4. States.Timeout: build TIMED_OUT',
    });
    expect(decision.reason).toContain(
      "Helm's own --rollback-on-failure may have restored it already; the build checks first.",
    );
  });

  test('HelmDeploy failed without reporting the revision (a failed build exports nothing): restore from the history', () => {
    const failure = { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'States.TaskFailed: build FAILED' };
    const decision = decideRollback(facts({ failure, deploySucceeded: false, previousRevision: undefined }));
    expect(decision).toMatchObject({ action: 'restore', needsAttention: false });
    expect(decision.toRevision).toBeUndefined();
    expect(variables(decision)).toMatchObject({ ROLLBACK_ACTION: 'restore', TO_REVISION: '' });
    // The run still ends with the deploy's failure; a failed restore build ends it RollbackFailed.
    expect(decision.failure).toMatchObject({ stage: 'HelmDeploy', error: 'HelmDeployFailed' });
    expect(decision.failure?.cause).toContain('is back on its last good revision. States.TaskFailed: build FAILED');
    expect(decision.ifRollbackFails?.error).toBe('RollbackFailed');
    expect(decision.ifRollbackFails?.cause).toContain('helm history orders --namespace orders --max 10');
  });

  test('VerifyDeployment failed (AlarmDuringBake): roll back to the recorded revision, the run ends RolledBack', () => {
    const decision = decideRollback(facts());
    expect(decision).toMatchObject({ action: 'rollback', toRevision: 7 });
    expect(variables(decision).TO_REVISION).toBe('7');
    // The stage that found the release unhealthy: the run reads "VerifyDeployment failed: RolledBack".
    expect(decision.failure).toEqual({
      stage: 'VerifyDeployment',
      error: 'RolledBack',
      cause:
        'Release orders (namespace orders, cluster prod-eks) is back on revision 7. VerifyDeployment failed with AlarmDuringBake: Alarm(s) in ALARM: orders-5xx',
    });
  });

  test('VerifyDeployment failed after a first install (previous 0): uninstall, the run ends RolledBack', () => {
    const decision = decideRollback(facts({ previousRevision: 0 }));
    expect(decision.action).toBe('uninstall');
    expect(variables(decision).ROLLBACK_ACTION).toBe('uninstall');
    // Always passed (the script reads it); empty with an uninstall.
    expect(variables(decision).TO_REVISION).toBe('');
    expect(decision.failure?.error).toBe('RolledBack');
  });

  test('a failure after a successful deploy with no recorded revision: RollbackFailed, nothing started', () => {
    const decision = decideRollback(facts({ previousRevision: undefined }));
    expect(decision.action).toBe('none');
    expect(decision.failure?.error).toBe('RollbackFailed');
    expect(decision.needsAttention).toBe(true);
  });

  test('every decision says what a failed rollback build leaves: RollbackFailed, the exact commands and the original failure', () => {
    const decision = decideRollback(facts({ helmTimeoutMinutes: 15 }));
    expect(variables(decision).DEPLOY_TIMEOUT_MINUTES).toBe('15');
    expect(decision.inspectCommands).toEqual([
      'aws eks update-kubeconfig --name prod-eks',
      'helm history orders --namespace orders --max 10',
      'helm status orders --namespace orders',
      'kubectl get pods --namespace orders -l app.kubernetes.io/instance=orders',
    ]);
    expect(decision.ifRollbackFails.stage).toBe('Rollback');
    expect(decision.ifRollbackFails.error).toBe('RollbackFailed');
    expect(decision.ifRollbackFails.cause).toMatch(
      /^Could not roll back release orders \(namespace orders, cluster prod-eks\) to revision 7 after VerifyDeployment failed with AlarmDuringBake: the environment needs a person\. Inspect it: aws eks update-kubeconfig --name prod-eks; helm history/,
    );
    expect(decision.ifRollbackFails.cause.endsWith('Original failure: Alarm(s) in ALARM: orders-5xx')).toBe(true);
    // A long original cause (a build's JSON) is cut in the RollbackFailed record, not in the failure itself.
    const long = decideRollback(
      facts({ failure: { stage: 'VerifyDeployment', error: 'VersionMismatch', cause: 'x'.repeat(5000) } }),
    );
    expect(long.ifRollbackFails.cause.length).toBeLessThan(1_500);
    expect(long.failure?.cause).toContain('x'.repeat(5000));
  });

  test('every decision matches the published output schema, with a build exactly when there is an action', () => {
    const cases: RollbackFacts[] = [
      facts(),
      facts({ previousRevision: 0 }),
      facts({ previousRevision: undefined }),
      facts({ failure: { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'c' }, deploySucceeded: false }),
      facts({
        failure: { stage: 'TerraformApply', error: 'TerraformApplyFailed', cause: 'c' },
        deploySucceeded: false,
      }),
      facts({ failure: { stage: 'RunTests', error: 'RunTestsFailed', cause: 'c' }, deploySucceeded: false }),
    ];
    for (const c of cases) {
      const decision = rollbackDecisionSchema.parse(decideRollback(c));
      expect([decision.action, decision.build !== undefined]).toEqual([decision.action, decision.action !== 'none']);
    }
  });
});

describe('previousRevisionFromCause: PREVIOUS_REVISION of a failed HelmDeploy build', () => {
  test('reads the variable HelmDeploy declares (lib/contracts/stage-outputs.ts)', () => {
    expect(STAGE_EXPORTS.HelmDeploy).toContain('PREVIOUS_REVISION');
  });

  test('reads it from the build JSON, bare or under "Build"', () => {
    const exported = [
      { Name: 'PREVIOUS_REVISION', Value: '3' },
      { Name: 'HELM_REVISION', Value: '' },
    ];
    expect(previousRevisionFromCause(buildCause(exported))).toBe(3);
    expect(previousRevisionFromCause(buildCause(exported, true))).toBe(3);
    expect(previousRevisionFromCause(buildCause([{ Name: 'PREVIOUS_REVISION', Value: '0' }]))).toBe(0);
  });

  test.each([
    ['no JSON in the cause', 'States.Timeout: the task timed out'],
    ['JSON cut off', buildCause([{ Name: 'PREVIOUS_REVISION', Value: '3' }]).slice(0, 60)],
    ['no exported variables', buildCause(undefined)],
    ['not exported', buildCause([{ Name: 'HELM_REVISION', Value: '4' }])],
    ['not a number', buildCause([{ Name: 'PREVIOUS_REVISION', Value: 'none' }])],
    ['a lone brace', 'States.TaskFailed: {'],
  ])('%s: unknown', (_what, cause) => {
    expect(previousRevisionFromCause(cause)).toBeUndefined();
  });
});

describe('handleRollback: from the execution state the workflow hands over', () => {
  /** The state at `Rollback`, shaped as the workflow builds it ($.run from LoadRunSettings, $.deploy from HelmDeploy). */
  const state = (over: Record<string, unknown>) => ({
    state: {
      service: 'orders',
      environment: 'prod',
      trigger: 'push',
      source: { commit: 'a'.repeat(40) },
      run: {
        prefix: 'runs/orders-prod-aaaaaaa-1/',
        settings: {
          release: 'orders',
          namespace: 'orders',
          eksCluster: 'prod-eks',
          rollbackProject: 'DeployPipeline-helm-rollback-prod-eks',
          deployProject: 'DeployPipeline-helm-deploy-prod-eks',
          chart: 'app/chart',
          deploy: { timeoutMinutes: 12, bakeSeconds: 300, alarms: [] },
        },
      },
      ...over,
    },
  });

  test('after a successful deploy: the revision comes from $.deploy (JSONPath filter lists), the timeout from the run settings', async () => {
    const decision = await handleRollback(
      state({
        deploy: { buildId: 'b', status: 'SUCCEEDED', previousRevision: ['5'], revision: ['6'] },
        error: { failure: { stage: 'VerifyDeployment', error: 'VersionMismatch', cause: 'reported 0123' } },
      }),
      { logger },
    );
    expect(decision).toMatchObject({ action: 'rollback', toRevision: 5 });
    expect(decision.build?.environmentVariables).toContainEqual({
      Name: 'DEPLOY_TIMEOUT_MINUTES',
      Type: 'PLAINTEXT',
      Value: '12',
    });
    expect(decision.failure?.error).toBe('RolledBack');
  });

  test('after a failed deploy: the revision comes from the failed build in the cause', async () => {
    const decision = await handleRollback(
      state({
        error: {
          failure: {
            stage: 'HelmDeploy',
            error: 'HelmDeployFailed',
            cause: buildCause([{ Name: 'PREVIOUS_REVISION', Value: '2' }]),
          },
        },
      }),
      { logger },
    );
    expect(decision).toMatchObject({ action: 'rollback', toRevision: 2 });
  });

  test('a deploy result without a recorded revision ([] from the filter) counts as not recorded', async () => {
    const decision = await handleRollback(
      state({
        deploy: { previousRevision: [], revision: ['6'] },
        error: { failure: { stage: 'VerifyDeployment', error: 'AlarmDuringBake', cause: 'c' } },
      }),
      { logger },
    );
    expect(decision.failure?.error).toBe('RollbackFailed');
  });

  test('a manual rollback (trigger rollback, $.rollbackRequest) to a given revision: no failure, the run succeeds with the build', async () => {
    const decision = await handleRollback(
      state({
        trigger: 'rollback',
        rollbackRequest: { toRevision: 3, requestedBy: 'arn:aws:iam::123456789012:user/ana', reason: 'bad release' },
      }),
      { logger },
    );
    expect(rollbackDecisionSchema.parse(decision)).toEqual(decision);
    expect(decision).toMatchObject({ action: 'rollback', toRevision: 3, needsAttention: false });
    expect(decision.failure).toBeUndefined();
    expect(decision.reason).toBe(
      'arn:aws:iam::123456789012:user/ana asked to roll release orders (namespace orders, cluster prod-eks) back to revision 3. Reason: bad release',
    );
    expect(variables(decision)).toEqual({
      ROLLBACK_ACTION: 'rollback',
      RELEASE: 'orders',
      NAMESPACE: 'orders',
      EKS_CLUSTER: 'prod-eks',
      TO_REVISION: '3',
      DEPLOY_TIMEOUT_MINUTES: '12',
    });
    expect(decision.ifRollbackFails).toMatchObject({ stage: 'Rollback', error: 'RollbackFailed' });
    expect(decision.ifRollbackFails.cause).toContain('helm history orders --namespace orders --max 10');
  });

  test('a manual rollback without a revision: TO_REVISION empty, the build takes the one before the deployed revision', async () => {
    const decision = await handleRollback(state({ trigger: 'rollback', rollbackRequest: { requestedBy: 'ana' } }), {
      logger,
    });
    expect(decision.toRevision).toBeUndefined();
    expect(variables(decision).TO_REVISION).toBe('');
    expect(decision.reason).toContain('back to the revision before the deployed one.');
  });

  test('a state with both a failure and a rollback request, or neither, is refused', async () => {
    const failure = { failure: { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause: 'c' } };
    await expect(
      handleRollback(state({ error: failure, rollbackRequest: { requestedBy: 'ana' } }), { logger }),
    ).rejects.toThrow('must hold exactly one of error.failure');
    await expect(handleRollback(state({}), { logger })).rejects.toThrow('must hold exactly one of error.failure');
    await expect(
      handleRollback(state({ rollbackRequest: { requestedBy: 'ana', toRevision: 0 } }), { logger }),
    ).rejects.toThrow('state.rollbackRequest.toRevision');
  });

  test('input that is not the execution state fails, naming each missing field', async () => {
    await expect(handleRollback({ state: { service: 'orders', environment: 'prod' } }, { logger })).rejects.toThrow(
      InvalidRollbackRequest,
    );
    await expect(handleRollback({ state: { service: 'orders', environment: 'prod' } }, { logger })).rejects.toThrow(
      'Rollback input is not the execution state: state.run: required',
    );
    await expect(
      handleRollback(
        state({ deploy: { previousRevision: ['x'] }, error: { failure: { stage: 's', error: 'e', cause: 'c' } } }),
        { logger },
      ),
    ).rejects.toThrow('state.deploy.previousRevision');
  });
});
