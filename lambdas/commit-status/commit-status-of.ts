import type { PipelineEvent, PipelineEventType } from '../../lib/contracts/pipeline-event';
import { formatDuration, truncateText } from '../shared/notifications/text';

/** GitHub's commit status states (REST API, "Create a commit status", `state`). */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  readonly owner: string;
  readonly repo: string;
  readonly sha: string;
  readonly state: CommitState;
  /** `deploy/<service>/<environment>`: one status per environment, replaced as the run goes on. */
  readonly context: string;
  readonly description: string;
  /** The execution in the Step Functions console. */
  readonly targetUrl?: string;
}

/**
 * GitHub refuses a longer description: "description is too long (maximum is 140 characters)", a 422
 * Validation Failed (seen in GitHub's API answers; the REST reference only says "A short description").
 */
export const MAX_DESCRIPTION_CHARS = 140;

/**
 * The state each event sets. A superseded run did not fail: the newer commit that replaced it
 * deploys (usually with this one's changes), so it is `success` with a description that says so.
 * A run the watchdog cleaned up (aborted, timed out) is `error`: it ended without a verdict.
 */
export const COMMIT_STATE: Readonly<Record<PipelineEventType, CommitState>> = {
  started: 'pending',
  approval_required: 'pending',
  succeeded: 'success',
  failed: 'failure',
  rolled_back: 'failure',
  rollback_failed: 'failure',
  superseded: 'success',
  lock_released_by_watchdog: 'error',
};

function descriptionOf(event: PipelineEvent): string {
  const env = event.environment;
  const took = event.execution.durationMs === null ? '' : ` in ${formatDuration(event.execution.durationMs)}`;
  const failure = event.failure ? `${event.failure.stage} failed: ${event.failure.error}` : 'failed';
  switch (event.type) {
    case 'started':
      return `Deploying to ${env}`;
    case 'approval_required':
      return `Waiting for approval to deploy to ${env}`;
    case 'succeeded':
      return `Deployed to ${env}${took}`;
    case 'failed':
      return `Not deployed to ${env}: ${failure}`;
    case 'rolled_back':
      return `Rolled back in ${env}: ${failure}`;
    case 'rollback_failed':
      return `Rollback failed in ${env}: the environment needs a person`;
    case 'superseded':
      return `Superseded in ${env} by ${event.supersededBy?.shortCommit ?? 'a newer commit'} (not deployed on its own)`;
    case 'lock_released_by_watchdog':
      return `Run ended ${event.watchdog?.executionStatus ?? 'unexpectedly'} before deploying to ${env}`;
  }
}

/**
 * The commit status an event sets, or null when it sets none: the source is not GitHub, or the
 * repository is not `owner/repo`, or the commit is not a 40-character id.
 */
export function commitStatusOf(event: PipelineEvent): CommitStatus | null {
  if (event.source.provider !== 'github') return null;
  const repo = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(event.source.repository);
  if (repo === null || !/^[0-9a-f]{40}$/.test(event.source.commit)) return null;
  return {
    owner: repo[1] as string,
    repo: repo[2] as string,
    sha: event.source.commit,
    state: COMMIT_STATE[event.type],
    context: `deploy/${event.service}/${event.environment}`,
    description: truncateText(descriptionOf(event), MAX_DESCRIPTION_CHARS),
    ...(event.execution.consoleUrl ? { targetUrl: event.execution.consoleUrl } : {}),
  };
}
