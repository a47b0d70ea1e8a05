import { loadConfig } from '../../lib/config/load-config';
import { localExecutionInput } from '../../lib/local/local-execution-input';
import { LocalRunDefect } from '../../lib/local/local-run-defect';
import { REPOSITORY_ROOT, runLocalPipeline } from '../../lib/local/run-local-pipeline';
import { runLocalScenario, settingsFromConfig } from '../../lib/local/run-local-scenario';
import { simulatedDrivers } from '../../lib/local/simulated-drivers';
import { LocalBuildFailed, type StageDriver } from '../../lib/local/stage-driver';

/** `runLocalPipeline` itself, for options `runLocalScenario` does not pass (a short abort grace). */
function runLocalPipelineOf(drivers: Partial<ReturnType<typeof simulatedDrivers>>) {
  const config = loadConfig();
  return runLocalPipeline({
    input: localExecutionInput({
      config,
      service: 'sample-service',
      environment: 'dev',
      changes: 'all',
      sourceDir: REPOSITORY_ROOT,
    }),
    settingsFor: settingsFromConfig(config),
    drivers: { ...simulatedDrivers(), ...drivers },
    abortGraceMs: 200,
  });
}

describe('local runner: drivers plugged in through the drivers map', () => {
  test('a driver that exports what its stage does not declare is a defect of the run, not a failed build', async () => {
    const liar: StageDriver<'BuildImage'> = {
      stage: 'BuildImage',
      detect: async () => ({ mode: 'simulated', reason: 'test' }),
      run: async () => ({ IMAGE_URI: 'repo:latest', IMAGE_DIGEST: 'sha256:abc' }),
    };
    await expect(runLocalScenario({ drivers: { ...simulatedDrivers(), BuildImage: liar } })).rejects.toThrow(
      new LocalRunDefect(
        'the BuildImage driver returned outputs its stage does not declare: BuildImage outputs do not match lib/contracts/stage-outputs.ts: IMAGE_URI: must be <repository>@sha256:<64 hex digits>; IMAGE_DIGEST: must be sha256:<64 hex digits>; IMAGE_URI: must end with @IMAGE_DIGEST',
      ),
    );
  });

  test('a driver that crashes ends its build FAULT with the error in the cause', async () => {
    const crashing: StageDriver<'TerraformApply'> = {
      stage: 'TerraformApply',
      detect: async () => ({ mode: 'real', reason: 'test' }),
      run: async () => {
        throw new TypeError('terraform is not a function');
      },
    };
    const { result } = await runLocalScenario({ drivers: { ...simulatedDrivers(), TerraformApply: crashing } });
    expect(result.error?.error).toBe('TerraformApplyFailed');
    expect(result.error?.cause).toContain('"BuildStatus":"FAULT"');
    expect(result.error?.cause).toContain('TypeError: terraform is not a function');
    expect(result.states.find((s) => s.name === 'TerraformApply')).toMatchObject({ mode: 'real', reason: 'test' });
  });

  test('a failing Verify branch cancels its running siblings through their abort signal', async () => {
    let aborted: unknown;
    let imageStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      imageStarted = resolve;
    });
    const slow: StageDriver<'BuildImage'> = {
      stage: 'BuildImage',
      detect: async () => ({ mode: 'real', reason: 'test' }),
      run: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            reject(new Error('stopped'));
          });
          imageStarted();
        }),
    };
    // The tests fail once the image build is under way.
    const failingTests: StageDriver<'RunTests'> = {
      stage: 'RunTests',
      detect: async () => ({ mode: 'real', reason: 'test' }),
      run: async () => {
        await started;
        throw new LocalBuildFailed('FAILED', 'tests failed');
      },
    };
    const { result } = await runLocalScenario({
      drivers: { ...simulatedDrivers(), BuildImage: slow, RunTests: failingTests },
    });
    expect(result.error?.error).toBe('RunTestsFailed');
    expect(result.states.find((s) => s.name === 'BuildImage')?.status).toBe('ABORTED');
    expect(String(aborted)).toContain('Verify failed');
  });

  test('a stage that ignores its abort signal is left behind after the grace period, not waited for', async () => {
    let imageStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      imageStarted = resolve;
    });
    const deaf: StageDriver<'BuildImage'> = {
      stage: 'BuildImage',
      detect: async () => ({ mode: 'real', reason: 'test' }),
      run: () => {
        imageStarted();
        return new Promise(() => {});
      },
    };
    const failingTests: StageDriver<'RunTests'> = {
      stage: 'RunTests',
      detect: async () => ({ mode: 'real', reason: 'test' }),
      run: async () => {
        await started;
        throw new LocalBuildFailed('FAILED', 'tests failed');
      },
    };
    const run = await runLocalPipelineOf({ BuildImage: deaf, RunTests: failingTests });
    expect(run.result.error?.error).toBe('RunTestsFailed');
    expect(run.result.states.find((s) => s.name === 'BuildImage')?.status).toBe('ABORTED');
    expect(run.logs.BuildImage).toEqual(['still running after the run ended: left behind']);
  });

  test('aborting the run stops the running stage and ends the run ABORTED', async () => {
    const controller = new AbortController();
    const hanging: StageDriver<'RunTests'> = {
      stage: 'RunTests',
      detect: async () => ({ mode: 'real', reason: 'test' }),
      run: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(new Error('stopped')));
          controller.abort();
        }),
    };
    const { result } = await runLocalScenario({
      drivers: { ...simulatedDrivers(), RunTests: hanging },
      signal: controller.signal,
    });
    expect(result.status).toBe('ABORTED');
    expect(result.states.find((s) => s.name === 'RunTests')?.status).toBe('ABORTED');
    expect(result.notifications.map((n) => n.event.type)).toEqual(['started']);
  });
});
