import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { loadConfig } from '../../lib/config/load-config';
import { validateConfig } from '../../lib/contracts/validate-config';
import { readDeployPipelineAsl } from '../../lib/workflow/deploy-pipeline-definition';
import { longestRunSeconds, runTimeoutSeconds, withRunTimeout } from '../../lib/workflow/run-timeout';

describe('the execution timeout, from the definition and the configuration', () => {
  test('the longest path: task timeouts in a row, a Parallel its longest branch, a loop once, a Catch path too', () => {
    const definition = {
      StartAt: 'Checks',
      States: {
        Checks: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', TimeoutSeconds: 100, End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Task', TimeoutSeconds: 300, End: true } } },
          ],
          Next: 'Choose',
        },
        Choose: { Type: 'Choice', Choices: [{ Next: 'Approve' }], Default: 'Deploy' },
        Approve: { Type: 'Task', TimeoutSecondsPath: '$.approval', Next: 'Choose' },
        Deploy: { Type: 'Task', TimeoutSeconds: 50, Catch: [{ Next: 'Undo' }], Next: 'Bake' },
        Bake: { Type: 'Wait', SecondsPath: '$.bake', End: true },
        Undo: { Type: 'Task', TimeoutSeconds: 40, End: true },
      },
    };
    // 300 (branch B) + 1000 (one approval) + 50 (deploy) + max(bake 20, undo 40).
    expect(
      longestRunSeconds(definition as unknown as Parameters<typeof longestRunSeconds>[0], {
        '$.approval': 1000,
        '$.bake': 20,
      }),
    ).toBe(300 + 1000 + 50 + 40);
  });

  test('the default configuration: the run outlives prod’s 24-hour approval wait; the ASL’s own timeout is the least', () => {
    const definition = JSON.parse(readDeployPipelineAsl());
    const withApproval = runTimeoutSeconds(definition, loadConfig());
    expect(withApproval).toBeGreaterThan(24 * 3600);
    expect(withApproval % 60).toBe(0);
    // Without any approval the run needs less, never less than the definition says.
    const services = DEFAULT_CONFIG.services.map((s) => ({
      ...s,
      environments: s.environments.map(({ promoteFrom: _p, approval: _a, ...env }) => env),
    }));
    const without = runTimeoutSeconds(definition, validateConfig({ ...DEFAULT_CONFIG, services }, 'no approval'));
    expect(without).toBeLessThan(withApproval - 23 * 3600);
    expect(without).toBeGreaterThanOrEqual(definition.TimeoutSeconds);
    expect(JSON.parse(withRunTimeout(readDeployPipelineAsl(), withApproval)).TimeoutSeconds).toBe(withApproval);
  });
});
