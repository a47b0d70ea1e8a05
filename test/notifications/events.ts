import { buildPipelineEvent } from '../../lambdas/notify/build-pipeline-event';
import { timingsFromVisits, visitsFromHistory } from '../../lambdas/notify/stage-timeline';
import type { PipelineEvent, PipelineEventType } from '../../lib/contracts/pipeline-event';
import { helmDeployFailedHistory } from './history';
import { EVENT_TIME, requestsByType, workflowPayloads } from './requests';

const FAILED_STAGES = timingsFromVisits(visitsFromHistory(helmDeployFailedHistory().events));
const DEPLOYED_STAGES = timingsFromVisits(visitsFromHistory(helmDeployFailedHistory(true).events));

/** The timeline each type is shown with: what the run had done when that event was published. */
const STAGES_OF: Readonly<Record<PipelineEventType, typeof FAILED_STAGES>> = {
  started: [],
  approval_required: DEPLOYED_STAGES.filter((s) => !['TerraformApply', 'HelmDeploy'].includes(s.name)),
  succeeded: DEPLOYED_STAGES,
  failed: FAILED_STAGES,
  rolled_back: FAILED_STAGES,
  rollback_failed: FAILED_STAGES,
  superseded: [],
  lock_released_by_watchdog: FAILED_STAGES.filter((s) => s.name !== 'HelmDeploy'),
};

/** One event of each type, built by the notify function's code from what the real workflow sends. */
export async function eventsByType(): Promise<Record<PipelineEventType, PipelineEvent>> {
  const requests = requestsByType(await workflowPayloads());
  return Object.fromEntries(
    Object.entries(requests).map(([type, request]) => [
      type,
      buildPipelineEvent(request, { now: EVENT_TIME, stages: STAGES_OF[type as PipelineEventType] }),
    ]),
  ) as Record<PipelineEventType, PipelineEvent>;
}

/**
 * The largest failure a run can report: a cause at the builder's limit full of markup characters and
 * code fences, 60 stages, a long commit message of non-ASCII text (CJK, accents, emoji sequences), a
 * long author and branch.
 */
export function maximalFailure(base: PipelineEvent): PipelineEvent {
  const cause =
    `Error: UPGRADE FAILED <release> & "x" \`\`\`nested fence\`\`\` ${'ошибка 失败 ❌ <tag> & '.repeat(200)}`.slice(
      0,
      2000,
    );
  return {
    ...base,
    service: 'a-very-long-service-name-of-32c',
    source: {
      ...base.source,
      author: `Zoë Ångström-Øyvindsdóttir ${'👩‍👩‍👧‍👦'.repeat(30)}`.slice(0, 200),
      branch: `release/${'ü'.repeat(190)}`,
      message: `修复：${'部署失败时回滚并通知 🚀 Ünïcödé ✨ '.repeat(60)}`.slice(0, 1000),
    },
    failure: { stage: 'HelmDeploy', error: 'HelmDeployFailed', cause },
    stages: Array.from({ length: 60 }, (_, i) => ({
      name: `Stage${String(i).padStart(2, '0')}${'x'.repeat(40)}`,
      status: i === 41 ? ('failed' as const) : i > 41 ? ('cancelled' as const) : ('succeeded' as const),
      startedAt: '2026-11-21T12:00:00.000Z',
      durationMs: 1_000 * (i + 1),
    })),
  };
}
