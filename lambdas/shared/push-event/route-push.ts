import type { EnvironmentConfig, PipelineConfig, ServiceConfig } from '../../../lib/contracts/pipeline-config';
import type { IgnoreReason } from './push-decision';
import type { PushEvent } from './push-event';

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';

/** A configured service a push belongs to, with the environments that deploy its branch. */
export interface RouteTarget {
  readonly service: ServiceConfig;
  readonly environments: readonly EnvironmentConfig[];
}

export type RouteResult =
  | { readonly kind: 'ignored'; readonly reason: IgnoreReason; readonly detail: string }
  | { readonly kind: 'routed'; readonly branch: string; readonly targets: readonly RouteTarget[] };

/** The branch name of a `refs/heads/...` ref, or undefined for any other ref. */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith(BRANCH_PREFIX) && ref.length > BRANCH_PREFIX.length
    ? ref.slice(BRANCH_PREFIX.length)
    : undefined;
}

function sameRepository(service: ServiceConfig, push: Pick<PushEvent, 'provider' | 'repository'>): boolean {
  if (service.repository.provider !== push.provider) return false;
  // GitHub owner and repository names are case-insensitive; CodeCommit names are not.
  return push.provider === 'github'
    ? service.repository.name.toLowerCase() === push.repository.toLowerCase()
    : service.repository.name === push.repository;
}

/**
 * Finds the services configured for the pushed repository and, in each, the environments whose
 * branch is the pushed branch (exact, case-sensitive like git). One execution per pair follows.
 */
export function routePush(
  config: PipelineConfig,
  push: Pick<PushEvent, 'provider' | 'repository' | 'ref'>,
): RouteResult {
  if (push.ref.startsWith(TAG_PREFIX)) {
    return { kind: 'ignored', reason: 'tag', detail: `tags do not deploy (${push.ref})` };
  }
  const branch = branchOf(push.ref);
  if (branch === undefined) {
    return { kind: 'ignored', reason: 'not-a-branch', detail: `ref ${push.ref} is not a branch` };
  }
  const services = config.services.filter((service) => sameRepository(service, push));
  if (services.length === 0) {
    return {
      kind: 'ignored',
      reason: 'unknown-repository',
      detail: `no service is configured for ${push.provider} repository ${push.repository}`,
    };
  }
  const targets = services
    .map((service) => ({ service, environments: service.environments.filter((env) => env.branch === branch) }))
    .filter((target) => target.environments.length > 0);
  if (targets.length === 0) {
    return {
      kind: 'ignored',
      reason: 'no-environment-for-branch',
      detail: `no environment deploys branch ${branch} of ${push.repository}`,
    };
  }
  return { kind: 'routed', branch, targets };
}
