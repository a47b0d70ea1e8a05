import type { StageStatus, StageTiming } from '../../lib/contracts/pipeline-event';

/**
 * The stages a timeline shows: the user-facing state names of docs/DESIGN ("State names"), in the
 * order a run meets them. A `Skip<Stage>` state marks its stage skipped.
 */
export const TIMELINE_STAGES: readonly string[] = [
  'AcquireLock',
  'RunTests',
  'CoverageGate',
  'TerraformPlan',
  'PlanGuard',
  'BuildImage',
  'WaitForApproval',
  'TerraformApply',
  'WaitForScan',
  'HelmDeploy',
  'VerifyDeployment',
  'Rollback',
  'ReleaseLock',
];

/**
 * One entry into a state and how it ended, whatever recorded it (a Step Functions history, the local
 * runner's event log). Times in epoch milliseconds.
 */
export interface StateVisit {
  readonly name: string;
  readonly enteredAt: number;
  /** When the visit ended (exit, failure or abort); null while it is still going. */
  readonly endedAt: number | null;
  /** `exited`: left normally; `failed`: an error left it (caught or not); `aborted`: stopped from outside. */
  readonly outcome: 'exited' | 'failed' | 'aborted' | 'open';
}

/**
 * The timeline of the given stages from state visits: one entry per stage that was entered (from its
 * first entry to the end of its last visit, status of the last visit) or skipped, in order of first
 * entry. A stage entered and skipped (a redriven run) shows as entered.
 */
export function timingsFromVisits(visits: readonly StateVisit[], stages = TIMELINE_STAGES): StageTiming[] {
  const tracked = new Set(stages);
  const byStage = new Map<string, { first: number; last: StateVisit; skipped: boolean }>();
  for (const visit of [...visits].sort((a, b) => a.enteredAt - b.enteredAt)) {
    const skipped = visit.name.startsWith('Skip') && tracked.has(visit.name.slice(4));
    const name = skipped ? visit.name.slice(4) : visit.name;
    if (!tracked.has(name)) continue;
    const known = byStage.get(name);
    if (known === undefined) byStage.set(name, { first: visit.enteredAt, last: visit, skipped });
    else if (!skipped)
      byStage.set(name, { first: known.skipped ? visit.enteredAt : known.first, last: visit, skipped });
  }
  return [...byStage.entries()]
    .sort(([, a], [, b]) => a.first - b.first)
    .map(([name, { first, last, skipped }]): StageTiming => {
      if (skipped) return { name, status: 'skipped', startedAt: null, durationMs: null };
      const status: StageStatus =
        last.outcome === 'exited'
          ? 'succeeded'
          : last.outcome === 'failed'
            ? 'failed'
            : last.outcome === 'aborted'
              ? 'cancelled'
              : 'running';
      return {
        name,
        status,
        startedAt: new Date(first).toISOString(),
        durationMs: last.endedAt === null ? null : Math.max(0, last.endedAt - first),
      };
    });
}

/** The fields of a Step Functions `HistoryEvent` the timeline reads (GetExecutionHistory API reference). */
export interface HistoryEventLike {
  readonly id: number;
  readonly previousEventId?: number;
  readonly timestamp: Date | string | number;
  readonly type: string;
  readonly stateEnteredEventDetails?: { readonly name?: string };
  readonly stateExitedEventDetails?: { readonly name?: string };
}

/** Events after which a state's visit is over with an error (the task failed, timed out, could not start). */
const FAILURE_EVENTS = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionTimedOut',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
  'ParallelStateFailed',
  'MapStateFailed',
  'MapRunFailed',
]);

/** Events after which a visit is over because something outside stopped it (a sibling branch failed, an abort). */
const ABORT_EVENTS = new Set(['TaskStateAborted', 'ParallelStateAborted', 'MapStateAborted', 'WaitStateAborted']);

const millis = (t: Date | string | number): number =>
  t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);

/**
 * State visits from a Step Functions execution history (all pages, any order). Each event belongs
 * to the visit its `previousEventId` chain leads back to (a `...StateEntered` event starts one), so
 * the interleaved events of parallel branches are told apart. A visit ends at its `...StateExited`
 * event, or else at its last event: a failure (caught errors leave no exit event), an abort, or
 * nothing yet (`open`).
 */
export function visitsFromHistory(events: readonly HistoryEventLike[]): StateVisit[] {
  const sorted = [...events].sort((a, b) => a.id - b.id);
  const visitOf = new Map<number, number>();
  const visits = new Map<number, { name: string; enteredAt: number; lastAt: number; outcome: StateVisit['outcome'] }>();
  for (const event of sorted) {
    const at = millis(event.timestamp);
    const entered = event.type.endsWith('StateEntered') ? event.stateEnteredEventDetails?.name : undefined;
    if (entered !== undefined) {
      visitOf.set(event.id, event.id);
      visits.set(event.id, { name: entered, enteredAt: at, lastAt: at, outcome: 'open' });
      continue;
    }
    const owner = event.previousEventId === undefined ? undefined : visitOf.get(event.previousEventId);
    if (owner === undefined) continue;
    const visit = visits.get(owner);
    if (visit === undefined || visit.outcome === 'exited') continue;
    visitOf.set(event.id, owner);
    visit.lastAt = at;
    if (event.type.endsWith('StateExited') && event.stateExitedEventDetails?.name === visit.name) {
      visit.outcome = 'exited';
    } else if (FAILURE_EVENTS.has(event.type)) {
      visit.outcome = 'failed';
    } else if (ABORT_EVENTS.has(event.type)) {
      visit.outcome = 'aborted';
    } else if (visit.outcome === 'failed') {
      // A retry after a failure: the visit goes on.
      visit.outcome = 'open';
    }
  }
  return [...visits.values()].map((v) => ({
    name: v.name,
    enteredAt: v.enteredAt,
    endedAt: v.outcome === 'open' ? null : v.lastAt,
    outcome: v.outcome,
  }));
}
