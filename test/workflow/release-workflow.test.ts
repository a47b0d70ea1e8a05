import { lockKeyOf } from '../../lib/contracts/deploy-lock';
import { FINAL_EVENT_TYPES, type PipelineEventType } from '../../lib/contracts/pipeline-event';
import { LOCK_POLICY, pushInput, RUN_SETTINGS, runScenario, type ScenarioRun } from './harness';

/**
 * The release side of the rewritten workflow on the local runner (real ASL, real rollback decision,
 * verify and approval handlers; builds simulated): bake and rollback, approval, promotion, the
 * deferred first image, a manual rollback and the transition budget (issue 17).
 */

const LOCK_KEY = lockKeyOf('sample-service', 'dev');
const REPOSITORY = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service';
const ALARM = 'sample-service-5xx';

type BuildCall = { ProjectName?: string; EnvironmentVariablesOverride: Array<{ Name: string; Value?: string }> };
/** The environment variables one build call of `state` got, by name. */
function envOf(run: ScenarioRun, state: string, attempt = 0): Record<string, string | undefined> {
  const call = run.calls[state]?.[attempt] as BuildCall | undefined;
  return Object.fromEntries((call?.EnvironmentVariablesOverride ?? []).map((v) => [v.Name, v.Value]));
}

/** The run released the lock, and told exactly one final outcome. */
async function expectReleasedAndOneFinal(run: ScenarioRun, final: PipelineEventType) {
  expect(run.calls.ReleaseLock).toHaveLength(1);
  expect((await run.lockTable.getLock(LOCK_KEY))?.holder ?? null).toBeNull();
  const finals = run.notifications.filter((n) => FINAL_EVENT_TYPES.includes(n.type));
  expect(finals.map((n) => n.type)).toEqual([final]);
}

/** The states entered from `from` on, up to and including `to`. */
function pathBetween(run: ScenarioRun, from: string, to: string): string[] {
  const start = run.entered.indexOf(from);
  return run.entered.slice(start, run.entered.indexOf(to, start) + 1);
}

describe('deploy pipeline: bake and rollback (real decision, simulated Helm)', () => {
  test('HelmDeploy fails: the release is restored, the run ends HelmDeployFailed, lock released, one failure', async () => {
    const run = await runScenario({ input: pushInput(), stages: { HelmDeploy: 'fail' } });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('HelmDeployFailed');
    expect(pathBetween(run, 'HelmDeployFailed', 'ReleaseLock')).toEqual([
      'HelmDeployFailed',
      'Rollback',
      'ChooseRollbackAction',
      'RollbackRelease',
      'RollbackDone',
      'ReleaseLock',
    ]);
    // A failed build exports nothing: the decision is `restore` (the build finds the last good revision).
    expect(envOf(run, 'RollbackRelease')).toMatchObject({
      ROLLBACK_ACTION: 'restore',
      RELEASE: 'sample-service',
      NAMESPACE: 'sample-service',
      EKS_CLUSTER: 'deploy-dev',
      TO_REVISION: '',
      DEPLOY_TIMEOUT_MINUTES: '10',
    });
    expect((run.calls.RollbackRelease?.[0] as BuildCall | undefined)?.ProjectName).toBe('helm-rollback');
    expect(run.notifications.at(-1)?.failure).toMatchObject({ stage: 'HelmDeploy', error: 'HelmDeployFailed' });
    expect(String(run.error?.Cause)).toContain('is back on its last good revision');
    expect(run.calls.VerifyDeployment).toBeUndefined();
    await expectReleasedAndOneFinal(run, 'failed');
  });

  test('an alarm during the bake rolls back to the recorded PREVIOUS_REVISION and ends RolledBack', async () => {
    const run = await runScenario({
      input: pushInput(),
      settings: { ...RUN_SETTINGS, deploy: { ...RUN_SETTINGS.deploy, alarms: [ALARM] } },
      wishes: { VerifyDeployment: { alarms: { [ALARM]: 'ALARM' } } },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('RolledBack');
    expect(pathBetween(run, 'HelmDeploy', 'RollbackDone')).toEqual([
      'HelmDeploy',
      'WaitBake',
      'VerifyDeployment',
      'BakeFailed',
      'Rollback',
      'ChooseRollbackAction',
      'RollbackRelease',
      'RollbackDone',
    ]);
    // The verify function got the deploy settings and the build's exported variables.
    const verify = (run.calls.VerifyDeployment?.[0] as { Payload: Record<string, unknown> } | undefined)?.Payload;
    expect(verify).toMatchObject({ commit: pushInput().source.commit, deploy: { alarms: [ALARM], bakeSeconds: 60 } });
    // HelmDeploy recorded PREVIOUS_REVISION=4 (harness sample): the rollback goes there.
    expect(envOf(run, 'RollbackRelease')).toMatchObject({ ROLLBACK_ACTION: 'rollback', TO_REVISION: '4' });
    const failure = run.notifications.at(-1)?.failure;
    expect(failure).toMatchObject({ stage: 'VerifyDeployment', error: 'RolledBack' });
    expect(String(failure?.cause)).toContain('is back on revision 4');
    expect(String(failure?.cause)).toContain('VerifyDeployment failed with AlarmDuringBake');
    expect(String(failure?.cause)).toContain(ALARM);
    await expectReleasedAndOneFinal(run, 'rolled_back');
  });

  test('/version reporting another commit (VersionMismatch) rolls back and ends RolledBack', async () => {
    const run = await runScenario({
      input: pushInput(),
      exported: { HelmDeploy: { DEPLOYED_COMMIT: 'f'.repeat(40), PREVIOUS_REVISION: '7', HELM_REVISION: '8' } },
    });

    expect(run.error?.Error).toBe('RolledBack');
    expect(run.entered).toContain('BakeFailed');
    expect(envOf(run, 'RollbackRelease')).toMatchObject({ ROLLBACK_ACTION: 'rollback', TO_REVISION: '7' });
    const cause = String(run.notifications.at(-1)?.failure?.cause);
    expect(cause).toContain('VerifyDeployment failed with VersionMismatch');
    expect(cause).toContain('f'.repeat(40));
    await expectReleasedAndOneFinal(run, 'rolled_back');
  });

  test('a rollback build that fails ends RollbackFailed with the commands to inspect the release', async () => {
    const run = await runScenario({ input: pushInput(), stages: { HelmDeploy: 'fail', HelmRollback: 'fail' } });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('RollbackFailed');
    expect(pathBetween(run, 'RollbackRelease', 'ReleaseLock')).toEqual([
      'RollbackRelease',
      'RollbackFailed',
      'ReleaseLock',
    ]);
    const failure = run.notifications.at(-1)?.failure;
    expect(failure).toMatchObject({ stage: 'Rollback', error: 'RollbackFailed' });
    for (const command of [
      'aws eks update-kubeconfig --name deploy-dev',
      'helm history sample-service --namespace sample-service',
      'helm status sample-service --namespace sample-service',
    ]) {
      expect(String(failure?.cause)).toContain(command);
    }
    // The rollback build's own error follows.
    expect(String(failure?.cause)).toContain('Rollback build: States.TaskFailed: ');
    await expectReleasedAndOneFinal(run, 'rollback_failed');
  });

  test('TerraformApply fails: no Helm rollback build, and the cause says infrastructure is never rolled back', async () => {
    const run = await runScenario({ input: pushInput(), stages: { TerraformApply: 'fail' } });

    expect(run.error?.Error).toBe('TerraformApplyFailed');
    expect(pathBetween(run, 'TerraformApplyFailed', 'ReleaseLock')).toEqual([
      'TerraformApplyFailed',
      'Rollback',
      'ChooseRollbackAction',
      'RollbackNotNeeded',
      'ReleaseLock',
    ]);
    for (const state of ['RollbackRelease', 'RollbackOnRequest', 'HelmDeploy', 'WaitForScan']) {
      expect(run.calls[state]).toBeUndefined();
    }
    expect(run.notifications.at(-1)?.failure).toMatchObject({ stage: 'TerraformApply', error: 'TerraformApplyFailed' });
    expect(String(run.error?.Cause)).toContain('Infrastructure is never rolled back automatically');
    await expectReleasedAndOneFinal(run, 'failed');
  });
});

describe('deploy pipeline: approval, promotion, a first push, a manual rollback', () => {
  const approvalPolicy = { ...LOCK_POLICY, approval: { ...LOCK_POLICY.approval, required: true } };

  test('an environment that requires approval waits for it after its checks; approved, it applies and deploys', async () => {
    const run = await runScenario({
      input: pushInput(),
      policy: approvalPolicy,
      wishes: { WaitForApproval: { answer: 'approve' } },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.WaitForApproval).toHaveLength(1);
    const at = (s: string) => run.entered.indexOf(s);
    expect(at('Verify')).toBeLessThan(at('WaitForApproval'));
    expect(at('WaitForApproval')).toBeLessThan(at('TerraformApply'));
    // Back to the same choice, which now goes on to apply.
    expect(run.entered.filter((s) => s === 'ChooseTerraformApply')).toHaveLength(2);
    const ask = (run.calls.WaitForApproval?.[0] as { Payload: Record<string, unknown> } | undefined)?.Payload;
    expect(ask).toMatchObject({
      service: 'sample-service',
      environment: 'dev',
      commit: pushInput().source.commit,
      taskToken: expect.any(String),
      plan: expect.objectContaining({ hasChanges: ['true'] }),
    });
    expect(run.calls.TerraformApply).toHaveLength(1);
    expect(run.calls.HelmDeploy).toHaveLength(1);
    expect((run.output as { approval: unknown }).approval).toMatchObject({ approved: true });
    await expectReleasedAndOneFinal(run, 'succeeded');
  });

  test.each([
    ['reject', 'ApprovalRejected'],
    ['timeout', 'ApprovalTimedOut'],
  ] as const)('an approval answered %s ends %s: lock released, nothing applied or deployed', async (answer, error) => {
    const run = await runScenario({
      input: pushInput(),
      policy: approvalPolicy,
      wishes: { WaitForApproval: { answer } },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe(error);
    for (const state of ['TerraformApply', 'BuildDeferredImage', 'WaitForScan', 'HelmDeploy', 'RollbackRelease']) {
      expect(run.calls[state]).toBeUndefined();
    }
    expect(run.entered).not.toContain('Rollback');
    expect(run.notifications.at(-1)?.failure).toMatchObject({ stage: 'WaitForApproval', error });
    if (error === 'ApprovalTimedOut') {
      expect(String(run.error?.Cause)).toContain('no approval within 86400 seconds; nothing was changed');
    }
    await expectReleasedAndOneFinal(run, 'failed');
  });

  test('a promotion builds nothing, waits for no scan and deploys the digest it was given', async () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    const source = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service-dev';
    const run = await runScenario({
      input: pushInput({
        trigger: 'promotion',
        changes: { app: true, infra: false, paths: null },
        image: { repository: source, digest },
      }),
    });

    expect(run.status).toBe('SUCCEEDED');
    for (const state of ['BuildImage', 'BuildDeferredImage', 'WaitForScan', 'PollScan']) {
      expect(run.calls[state]).toBeUndefined();
    }
    expect(run.entered).toContain('PromotedImage');
    expect(envOf(run, 'HelmDeploy').IMAGE_URI).toBe(`${source}@${digest}`);
    // The promoted image still gets its tests run against the commit, and the bake's check.
    expect(run.calls.RunTests).toHaveLength(1);
    expect(run.calls.VerifyDeployment).toHaveLength(1);
    await expectReleasedAndOneFinal(run, 'succeeded');
  });

  test('a first push whose BuildImage defers (no ECR repository yet) builds after TerraformApply and deploys', async () => {
    const run = await runScenario({
      input: pushInput(),
      exported: { BuildImage: { IMAGE_DEFERRED: 'true', IMAGE_URI: undefined, IMAGE_DIGEST: undefined } },
      // The repository is missing for the first build; BuildDeferredImage runs once Terraform made it.
      wishes: { BuildImage: { repository: 'missing' }, BuildDeferredImage: {} },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(envOf(run, 'BuildImage').ON_MISSING_REPOSITORY).toBe('defer');
    expect(envOf(run, 'BuildDeferredImage').ON_MISSING_REPOSITORY).toBe('fail');
    const at = (s: string) => run.entered.indexOf(s);
    expect(at('TerraformApply')).toBeLessThan(at('BuildDeferredImage'));
    expect(at('BuildDeferredImage')).toBeLessThan(at('WaitForScan'));
    expect(at('WaitForScan')).toBeLessThan(at('HelmDeploy'));
    const image = envOf(run, 'HelmDeploy').IMAGE_URI;
    expect(image).toMatch(new RegExp(`^${REPOSITORY.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`));
    await expectReleasedAndOneFinal(run, 'succeeded');
  });

  test('a manual rollback runs only the rollback build and ends SUCCEEDED with the lock released', async () => {
    const run = await runScenario({
      input: pushInput({
        trigger: 'rollback',
        changes: { app: false, infra: false, paths: [] },
        rollbackRequest: { toRevision: 3, requestedBy: 'octocat', reason: 'bad release' },
      }),
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(pathBetween(run, 'ChooseTerraformApply', 'ReleaseLock')).toEqual([
      'ChooseTerraformApply',
      'Rollback',
      'ChooseRollbackAction',
      'RollbackOnRequest',
      'ReleaseLock',
    ]);
    const builds = Object.keys(run.calls).filter(
      (state) => (run.calls[state]?.[0] as BuildCall)?.EnvironmentVariablesOverride,
    );
    expect(builds).toEqual(['RollbackOnRequest']);
    expect(envOf(run, 'RollbackOnRequest')).toMatchObject({ ROLLBACK_ACTION: 'rollback', TO_REVISION: '3' });
    await expectReleasedAndOneFinal(run, 'succeeded');
  });
});

describe('transition budget (issue 17), counted on the real ASL', () => {
  test('an app-only run enters at most 22 states; a full run at most 30', async () => {
    const appOnly = await runScenario({
      input: pushInput({ changes: { app: true, infra: false, paths: ['app/x.ts'] } }),
    });
    const full = await runScenario({ input: pushInput() });

    expect([appOnly.status, full.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // Both runs deploy; no retries happened, so transitions are the states entered.
    expect(appOnly.calls.HelmDeploy).toHaveLength(1);
    expect(full.calls.TerraformApply).toHaveLength(1);
    expect(appOnly.transitions).toBe(appOnly.entered.length);
    expect(full.transitions).toBe(full.entered.length);
    expect(appOnly.entered.length).toBeLessThanOrEqual(22);
    expect(full.entered.length).toBeLessThanOrEqual(30);
  });
});
