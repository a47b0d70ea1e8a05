import { deployPolicyOf } from '../contracts/deploy-lock';
import { deploySettingsOf } from '../contracts/deploy-settings';
import type { PipelineConfig } from '../contracts/pipeline-config';

/** The parts of an ASL definition the timeout reads. */
interface TimedState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly Next: string }[];
  readonly Branches?: readonly { readonly StartAt: string; readonly States: Readonly<Record<string, TimedState>> }[];
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly Seconds?: number;
  readonly SecondsPath?: string;
}

interface TimedDefinition {
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Readonly<Record<string, TimedState>>;
}

/**
 * The longest a run can take through `definition`, in seconds: along `Next`, `Choices`, `Default`
 * and `Catch` (a failed deploy goes on to Rollback and its build, so failure paths count), each
 * transition taken at most once (a loop counts once), each state for its `TimeoutSeconds` or
 * `Seconds`, a `...Path` wait for the value `secondsByPath` gives it, a Parallel state for its
 * longest branch. States without a timeout (Choice, Pass, Lambda tasks bounded by their function's
 * own timeout) count 0.
 */
export function longestRunSeconds(
  definition: TimedDefinition,
  secondsByPath: Readonly<Record<string, number>>,
): number {
  const stay = (state: TimedState): number => {
    if (state.Type === 'Parallel') {
      return Math.max(0, ...(state.Branches ?? []).map((b) => longestFrom(b.States, b.StartAt, new Set())));
    }
    const path = state.TimeoutSecondsPath ?? state.SecondsPath;
    return state.TimeoutSeconds ?? state.Seconds ?? (path === undefined ? 0 : (secondsByPath[path] ?? 0));
  };
  const longestFrom = (states: Readonly<Record<string, TimedState>>, name: string, taken: Set<string>): number => {
    const state = states[name];
    if (state === undefined) return 0;
    const nexts = new Set(
      [
        state.Next,
        state.Default,
        ...(state.Choices ?? []).map((c) => c.Next),
        ...(state.Catch ?? []).map((c) => c.Next),
      ].filter((n): n is string => n !== undefined && !taken.has(`${name}>${n}`)),
    );
    let best = 0;
    for (const next of nexts) {
      best = Math.max(best, longestFrom(states, next, new Set([...taken, `${name}>${next}`])));
    }
    return stay(state) + best;
  };
  return longestFrom(definition.States, definition.StartAt, new Set());
}

/**
 * The deploy pipeline's execution timeout for `config`, in seconds: the longest run through the
 * definition with the longest approval wait and bake the configuration sets (rounded up to a
 * minute), and never less than the definition's own `TimeoutSeconds`. A run waiting days for
 * approval must not time out first; a stuck run still ends (and alarms) once nothing could still
 * be running.
 */
export function runTimeoutSeconds(definition: TimedDefinition, config: PipelineConfig): number {
  const environments = config.services.flatMap((service) => service.environments.map((env) => ({ service, env })));
  const longestApproval = Math.max(
    0,
    ...environments
      .filter(({ env }) => env.approval || env.approveDestructive)
      .map(({ service, env }) => deployPolicyOf(config, service.name, env.name)?.approval.timeoutSeconds ?? 0),
  );
  const longestBake = Math.max(0, ...environments.map(({ env }) => deploySettingsOf(env).bakeMinutes * 60));
  const longest = longestRunSeconds(definition, {
    '$.lock.policy.approval.timeoutSeconds': longestApproval,
    '$.run.settings.deploy.bakeSeconds': longestBake,
  });
  return Math.max(definition.TimeoutSeconds ?? 0, Math.ceil(longest / 60) * 60);
}

/** The definition text with its top-level `TimeoutSeconds` set to `seconds`. */
export function withRunTimeout(aslText: string, seconds: number): string {
  const definition = JSON.parse(aslText) as Record<string, unknown>;
  return JSON.stringify({ ...definition, TimeoutSeconds: seconds }, null, 2);
}
