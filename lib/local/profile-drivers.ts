import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildStageName } from '../contracts/stage-outputs';
import { type StageDrivers, simulatedDrivers } from './simulated-drivers';
import type { StageDriver } from './stage-driver';

/**
 * Stage drivers that take a set time: each CodeBuild stage sleeps for its profile's duration, then
 * returns what the simulated driver returns (lib/local/simulated-drivers.ts). The lead-time benchmark
 * runs the real ASL with them to measure the pipeline's critical path against its sequential sum.
 */

/** The standard profile, in minutes (issue 17: tests 3, plan 1, build 3, apply 2, deploy 2). */
export const STANDARD_PROFILE_MINUTES: Readonly<Partial<Record<BuildStageName, number>>> = {
  RunTests: 3,
  TerraformPlan: 1,
  BuildImage: 3,
  TerraformApply: 2,
  HelmDeploy: 2,
};

/**
 * Drivers whose stages sleep `minutes * 60000 / scale` milliseconds (stages without a figure do not sleep).
 * @throws RangeError for a scale that is not a positive number
 */
export function profileDrivers(
  minutes: Readonly<Partial<Record<BuildStageName, number>>> = STANDARD_PROFILE_MINUTES,
  scale = 100,
): StageDrivers {
  if (!(scale > 0)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const simulated = simulatedDrivers();
  const timed = <S extends BuildStageName>(driver: StageDriver<S>): StageDriver<S> => ({
    stage: driver.stage,
    detect: async () => ({ mode: 'simulated', reason: `sleeps ${minutes[driver.stage] ?? 0} min / ${scale}` }),
    run: async (ctx, mode) => {
      const ms = ((minutes[driver.stage] ?? 0) * 60_000) / scale;
      if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal });
      return driver.run(ctx, mode);
    },
  });
  return Object.fromEntries(
    Object.entries(simulated).map(([stage, driver]) => [stage, timed(driver as StageDriver)]),
  ) as unknown as StageDrivers;
}
