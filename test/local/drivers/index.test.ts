import { BUILD_STAGE_NAMES } from '../../../lib/contracts/stage-outputs';
import { realDrivers } from '../../../lib/local/drivers';

describe('realDrivers()', () => {
  test('one driver per CodeBuild stage, each for its own stage', () => {
    const drivers = realDrivers({ awsEndpoint: undefined });
    expect(Object.keys(drivers).sort()).toEqual([...BUILD_STAGE_NAMES].sort());
    for (const stage of BUILD_STAGE_NAMES) expect(drivers[stage].stage).toBe(stage);
  });

  test('every driver says whether it is real or simulated here, and why', async () => {
    const drivers = realDrivers();
    for (const stage of BUILD_STAGE_NAMES) {
      const mode = await drivers[stage].detect();
      expect({ stage, mode: ['real', 'simulated'].includes(mode.mode), reason: mode.reason.length > 10 }).toEqual({
        stage,
        mode: true,
        reason: true,
      });
    }
  });
});
