import { LockContention } from './errors';

/**
 * Compare-and-swap attempts one invocation makes before giving up with `LockContention`. An attempt
 * only loses when another write to the lock landed in between, so a call loses at most as often as
 * others write meanwhile: 50 runs arriving at once cost the unluckiest 49 lost attempts.
 */
export const MAX_CAS_ATTEMPTS = 60;
/** Cap of the random pause between two attempts, in milliseconds. */
const MAX_PAUSE_MS = 200;

/** One attempt's result: its value, or `done: false` when its conditional write lost the race. */
export type Attempt<T> = { readonly done: true; readonly value: T } | { readonly done: false };

export interface RetryDeps {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` (read, compute, conditional write) until it does not report a conflict. Between
 * attempts it pauses a random time up to an exponentially growing cap ("full jitter"), so writers
 * that collided spread out instead of colliding again.
 *
 * @param attempt returns `{ done: true, value }`, or `{ done: false }` when its write lost the race.
 * @throws LockContention after {@link MAX_CAS_ATTEMPTS} lost races (the workflow's `Retry` takes over).
 */
export async function retryConflicts<T>(
  what: string,
  attempt: () => Promise<Attempt<T>>,
  deps: RetryDeps = {},
): Promise<T> {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  for (let n = 0; n < MAX_CAS_ATTEMPTS; n++) {
    const result = await attempt();
    if (result.done) return result.value;
    await sleep(Math.floor(random() * Math.min(MAX_PAUSE_MS, 10 * 2 ** n)));
  }
  throw new LockContention(`${what}: lost ${MAX_CAS_ATTEMPTS} compare-and-swap races in a row; retry`);
}
