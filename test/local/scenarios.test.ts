import type { LocalState } from '../../lib/local/local-run-result';
import { LocalRunInvalid } from '../../lib/local/run-local-pipeline';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import { type ChangeSet, SCENARIO_NAMES, SCENARIOS } from '../../lib/local/scenarios';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';

const run = (scenario: string, changes: ChangeSet = 'all') =>
  runLocalScenario({ scenario, changes, drivers: simulatedDrivers() });

const statusOf = (states: readonly LocalState[]) =>
  Object.fromEntries(states.map((s) => [s.name, s.error ? `${s.status} ${s.error}` : s.status]));

/** After Verify: what a run that got past its checks does. */
const AFTER_VERIFY = ['TerraformApply', 'HelmDeploy', 'VerifyDeployment', 'RecordCoverageBaseline', 'NotifySucceeded'];
/** What a run that deployed does after HelmDeploy. */
const AFTER_DEPLOY = ['VerifyDeployment', 'RecordCoverageBaseline', 'NotifySucceeded'];
/** The states of a deploy the rollback path runs after (a failed HelmDeploy or bake). */
const BEFORE_ROLLBACK = [
  'RunTests',
  'CoverageGate',
  'TerraformPlan',
  'PlanGuard',
  'BuildImage',
  'TerraformApply',
  'WaitForScan',
];

interface Expected {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  /** The failure notification's stage. */
  readonly stage?: string;
  /** States that must have run, with how they ended. */
  readonly ran: Record<string, string>;
  /** States that must not have run. (States not named either way are siblings in Verify that a failure may cancel.) */
  readonly notRun: readonly string[];
  /** The notifications' types. @default started, then succeeded or failed */
  readonly notifications?: readonly string[];
}

/** Written out by hand, not read from the registry, so the registry's own `expect` is checked too. */
const EXPECTED: Record<string, Expected> = {
  happy: {
    status: 'SUCCEEDED',
    ran: Object.fromEntries(
      [
        'LoadRunSettings',
        'NotifyStarted',
        'RunTests',
        'CoverageGate',
        'TerraformPlan',
        'PlanGuard',
        'BuildImage',
        'WaitForScan',
        ...AFTER_VERIFY,
      ].map((s) => [s, 'SUCCEEDED']),
    ),
    notRun: ['NotifyFailed', 'PollScan'],
  },
  'tests-fail': {
    status: 'FAILED',
    error: 'RunTestsFailed',
    stage: 'RunTests',
    ran: {
      LoadRunSettings: 'SUCCEEDED',
      NotifyStarted: 'SUCCEEDED',
      RunTests: 'FAILED States.TaskFailed',
      NotifyFailed: 'SUCCEEDED',
    },
    notRun: ['CoverageGate', ...AFTER_VERIFY],
  },
  'coverage-low': {
    status: 'FAILED',
    error: 'CoverageBelowThreshold',
    stage: 'CoverageGate',
    ran: { RunTests: 'SUCCEEDED', CoverageGate: 'FAILED CoverageBelowThreshold', NotifyFailed: 'SUCCEEDED' },
    notRun: AFTER_VERIFY,
  },
  'plan-destructive': {
    status: 'FAILED',
    error: 'DestructiveChangeBlocked',
    stage: 'PlanGuard',
    ran: { TerraformPlan: 'SUCCEEDED', PlanGuard: 'FAILED DestructiveChangeBlocked', NotifyFailed: 'SUCCEEDED' },
    notRun: AFTER_VERIFY,
  },
  'scan-fails': {
    status: 'FAILED',
    error: 'ScanFindingsAboveThreshold',
    stage: 'WaitForScan',
    // The scan wait follows TerraformApply (it overlaps the apply); a blocked image is never deployed.
    ran: {
      BuildImage: 'SUCCEEDED',
      TerraformApply: 'SUCCEEDED',
      WaitForScan: 'FAILED ScanFindingsAboveThreshold',
      NotifyFailed: 'SUCCEEDED',
    },
    notRun: ['PollScan', 'HelmDeploy', 'Rollback', ...AFTER_DEPLOY],
  },
  'scan-event-lost': {
    status: 'SUCCEEDED',
    ran: {
      BuildImage: 'SUCCEEDED',
      WaitForScan: 'FAILED States.HeartbeatTimeout',
      PollScan: 'SUCCEEDED',
      HelmDeploy: 'SUCCEEDED',
      NotifySucceeded: 'SUCCEEDED',
    },
    notRun: ['NotifyFailed'],
  },
  'deploy-fails': {
    status: 'FAILED',
    error: 'HelmDeployFailed',
    stage: 'HelmDeploy',
    ran: {
      RunTests: 'SUCCEEDED',
      CoverageGate: 'SUCCEEDED',
      TerraformPlan: 'SUCCEEDED',
      PlanGuard: 'SUCCEEDED',
      BuildImage: 'SUCCEEDED',
      TerraformApply: 'SUCCEEDED',
      HelmDeploy: 'FAILED States.TaskFailed',
      // Helm's own --rollback-on-failure restored the release; the rollback build checks it.
      Rollback: 'SUCCEEDED',
      RollbackRelease: 'SUCCEEDED',
      ReleaseLock: 'SUCCEEDED',
      NotifyFailed: 'SUCCEEDED',
    },
    notRun: AFTER_DEPLOY,
  },
  'bake-alarm': {
    status: 'FAILED',
    error: 'RolledBack',
    stage: 'VerifyDeployment',
    ran: {
      ...Object.fromEntries(BEFORE_ROLLBACK.map((s) => [s, 'SUCCEEDED'])),
      HelmDeploy: 'SUCCEEDED',
      VerifyDeployment: 'FAILED AlarmDuringBake',
      Rollback: 'SUCCEEDED',
      RollbackRelease: 'SUCCEEDED',
      ReleaseLock: 'SUCCEEDED',
      NotifyFailed: 'SUCCEEDED',
    },
    notRun: ['RecordCoverageBaseline', 'NotifySucceeded'],
    notifications: ['started', 'rolled_back'],
  },
  'version-mismatch': {
    status: 'FAILED',
    error: 'RolledBack',
    stage: 'VerifyDeployment',
    ran: {
      HelmDeploy: 'SUCCEEDED',
      VerifyDeployment: 'FAILED VersionMismatch',
      Rollback: 'SUCCEEDED',
      RollbackRelease: 'SUCCEEDED',
      NotifyFailed: 'SUCCEEDED',
    },
    notRun: ['RecordCoverageBaseline', 'NotifySucceeded'],
    notifications: ['started', 'rolled_back'],
  },
  'first-install-fails': {
    status: 'FAILED',
    error: 'HelmDeployFailed',
    stage: 'HelmDeploy',
    ran: { HelmDeploy: 'FAILED States.TaskFailed', Rollback: 'SUCCEEDED', RollbackRelease: 'SUCCEEDED' },
    notRun: AFTER_DEPLOY,
  },
  'rollback-fails': {
    status: 'FAILED',
    error: 'RollbackFailed',
    stage: 'Rollback',
    ran: {
      HelmDeploy: 'SUCCEEDED',
      VerifyDeployment: 'FAILED VersionMismatch',
      Rollback: 'SUCCEEDED',
      RollbackRelease: 'FAILED States.TaskFailed',
      ReleaseLock: 'SUCCEEDED',
      NotifyFailed: 'SUCCEEDED',
    },
    notRun: ['RecordCoverageBaseline', 'NotifySucceeded'],
    notifications: ['started', 'rollback_failed'],
  },
  approved: {
    status: 'SUCCEEDED',
    ran: {
      PlanGuard: 'SUCCEEDED',
      WaitForApproval: 'SUCCEEDED',
      ...Object.fromEntries(AFTER_VERIFY.map((s) => [s, 'SUCCEEDED'])),
    },
    notRun: ['NotifyFailed', 'Rollback'],
  },
  'approval-rejected': {
    status: 'FAILED',
    error: 'ApprovalRejected',
    stage: 'WaitForApproval',
    ran: { PlanGuard: 'SUCCEEDED', WaitForApproval: 'FAILED ApprovalRejected', ReleaseLock: 'SUCCEEDED' },
    // Nothing changes before approval.
    notRun: [...AFTER_VERIFY, 'WaitForScan', 'Rollback'],
  },
  'approval-timeout': {
    status: 'FAILED',
    error: 'ApprovalTimedOut',
    stage: 'WaitForApproval',
    ran: { WaitForApproval: 'FAILED States.Timeout', ReleaseLock: 'SUCCEEDED' },
    notRun: [...AFTER_VERIFY, 'WaitForScan', 'Rollback'],
  },
  'destructive-approved': {
    status: 'SUCCEEDED',
    // PlanGuard returned the plan it would have blocked; it waited for approval, then was applied.
    ran: { PlanGuard: 'SUCCEEDED', WaitForApproval: 'SUCCEEDED', TerraformApply: 'SUCCEEDED', HelmDeploy: 'SUCCEEDED' },
    notRun: ['NotifyFailed'],
  },
  'fresh-account': {
    status: 'SUCCEEDED',
    // BuildImage found no repository and deferred; the image was built once TerraformApply created it.
    ran: {
      BuildImage: 'SUCCEEDED',
      TerraformApply: 'SUCCEEDED',
      BuildDeferredImage: 'SUCCEEDED',
      WaitForScan: 'SUCCEEDED',
      HelmDeploy: 'SUCCEEDED',
      VerifyDeployment: 'SUCCEEDED',
      NotifySucceeded: 'SUCCEEDED',
    },
    notRun: ['NotifyFailed', 'Rollback'],
  },
  'manual-rollback': {
    status: 'SUCCEEDED',
    // A requested rollback runs no checks and no deploy: the lock, the rollback build, the exit.
    ran: {
      AcquireLock: 'SUCCEEDED',
      Rollback: 'SUCCEEDED',
      RollbackOnRequest: 'SUCCEEDED',
      ReleaseLock: 'SUCCEEDED',
      NotifySucceeded: 'SUCCEEDED',
    },
    notRun: [
      'RunTests',
      'TerraformPlan',
      'BuildImage',
      'TerraformApply',
      'HelmDeploy',
      'RollbackRelease',
      'NotifyFailed',
    ],
  },
  superseded: {
    status: 'SUCCEEDED',
    ran: {
      LoadRunSettings: 'SUCCEEDED',
      AcquireLock: 'FAILED LockSuperseded',
      ReleaseLock: 'SUCCEEDED',
      NotifySuperseded: 'SUCCEEDED',
    },
    notRun: ['NotifyStarted', 'RunTests', 'TerraformPlan', 'BuildImage', ...AFTER_VERIFY, 'NotifyFailed'],
    notifications: ['superseded'],
  },
};

describe('deployctl local scenarios (simulated stage drivers, real CoverageGate and PlanGuard logic)', () => {
  test('every registered scenario has an expectation here', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...SCENARIO_NAMES].sort());
  });

  test.each(Object.entries(EXPECTED))('%s ends as expected, with the expected stages', async (name, expected) => {
    const { result } = await run(name);

    expect({ status: result.status, error: result.error?.error }).toEqual({
      status: expected.status,
      error: expected.error,
    });
    // The registry says the same.
    expect(SCENARIOS[name]?.expect).toEqual({
      status: expected.status,
      ...(expected.error ? { error: expected.error } : {}),
      ...(expected.stage ? { stage: expected.stage } : {}),
    });
    expect(statusOf(result.states)).toMatchObject(expected.ran);
    const ran = result.states.map((s) => s.name);
    for (const state of expected.notRun) expect([state, ran.includes(state)]).toEqual([state, false]);
    expect(result.states.every((s) => s.status !== 'RUNNING')).toBe(true);

    const types = result.notifications.map((n) => n.event.type);
    expect(types).toEqual(
      expected.notifications ?? ['started', expected.status === 'SUCCEEDED' ? 'succeeded' : 'failed'],
    );
    if (expected.stage) {
      expect(result.notifications[1]?.event.failure).toMatchObject({ stage: expected.stage, error: expected.error });
    }
    expect(result.execution).toMatchObject({ service: 'sample-service', environment: 'dev', scenario: name });
  });

  test('the superseded run names the newer push that replaced it', async () => {
    const { result } = await run('superseded');
    expect(result.notifications[0]?.event.supersededBy).toEqual({
      commit: 'c'.repeat(40),
      shortCommit: 'ccccccc',
      executionName: 'sample-service-dev-newer-push',
    });
  });

  test('the happy run reports the coverage its tests produced and deploys the image it built', async () => {
    const { result, output } = await run('happy');
    const event = result.notifications.find((n) => n.event.type === 'succeeded')?.event;
    // The simulated RunTests build reports 90% of lines (lib/local/simulated-drivers.ts).
    expect(event?.coverage).toMatchObject({ passed: true, linePct: 90 });
    expect(event?.image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(event?.plan).toMatchObject({ add: 1, destroy: 0 });
    expect(output).toMatchObject({
      verify: { plan: { guard: { summary: { add: 1, destroy: 0 } } } },
      deploy: { revision: ['1'] },
    });
  });

  test('modes: the Lambda stages run their real logic, the CodeBuild stages say why they are simulated', async () => {
    const { result } = await run('happy');
    const mode = Object.fromEntries(result.states.map((s) => [s.name, s.mode]));
    expect(mode).toMatchObject({
      CoverageGate: 'real',
      PlanGuard: 'real',
      RunTests: 'simulated',
      HelmDeploy: 'simulated',
    });
    for (const state of result.states) expect([state.name, state.reason.length > 10]).toEqual([state.name, true]);
  });

  test.each([
    [
      'app',
      ['RunTests', 'CoverageGate', 'BuildImage', 'HelmDeploy', 'RecordCoverageBaseline'],
      ['TerraformPlan', 'PlanGuard', 'TerraformApply'],
    ],
    [
      'infra',
      ['TerraformPlan', 'PlanGuard', 'TerraformApply'],
      ['RunTests', 'CoverageGate', 'BuildImage', 'HelmDeploy', 'RecordCoverageBaseline'],
    ],
  ] as const)('happy with --changes %s runs only the stages that change touches', async (changes, ran, skipped) => {
    const { result } = await run('happy', changes);
    expect(result.status).toBe('SUCCEEDED');
    const names = result.states.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([...ran, 'LoadRunSettings', 'NotifyStarted', 'NotifySucceeded']));
    for (const state of skipped) expect([state, names.includes(state)]).toEqual([state, false]);
  });

  test('a scenario whose stage the change set skips is refused before it runs', async () => {
    await expect(run('tests-fail', 'infra')).rejects.toThrow(
      new LocalRunInvalid(
        'scenario "tests-fail" needs application changes; --changes infra skips the stage it is about',
      ),
    );
    await expect(run('plan-destructive', 'app')).rejects.toThrow(/needs infrastructure changes/);
    await expect(run('no-such-scenario')).rejects.toThrow(
      'unknown scenario "no-such-scenario" (known: happy, tests-fail, coverage-low, plan-destructive, scan-fails, scan-event-lost, deploy-fails, bake-alarm, version-mismatch, first-install-fails, rollback-fails, approved, approval-rejected, approval-timeout, destructive-approved, fresh-account, manual-rollback, superseded)',
    );
  });

  test('an unknown service or environment fails in LoadRunSettings like a missing SSM parameter', async () => {
    const { result } = await runLocalScenario({ environment: 'staging', drivers: simulatedDrivers() });
    expect(result.status).toBe('FAILED');
    expect(result.error).toEqual({
      error: 'RunSettingsUnavailable',
      cause: 'LoadRunSettings failed: Ssm.ParameterNotFoundException: Parameter not found',
    });
    expect(result.states.map((s) => s.name)).toEqual(['LoadRunSettings', 'NotifyFailed']);
  });
});
