import { changePathsOf, type PipelineConfig } from '../../../lib/contracts/pipeline-config';
import { buildExecutionInput } from './build-execution-input';
import { classifyChanges } from './classify-changes';
import type { PlannedExecution, PushDecision, SkippedService } from './push-decision';
import type { PushEvent } from './push-event';
import { routePush } from './route-push';
import { skipDirectiveOf } from './skip-ci';

/**
 * Turns a push from any provider into the executions it should start (one per matching service
 * and environment), or the reason it starts none. Pure: no AWS calls, no clock.
 */
export function normalizePush(push: PushEvent, config: PipelineConfig): PushDecision {
  const route = routePush(config, push);
  if (route.kind === 'ignored') return route;
  if (push.deleted) {
    return { kind: 'ignored', reason: 'branch-deleted', detail: `branch ${route.branch} was deleted` };
  }
  const skip = skipDirectiveOf(push.message, config.skipDirectives);
  if (skip !== undefined) {
    return { kind: 'ignored', reason: 'skip-ci', detail: `head commit message contains ${skip}` };
  }

  const executions: PlannedExecution[] = [];
  const skipped: SkippedService[] = [];
  for (const { service, environments } of route.targets) {
    const changes = classifyChanges(push.paths, changePathsOf(service), push.pathsSource);
    if (!changes.app && !changes.infra) {
      skipped.push({
        service: service.name,
        reason: 'no-relevant-changes',
        detail: `the push touches none of the app, infrastructure or pipeline paths of ${service.name}`,
      });
      continue;
    }
    for (const environment of environments) {
      executions.push(
        buildExecutionInput({
          service: service.name,
          environment: environment.name,
          trigger: 'push',
          source: {
            provider: push.provider,
            repository: push.repository,
            ref: push.ref,
            branch: route.branch,
            commit: push.after,
            before: push.before,
            message: push.message,
            author: push.author,
            url: push.url,
            deliveryId: push.deliveryId,
          },
          changes,
        }),
      );
    }
  }
  if (executions.length === 0) {
    return {
      kind: 'ignored',
      reason: 'no-relevant-changes',
      detail: skipped.map((s) => s.detail).join('; '),
    };
  }
  return { kind: 'start', executions, skipped };
}
