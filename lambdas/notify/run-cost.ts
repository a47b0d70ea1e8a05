import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { MAX_COST_LINES, type PipelineEvent, type PipelineEventType } from '../../lib/contracts/pipeline-event';
import { formatUsd, type Pricing, runCostFromHistory } from '../../lib/contracts/pricing';
import { costEvents } from '../shared/execution-history';

/**
 * States a run still enters after the final `Notify*` state that reads its history, by the request's
 * type: `NotifySucceeded` -> `RunSucceeded`, `NotifySuperseded` -> `RunSuperseded`, `NotifyFailed` ->
 * `DescribeFailure` -> `Fail` (state-machines/deploy-pipeline.asl.json; test/notifications/run-cost.test.ts
 * checks these against it). A `Notify*` payload may say `endingStates` itself.
 */
export const ENDING_STATES: Readonly<Partial<Record<PipelineEventType, number>>> = {
  succeeded: 1,
  superseded: 1,
  failed: 2,
};

/** For a type the table does not name: the longest ending of the state machine. */
export const DEFAULT_ENDING_STATES = 2;

/** The ending states counted for a request: its own `endingStates`, else {@link ENDING_STATES}. */
export function endingStatesOf(type: PipelineEventType, endingStates?: number): number {
  return endingStates ?? ENDING_STATES[type] ?? DEFAULT_ENDING_STATES;
}

/**
 * The `cost` of a final event from the run's history read with execution data (the builds' compute
 * types and times are in the `TaskSucceeded`/`TaskFailed` events of `codebuild:startBuild.sync` tasks):
 * the transitions so far plus `endingStates`, each build, the functions. Keeps the first
 * {@link MAX_COST_LINES} lines; the total counts them all.
 */
export function runCostOf(
  events: readonly HistoryEvent[],
  pricing: Pricing,
  endingStates = DEFAULT_ENDING_STATES,
): NonNullable<PipelineEvent['cost']> {
  const cost = runCostFromHistory(costEvents(events), { pricing, pendingTransitions: endingStates });
  return {
    totalUsd: cost.total,
    display: formatUsd(cost.total),
    endingStates,
    lines: cost.lines.slice(0, MAX_COST_LINES).map((l) => ({ kind: l.kind, item: l.item, usd: l.usd })),
  };
}
