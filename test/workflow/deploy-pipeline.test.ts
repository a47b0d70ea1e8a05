import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gateEventSchema } from '../../lambdas/coverage-gate/gate-event';
import { CODEBUILD_STAGES, type CodeBuildStage, pushInput, runScenario } from './harness';

const VERIFY_STAGES: CodeBuildStage[] = ['RunTests', 'TerraformPlan', 'BuildImage'];

describe('deploy pipeline: real ASL on the local runner (CodeBuild builds simulated)', () => {
  test('happy path runs every stage once and notifies start and success', async () => {
    const run = await runScenario({ input: pushInput() });

    expect(run.status).toBe('SUCCEEDED');
    for (const stage of CODEBUILD_STAGES) expect(run.calls[stage]).toHaveLength(1);
    expect(run.notifications.map((n) => n.type)).toEqual(['started', 'succeeded']);
    // Stages on the critical path run in order after the parallel checks.
    const order = ['NotifyStarted', 'Verify', 'TerraformApply', 'HelmDeploy', 'NotifySucceeded'].map((s) =>
      run.entered.indexOf(s),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(run.entered).not.toContain('NotifyFailed');
  });

  test('per-run values reach the builds as overrides from the execution input', async () => {
    const run = await runScenario({ input: pushInput() });
    const deploy = run.calls.HelmDeploy?.[0] as {
      SourceVersion: string;
      SourceLocationOverride: string;
      EnvironmentVariablesOverride: Array<{ Name: string; Value: string }>;
    };
    const env = Object.fromEntries(deploy.EnvironmentVariablesOverride.map((v) => [v.Name, v.Value]));

    expect(deploy.SourceVersion).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(deploy.SourceLocationOverride).toBe('https://github.com/example-org/sample-service.git');
    expect(env).toMatchObject({
      SERVICE: 'sample-service',
      ENVIRONMENT: 'dev',
      RELEASE: 'sample-service',
      NAMESPACE: 'sample-service',
      EKS_CLUSTER: 'deploy-dev',
      // The image by digest, as BuildImage exported it; Helm's timeout from the run settings.
      IMAGE_URI: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sample-service@sha256:${'ab'.repeat(32)}`,
      DEPLOY_TIMEOUT_MINUTES: '10',
      RUN_PREFIX: 'runs/sample-service-dev-0123456-abcdef012345/',
    });
    expect(Object.keys(env)).not.toContain('IMAGE_REPOSITORY');
    expect(Object.keys(env)).not.toContain('IMAGE_DIGEST');
    const apply = run.calls.TerraformApply?.[0] as {
      EnvironmentVariablesOverride: Array<{ Name: string; Value: string }>;
    };
    expect(apply.EnvironmentVariablesOverride).toContainEqual({
      Name: 'PLAN_KEY',
      Value: 'runs/x/terraform/plan.tfplan',
      Type: 'PLAINTEXT',
    });
  });

  test.each(CODEBUILD_STAGES.flatMap((stage) => [[stage, 'fail'] as const, [stage, 'timeout'] as const]))(
    '%s that %ss stops the run with one failure notification naming it',
    async (stage, outcome) => {
      const run = await runScenario({ input: pushInput(), stages: { [stage]: outcome } });

      expect(run.status).toBe('FAILED');
      // A build stage fails as <State>Failed; what Step Functions reported is kept in the cause.
      expect(run.error?.Error).toBe(`${stage}Failed`);
      const failures = run.notifications.filter((n) => n.type === 'failed');
      expect(failures).toHaveLength(1);
      expect(failures[0]?.failure).toMatchObject({ stage, error: run.error?.Error });
      expect(String(failures[0]?.failure?.cause)).toContain(
        outcome === 'fail' ? 'States.TaskFailed: {"Build":{"BuildStatus":"FAILED"' : 'States.Timeout: ',
      );
      expect(run.notifications.map((n) => n.type)).toEqual(['started', 'failed']);
      expect(run.entered).not.toContain('NotifySucceeded');
      // Nothing downstream of a failed stage runs.
      const downstream = CODEBUILD_STAGES.slice(CODEBUILD_STAGES.indexOf(stage) + 1).filter(
        (s) => !VERIFY_STAGES.includes(s) || !VERIFY_STAGES.includes(stage),
      );
      for (const later of downstream) expect(run.calls[later]).toBeUndefined();
    },
  );

  test('a failing check in Verify means no apply and no deploy', async () => {
    const run = await runScenario({ input: pushInput(), stages: { RunTests: 'fail' } });
    expect(run.calls.TerraformApply).toBeUndefined();
    expect(run.calls.HelmDeploy).toBeUndefined();
    expect(String(run.error?.Cause)).toContain('RunTests failed');
  });

  test('an app-only push skips Terraform plan and apply', async () => {
    const run = await runScenario({
      input: pushInput({ changes: { app: true, infra: false, paths: ['app/src/server.ts'] } }),
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.TerraformPlan).toBeUndefined();
    expect(run.calls.TerraformApply).toBeUndefined();
    expect(run.entered).toEqual(expect.arrayContaining(['SkipTerraformPlan', 'HelmDeploy']));
    // Without a plan, ChooseTerraformApply goes straight to the scan wait.
    const choice = run.entered.indexOf('ChooseTerraformApply');
    expect(run.entered[choice + 1]).toBe('WaitForScan');
    expect(run.entered).not.toContain('ChooseRelease');
  });

  test('an infra-only push skips tests, image build and deploy', async () => {
    const run = await runScenario({
      input: pushInput({ changes: { app: false, infra: true, paths: ['terraform/x.tf'] } }),
    });
    expect(run.status).toBe('SUCCEEDED');
    for (const stage of ['RunTests', 'BuildImage', 'HelmDeploy'] as const) expect(run.calls[stage]).toBeUndefined();
    expect(run.calls.TerraformApply).toHaveLength(1);
  });

  test('a plan without changes is not applied', async () => {
    const run = await runScenario({ input: pushInput(), exported: { TerraformPlan: { PLAN_HAS_CHANGES: 'false' } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.TerraformApply).toBeUndefined();
    expect(run.entered).not.toContain('TerraformApply');
    expect(run.calls.HelmDeploy).toHaveLength(1);
    // A plan without changes: ChooseTerraformApply goes straight to the scan wait.
    const choice = run.entered.indexOf('ChooseTerraformApply');
    expect(run.entered[choice + 1]).toBe('WaitForScan');
  });

  test('an unknown service or environment fails before any build, with a notification', async () => {
    const run = await runScenario({ input: pushInput({ environment: 'staging' }), settings: null });
    expect(run.status).toBe('FAILED');
    for (const stage of CODEBUILD_STAGES) expect(run.calls[stage]).toBeUndefined();
    expect(run.notifications).toEqual([
      expect.objectContaining({ type: 'failed', failure: expect.objectContaining({ stage: 'LoadRunSettings' }) }),
    ]);
    expect(run.error?.Error).toBe('RunSettingsUnavailable');
    expect(run.notifications[0]?.failure).toMatchObject({
      error: 'RunSettingsUnavailable',
      cause: 'Ssm.ParameterNotFoundException: Parameter not found',
    });
  });

  test("the coverage gate gets the run's report, diff, policy and build", async () => {
    const run = await runScenario({ input: pushInput() });
    const [call] = (run.calls.CoverageGate ?? []) as Array<{ Payload: unknown }>;
    // RunTests' exported variables whole: the gate reads CHANGED_LINES_KEY itself.
    expect(gateEventSchema.parse(call?.Payload).diffKey).toBe('runs/x/coverage/changed-lines.diff');
    expect(call?.Payload).toEqual({
      bucket: 'pipeline-artifacts',
      reportKey: 'runs/x/coverage/report',
      diffKey: [
        { Name: 'COVERAGE_REPORT_KEY', Value: 'runs/x/coverage/report' },
        { Name: 'CHANGED_LINES_KEY', Value: 'runs/x/coverage/changed-lines.diff' },
      ],
      baselineKey: 'baselines/sample-service/dev/coverage.json',
      service: 'sample-service',
      environment: 'dev',
      commit: '0123456789abcdef0123456789abcdef01234567',
      policy: { minLinePct: 80 },
      codebuildBuildId: (run.output as any).verify.tests.buildId,
    });
  });

  test.each([
    ['BuildImage', 'stopped', 'STOPPED'],
    ['HelmDeploy', 'build-timeout', 'TIMED_OUT'],
  ] as const)(
    'a %s build that ends %s fails as BuildImageFailed/HelmDeployFailed with the build status in the cause',
    async (stage, outcome, status) => {
      const run = await runScenario({ input: pushInput(), stages: { [stage]: outcome } });
      expect(run.error?.Error).toBe(`${stage}Failed`);
      expect(run.notifications.at(-1)).toMatchObject({ type: 'failed', failure: { stage, error: `${stage}Failed` } });
      expect(String(run.notifications.at(-1)?.failure?.cause)).toContain(`"BuildStatus":"${status}"`);
      // A failed deploy is restored first (the decision's `restore`), and the cause says so.
      const restored =
        stage === 'HelmDeploy'
          ? 'Release sample-service \\(namespace sample-service, cluster deploy-dev\\) is back on its last good revision\\. '
          : '';
      expect(String(run.error?.Cause)).toMatch(new RegExp(`^${stage} failed: ${restored}States.TaskFailed: `));
    },
  );

  test.each([
    ['CoverageGate', 'CoverageGateFailed'],
    ['PlanGuard', 'PlanGuardFailed'],
  ] as const)('a %s function that gives no verdict fails as %s, the raw error in the cause', async (stage, error) => {
    const crash = async () => {
      throw Object.assign(new Error("Cannot read properties of undefined (reading 'lines')"), { name: 'TypeError' });
    };
    const run = await runScenario({ input: pushInput() }, { [stage]: crash });
    expect(run.error?.Error).toBe(error);
    expect(run.notifications.filter((n) => n.type === 'failed').map((n) => n.failure)).toEqual([
      {
        stage,
        error,
        cause: "TypeError: Cannot read properties of undefined (reading 'lines')",
      },
    ]);
    expect(run.calls.TerraformApply).toBeUndefined();
  });

  test('a push with a parent commit gives RunTests BEFORE_COMMIT; a first push gives it the text null (unset for run-tests.sh)', async () => {
    type BuildCall = { EnvironmentVariablesOverride: Array<{ Name: string; Value: string }> };
    const env = (run: Awaited<ReturnType<typeof runScenario>>) =>
      (run.calls.RunTests?.[0] as BuildCall | undefined)?.EnvironmentVariablesOverride ?? [];
    const withParent = env(await runScenario({ input: pushInput() }));
    const base = pushInput().source;
    const first = env(await runScenario({ input: pushInput({ source: { ...base, before: null } }) }));

    expect(withParent).toContainEqual({ Name: 'BEFORE_COMMIT', Type: 'PLAINTEXT', Value: base.before });
    // Without a parent the state machine passes the text `null`, which run-tests.sh reads as unset.
    expect(first).toContainEqual({ Name: 'BEFORE_COMMIT', Type: 'PLAINTEXT', Value: 'null' });
    expect(first.filter((v) => v.Name !== 'BEFORE_COMMIT')).toEqual(
      withParent.filter((v) => v.Name !== 'BEFORE_COMMIT'),
    );
    expect(first.map((v) => v.Name)).toEqual([
      'SERVICE',
      'ENVIRONMENT',
      'COMMIT',
      'RUN_PREFIX',
      'APP_PATH',
      'BEFORE_COMMIT',
    ]);
    const script = readFileSync(join(__dirname, '../../lib/stages/scripts/run-tests.sh'), 'utf8');
    expect(script).toContain(`if [ "\${BEFORE_COMMIT:-}" = null ]; then BEFORE_COMMIT=''; fi`);
  });

  test('without CHANGED_LINES_KEY (no parent to diff against) the gate gets no diff key', async () => {
    const run = await runScenario({ input: pushInput(), exported: { RunTests: { CHANGED_LINES_KEY: undefined } } });
    expect(run.status).toBe('SUCCEEDED');
    const [call] = (run.calls.CoverageGate ?? []) as Array<{ Payload: { diffKey: unknown; reportKey: unknown } }>;
    expect(call?.Payload).toMatchObject({
      diffKey: [{ Name: 'COVERAGE_REPORT_KEY', Value: 'runs/x/coverage/report' }],
      reportKey: 'runs/x/coverage/report',
    });
    expect(gateEventSchema.parse(call?.Payload).diffKey).toBeNull();
  });

  test('a scenario cannot export what the stage does not declare', async () => {
    await expect(
      runScenario({ input: pushInput(), exported: { RunTests: { CHANGED_LINES_KEY: 'none' } } }),
    ).rejects.toThrow(/RunTests outputs do not match .*CHANGED_LINES_KEY/);
    await expect(runScenario({ input: pushInput(), exported: { HelmDeploy: { HELM_RELEASE: 'x' } } })).rejects.toThrow(
      /unknown field\(s\): HELM_RELEASE/,
    );
  });
});
