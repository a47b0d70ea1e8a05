import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { MAX_COST_LINES, type PipelineEvent } from '../../lib/contracts/pipeline-event';
import { formatUsd, type Pricing, runCostFromHistory } from '../../lib/contracts/pricing';
import { costEvents } from '../shared/execution-history';

/**
 * States a run still enters after its final `Notify*` state has read the history: at most two in the
 * state machine (`NotifySucceeded` -> `RunSucceeded`; `NotifyFailed` -> `DescribeFailure` -> `Fail`),
 * checked against `state-machines/deploy-pipeline.asl.json` by test/notifications/run-cost.test.ts. A
 * `Notify*` payload may say `endingStates` itself.
 */
export const DEFAULT_ENDING_STATES = 2;

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
