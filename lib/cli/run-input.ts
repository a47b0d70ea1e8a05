import { executionInputSchema } from '../contracts/execution-input';

/** What a run is about, read from its execution input (`lib/contracts/execution-input.ts`). */
export interface RunInfo {
  readonly service: string;
  readonly environment: string;
  readonly trigger: string;
  readonly repository: string;
  readonly branch: string;
  /** The full 40-character commit id. */
  readonly commit: string;
  readonly author: string;
  readonly message: string;
}

/**
 * The run's service, environment, commit and trigger from its input JSON, or null when the input
 * is absent or not a pipeline execution input (an execution started by hand with other input).
 */
export function runInfoOf(input: string | undefined): RunInfo | null {
  if (input === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(input);
  } catch {
    return null;
  }
  const parsed = executionInputSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { service, environment, trigger, source } = parsed.data;
  return {
    service,
    environment,
    trigger,
    repository: source.repository,
    branch: source.branch,
    commit: source.commit,
    author: source.author,
    message: source.message,
  };
}
