import {
  type EnvironmentConfig,
  GITHUB_COM_HOST,
  type PipelineConfig,
  type ServiceConfig,
} from '../../../lib/contracts/pipeline-config';
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

/** Whether `service` is configured for `owner/repo` (GitHub) or the repository name (CodeCommit) `name`. */
function sameName(service: ServiceConfig, provider: PushEvent['provider'], name: string): boolean {
  if (service.repository.provider !== provider) return false;
  // GitHub owner and repository names are case-insensitive; CodeCommit names are not.
  return provider === 'github'
    ? service.repository.name.toLowerCase() === name.toLowerCase()
    : service.repository.name === name;
}

/** The host of a service's repository: its configured host on GitHub, undefined on CodeCommit. */
const hostOf = (service: ServiceConfig): string | undefined =>
  service.repository.provider === 'github' ? service.repository.host : undefined;

/** The GitHub hosts the configuration names, in order of first use. */
function gitHubHostsOf(config: PipelineConfig): string[] {
  return [...new Set(config.services.flatMap((s) => (s.repository.provider === 'github' ? [s.repository.host] : [])))];
}

type RoutedPush = Pick<PushEvent, 'provider' | 'repository' | 'ref'> & { readonly host?: string };

/**
 * Finds the services configured for the pushed repository and, in each, the environments whose
 * branch is the pushed branch (exact, case-sensitive like git). One execution per pair follows.
 *
 * A GitHub repository is its host and its `owner/repo`: a push from a host no service names is ignored
 * as `unknown-repository-host` before anything else is looked at, and a push is routed only to the
 * services on its own host. A GitHub push without a host counts as from github.com.
 */
export function routePush(config: PipelineConfig, push: RoutedPush): RouteResult {
  const host = push.provider === 'github' ? (push.host ?? GITHUB_COM_HOST).toLowerCase() : undefined;
  if (host !== undefined) {
    const known = gitHubHostsOf(config);
    if (!known.includes(host)) {
      return {
        kind: 'ignored',
        reason: 'unknown-repository-host',
        detail: `unknown repository host ${host}: no service is configured on it (configured GitHub hosts: ${known.join(', ') || 'none'})`,
      };
    }
  }
  if (push.ref.startsWith(TAG_PREFIX)) {
    return { kind: 'ignored', reason: 'tag', detail: `tags do not deploy (${push.ref})` };
  }
  const branch = branchOf(push.ref);
  if (branch === undefined) {
    return { kind: 'ignored', reason: 'not-a-branch', detail: `ref ${push.ref} is not a branch` };
  }
  const named = config.services.filter((service) => sameName(service, push.provider, push.repository));
  const services = named.filter((service) => hostOf(service) === host);
  if (services.length === 0) {
    const elsewhere = [...new Set(named.map(hostOf))];
    const where = host === undefined ? '' : ` on ${host}`;
    const hint = elsewhere.length === 0 ? '' : ` (it is configured on ${elsewhere.join(', ')})`;
    return {
      kind: 'ignored',
      reason: 'unknown-repository',
      detail: `no service is configured for ${push.provider} repository ${push.repository}${where}${hint}`,
    };
  }
  const targets = services
    // An environment that promotes from another starts only from that environment's successful runs
    // (lambdas/promote), never from a push: its runs deploy the image the source tested.
    .map((service) => ({
      service,
      environments: service.environments.filter((env) => env.branch === branch && env.promoteFrom === undefined),
    }))
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
