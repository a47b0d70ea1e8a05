import { type AslDefinition, timelineOf } from '../../lib/local/asl-states';
import { runLocalScenario } from '../../lib/local/run-local-scenario';
import { RunProgress } from '../../lib/local/run-progress';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';

const definition = JSON.parse(readDeployPipelineAsl()) as AslDefinition;

describe('the timeline of deployctl local', () => {
  test('lists the Task states in the order a run meets them, the exit paths last', () => {
    const names = timelineOf(definition).map((item) =>
      item.kind === 'task'
        ? item.name
        : `${item.name}[${item.branches.map((b) => b.map((i) => i.name).join('>')).join('|')}]`,
    );
    expect(names).toEqual([
      'LoadRunSettings',
      'AcquireLock',
      'NotifyStarted',
      'Verify[RunTests>CoverageGate|TerraformPlan>PlanGuard|BuildImage]',
      'WaitForApproval',
      'TerraformApply',
      'BuildDeferredImage',
      'WaitForScan',
      'HelmDeploy',
      'VerifyDeployment',
      'RecordCoverageBaseline',
      'ReleaseLock',
      'NotifySuperseded',
      'NotifyFailed',
      'NotifySucceeded',
      // Failure handling: the rollback path and the scan poll after a lost event.
      'Rollback',
      'RollbackOnRequest',
      'RollbackRelease',
      'PollScan',
    ]);
  });

  test('knows which states ran and which did not, from the run events alone', async () => {
    const progress = new RunProgress(timelineOf(definition));
    const started = [
      'LoadRunSettings',
      'Verify',
      'RunTests',
      'CoverageGate',
      'TerraformApply',
      'NotifySucceeded',
      'NotifyFailed',
    ].map(async (name) => [name, await progress.started(name), (await progress.ended(name)).kind] as const);
    const { result } = await runLocalScenario({
      scenario: 'coverage-low',
      drivers: simulatedDrivers(),
      onEvent: (event) => progress.handle(event),
    });
    expect(result.status).toBe('FAILED');
    expect(await Promise.all(started)).toEqual([
      ['LoadRunSettings', true, 'finished'],
      ['Verify', true, 'left'],
      ['RunTests', true, 'finished'],
      ['CoverageGate', true, 'finished'],
      ['TerraformApply', false, 'not-run'],
      ['NotifySucceeded', false, 'not-run'],
      ['NotifyFailed', true, 'finished'],
    ]);
    await expect(progress.ended('Verify')).resolves.toEqual({ kind: 'left', failed: true });
    await expect(progress.ended('CoverageGate')).resolves.toMatchObject({
      kind: 'finished',
      state: { status: 'FAILED', error: 'CoverageBelowThreshold', mode: 'real' },
    });
  });

  test('a state that is retried ends with its last attempt, not its first', async () => {
    // An error NotifyStarted's Retry retries (the Lambda service errors), as often as it says.
    const [retrier] = (definition.States.NotifyStarted?.Retry ?? []) as Array<{
      ErrorEquals: string[];
      MaxAttempts: number;
    }>;
    const error = retrier?.ErrorEquals[0] ?? 'no Retry on NotifyStarted';
    expect(error).toBe('Lambda.ServiceException');
    const progress = new RunProgress(timelineOf(definition));
    const ended = progress.ended('NotifyStarted');
    await runLocalScenario({
      drivers: simulatedDrivers(),
      fail: [{ state: 'NotifyStarted', error }],
      onEvent: (e) => progress.handle(e),
    });
    await expect(ended).resolves.toMatchObject({
      kind: 'finished',
      state: { status: 'FAILED', error, attempts: 1 + (retrier?.MaxAttempts ?? 0) },
    });
    expect(retrier?.MaxAttempts).toBe(3);
  });

  test('closing settles every open state, so nothing waits on a run that threw', async () => {
    const progress = new RunProgress(timelineOf(definition));
    const pending = Promise.all([progress.started('HelmDeploy'), progress.ended('Verify')]);
    progress.close();
    await expect(pending).resolves.toEqual([false, { kind: 'not-run' }]);
    expect(() => progress.started('Nope')).toThrow('Nope is not on the run');
  });
});
