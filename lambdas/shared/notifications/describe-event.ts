import type { PipelineEvent, PipelineEventType, StageStatus } from '../../../lib/contracts/pipeline-event';
import { firstLine, formatDuration } from './text';

/**
 * What a notification says about an event, before any channel's format: the Slack (Block Kit),
 * AWS Chatbot and terminal renderers all start here, so they say the same thing.
 */

/** An emoji by its Slack short code and its Unicode form (terminals, pictures). */
export interface Emoji {
  readonly slack: string;
  readonly unicode: string;
}

/** A labelled value; `url` makes it a link. */
export interface Field {
  readonly label: string;
  readonly value: string;
  readonly url?: string;
}

export interface TimelineEntry {
  readonly emoji: Emoji;
  readonly name: string;
  readonly status: StageStatus;
  /** `2m 03s`, or empty when not known (skipped, still running). */
  readonly duration: string;
}

export interface EventDescription {
  readonly emoji: Emoji;
  /** Status colour, `#RRGGBB` (Slack's attachment bar). */
  readonly color: string;
  /** One line: `prod: deployed orders abc1234 by ana in 6m 12s`. */
  readonly headline: string;
  /** Why a run failed, shown first. */
  readonly reason?: { readonly stage: string; readonly error: string; readonly cause: string };
  readonly fields: readonly Field[];
  /** One line each: coverage, plan, scan, image, cost. */
  readonly summaries: readonly string[];
  readonly timeline: readonly TimelineEntry[];
  readonly links: readonly Field[];
  /** What to do now, each a sentence that may end in a command (commands in `backticks`). */
  readonly nextSteps: readonly string[];
}

const EMOJI: Readonly<Record<PipelineEventType, Emoji>> = {
  started: { slack: ':rocket:', unicode: '🚀' },
  approval_required: { slack: ':raised_hand:', unicode: '✋' },
  succeeded: { slack: ':white_check_mark:', unicode: '✅' },
  failed: { slack: ':x:', unicode: '❌' },
  rolled_back: { slack: ':leftwards_arrow_with_hook:', unicode: '↩️' },
  rollback_failed: { slack: ':rotating_light:', unicode: '🚨' },
  superseded: { slack: ':fast_forward:', unicode: '⏩' },
  lock_released_by_watchdog: { slack: ':warning:', unicode: '⚠️' },
};

/** Colours of Slack's own palette: blue, yellow, green, red, orange, dark red, grey. */
const COLOR: Readonly<Record<PipelineEventType, string>> = {
  started: '#1D9BD1',
  approval_required: '#ECB22E',
  succeeded: '#2EB67D',
  failed: '#E01E5A',
  rolled_back: '#E8912D',
  rollback_failed: '#8B0000',
  superseded: '#868686',
  lock_released_by_watchdog: '#ECB22E',
};

const STAGE_EMOJI: Readonly<Record<StageStatus, Emoji>> = {
  succeeded: { slack: ':white_check_mark:', unicode: '✅' },
  failed: { slack: ':x:', unicode: '❌' },
  skipped: { slack: ':heavy_minus_sign:', unicode: '➖' },
  running: { slack: ':hourglass_flowing_sand:', unicode: '⏳' },
  cancelled: { slack: ':no_entry_sign:', unicode: '🚫' },
};

/** Every emoji a description can use, short code to Unicode (for renderers that draw Unicode). */
export const EMOJI_UNICODE: Readonly<Record<string, string>> = Object.fromEntries(
  [...Object.values(EMOJI), ...Object.values(STAGE_EMOJI)].map((e) => [e.slack, e.unicode]),
);

function headlineOf(event: PipelineEvent): string {
  const env = event.environment;
  const what = `${event.service} ${event.source.shortCommit || '(unknown commit)'}`;
  const by = event.source.author ? ` by ${event.source.author}` : '';
  const took = event.execution.durationMs === null ? '' : formatDuration(event.execution.durationMs);
  const stage = event.failure?.stage;
  switch (event.type) {
    case 'started':
      return `${env}: deploying ${what}${by}`;
    case 'approval_required':
      return `${env}: ${what}${by} waits for approval`;
    case 'succeeded':
      return `${env}: deployed ${what}${by}${took ? ` in ${took}` : ''}`;
    case 'failed':
      return `${env}: ${what}${by} failed${stage ? ` in ${stage}` : ''}${took ? ` after ${took}` : ''}`;
    case 'rolled_back':
      return `${env}: rolled back ${what}${by}${took ? ` after ${took}` : ''}`;
    case 'rollback_failed':
      return `${env}: rollback of ${what}${by} FAILED, the environment needs a person`;
    case 'superseded':
      return `${env}: ${what}${by} superseded${event.supersededBy ? ` by ${event.supersededBy.shortCommit}` : ''}`;
    case 'lock_released_by_watchdog':
      return `${env}: run of ${what}${by} ended ${event.watchdog?.executionStatus ?? 'unexpectedly'}, lock released`;
  }
}

function pct(value: number | null): string | undefined {
  return value === null ? undefined : `${value.toFixed(1)}%`;
}

function summariesOf(event: PipelineEvent): string[] {
  const out: string[] = [];
  if (event.coverage) {
    const c = event.coverage;
    const parts = [
      pct(c.linePct) && `${pct(c.linePct)} lines`,
      pct(c.branchPct) && `${pct(c.branchPct)} branches`,
      pct(c.newCodePct) && `${pct(c.newCodePct)} of new code`,
    ].filter(Boolean);
    const verdict = c.passed ? 'passed' : `failed: ${c.failedRules.join(', ')}`;
    out.push(`Coverage: ${parts.join(', ') || 'not measured'} (${verdict})`);
  }
  if (event.plan) {
    const p = event.plan;
    const extra = [
      p.replace > 0 && `${p.replace} replaced`,
      p.protectedChanges > 0 && `${p.protectedChanges} protected`,
    ]
      .filter(Boolean)
      .join(', ');
    out.push(`Plan: ${p.summary}${extra ? ` (${extra})` : ''}`);
  }
  if (event.scan) {
    const counts = Object.entries(event.scan.counts)
      .filter(([, n]) => n > 0)
      .map(([severity, n]) => `${n} ${severity.toLowerCase()}`);
    out.push(`Scan: ${event.scan.status}, ${counts.length === 0 ? 'no findings' : counts.join(', ')}`);
  }
  if (event.image) out.push(`Image: ${event.image.digest.slice(0, 19)}…`);
  if (event.cost) out.push(costLine(event.cost));
  return out;
}

/**
 * `Cost of this run: $0.04 (...)`: the final notification is sent before the run's ending states, so
 * the line says that they are counted in.
 */
export function costLine(cost: NonNullable<PipelineEvent['cost']>): string {
  const ending =
    cost.endingStates === 0
      ? 'every state transition'
      : `the state transitions so far plus the ${cost.endingStates} ending state${cost.endingStates === 1 ? '' : 's'}`;
  return `Cost of this run: ${cost.display} (list prices; ${ending}, builds, functions)`;
}

function nextStepsOf(event: PipelineEvent): string[] {
  const exec = event.execution.name;
  const status = `\`deployctl status ${exec}\``;
  switch (event.type) {
    case 'approval_required':
      return event.approval
        ? [`Approve: \`${event.approval.approveCommand}\``, `Reject: \`${event.approval.rejectCommand}\``]
        : [];
    case 'failed':
      return [
        `See every stage: ${status}`,
        `After a fix, push again; to retry this run from ${event.failure?.stage ?? 'the failed stage'}: \`deployctl redrive ${exec}\``,
      ];
    case 'rolled_back':
      return [`The previous release is live again. See why: ${status}`];
    case 'rollback_failed':
      return [
        `The environment may be half-deployed: inspect it with ${status}`,
        `Roll back by hand: \`deployctl rollback --service ${event.service} --env ${event.environment}\``,
      ];
    case 'lock_released_by_watchdog':
      return [
        `See where it stopped: ${status}`,
        `Deploy again: \`deployctl run --service ${event.service} --env ${event.environment}\``,
      ];
    default:
      return [];
  }
}

/** The types whose failure record is shown as the reason (a superseded run did not fail). */
const FAILURE_TYPES: readonly PipelineEventType[] = ['failed', 'rolled_back', 'rollback_failed'];

/**
 * Describes an event for people. Failures (`failed`, `rolled_back`, `rollback_failed`) carry the
 * reason, which every renderer puts first.
 */
export function describeEvent(event: PipelineEvent): EventDescription {
  const message = firstLine(event.source.message);
  const fields: Field[] = [
    { label: 'Service', value: event.service },
    { label: 'Environment', value: event.environment },
    {
      label: 'Commit',
      value: `${event.source.shortCommit || 'unknown'}${message ? ` ${message}` : ''}`,
      ...(event.source.commitUrl ? { url: event.source.commitUrl } : {}),
    },
  ];
  if (event.source.author) fields.push({ label: 'Author', value: event.source.author });
  if (event.source.branch) fields.push({ label: 'Branch', value: event.source.branch });
  fields.push({ label: 'Trigger', value: event.trigger });
  if (event.execution.durationMs !== null && event.type !== 'started') {
    fields.push({ label: 'Duration', value: formatDuration(event.execution.durationMs) });
  }
  const links: Field[] = [];
  if (event.execution.consoleUrl)
    links.push({ label: 'Execution', value: event.execution.name, url: event.execution.consoleUrl });
  if (event.source.commitUrl)
    links.push({ label: 'Commit', value: event.source.shortCommit, url: event.source.commitUrl });
  if (event.scan?.consoleUrl) links.push({ label: 'Scan findings', value: 'ECR console', url: event.scan.consoleUrl });

  return {
    emoji: EMOJI[event.type],
    color: COLOR[event.type],
    headline: headlineOf(event),
    ...(event.failure && FAILURE_TYPES.includes(event.type) ? { reason: { ...event.failure } } : {}),
    fields,
    summaries: summariesOf(event),
    timeline: event.stages.map((s) => ({
      emoji: STAGE_EMOJI[s.status],
      name: s.name,
      status: s.status,
      duration: s.durationMs === null ? '' : formatDuration(s.durationMs),
    })),
    links,
    nextSteps: nextStepsOf(event),
  };
}
