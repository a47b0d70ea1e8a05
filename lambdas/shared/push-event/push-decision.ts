import type { ExecutionInput } from '../../../lib/contracts/execution-input';
import type { TrimmedField } from './fit-execution-input';

/** Why a push starts nothing; stable strings that responses and logs carry. */
export type IgnoreReason =
  | 'tag'
  | 'not-a-branch'
  | 'branch-deleted'
  | 'unknown-repository-host'
  | 'unknown-repository'
  | 'no-environment-for-branch'
  | 'skip-ci'
  | 'no-relevant-changes';

/** One execution the push should start. */
export interface PlannedExecution {
  readonly service: string;
  readonly environment: string;
  /** Execution name (`executionName`), stable across redeliveries of the same delivery. */
  readonly name: string;
  readonly input: ExecutionInput;
  /** Fields shortened or dropped to fit Step Functions' input limit, in the order applied; absent when none. */
  readonly trimmed?: readonly TrimmedField[];
}

/** A service whose repository and branch matched but whose paths the push did not touch. */
export interface SkippedService {
  readonly service: string;
  readonly reason: IgnoreReason;
  readonly detail: string;
}

export type PushDecision =
  | { readonly kind: 'ignored'; readonly reason: IgnoreReason; readonly detail: string }
  | {
      readonly kind: 'start';
      readonly executions: readonly PlannedExecution[];
      readonly skipped: readonly SkippedService[];
    };
