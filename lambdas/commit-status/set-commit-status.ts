import type { Logger } from '@aws-lambda-powertools/logger';
import { parseEventMessage, UnreadableEventMessage } from '../shared/notifications/parse-event-message';
import { commitStatusOf } from './commit-status-of';
import type { CommitStatusApi } from './github-api';

export interface SetStatusDeps {
  readonly github: CommitStatusApi;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** `set`: GitHub took it; `skipped`: the event sets no status (not GitHub, unreadable); `failed`: logged. */
export type StatusOutcome = 'set' | 'skipped' | 'failed';

/**
 * Sets the commit status of one pipeline event (an SNS message). Never throws: a GitHub or
 * credentials problem is logged (status code and error name, never a token) and changes nothing
 * else; the deployment's result does not depend on GitHub.
 */
export async function setCommitStatus(message: string, deps: SetStatusDeps): Promise<StatusOutcome> {
  let status: ReturnType<typeof commitStatusOf>;
  let eventId: string;
  try {
    const event = parseEventMessage(message);
    eventId = event.id;
    status = commitStatusOf(event);
  } catch (err) {
    if (!(err instanceof UnreadableEventMessage)) throw err;
    deps.logger.warn('unreadable message: no commit status', { detail: err.message });
    return 'skipped';
  }
  if (status === null) return 'skipped';
  const where = {
    eventId,
    repository: `${status.owner}/${status.repo}`,
    sha: status.sha,
    context: status.context,
    state: status.state,
  };
  try {
    await deps.github.create(status);
    deps.logger.info('commit status set', where);
    return 'set';
  } catch (err) {
    const e = err as Error & { status?: number };
    deps.logger.error('commit status not set', {
      ...where,
      error: e.name,
      ...(e.status === undefined ? {} : { httpStatus: e.status }),
      // Octokit's messages carry GitHub's words and a docs link, never the token.
      detail: String(e.message).slice(0, 300),
    });
    return 'failed';
  }
}
