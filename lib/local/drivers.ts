import { type StageDrivers, simulatedDrivers } from './simulated-drivers';

export type { StageDrivers };

/**
 * The driver of each CodeBuild stage that `deployctl local` and the workflow tests use unless told
 * otherwise. Today every stage is simulated (`lib/local/simulated-drivers.ts`); the stage drivers in
 * `lib/local/drivers/<stage>.ts` replace them here, one line each.
 */
export function defaultDrivers(): StageDrivers {
  return simulatedDrivers();
}
