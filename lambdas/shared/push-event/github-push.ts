import { z } from 'zod';
import { formatPath } from '../../../lib/contracts/validation-issues';
import { type PushEvent, ZERO_COMMIT } from './push-event';

/** GitHub lists at most this many commits in a push payload. */
export const GITHUB_MAX_LISTED_COMMITS = 20;
/** GitHub stops listing changed files once a push payload names this many. */
export const GITHUB_MAX_LISTED_FILES = 3000;

/** The push payload is not a usable GitHub push (wrong or missing fields). */
export class InvalidPushPayload extends Error {
  override readonly name = 'InvalidPushPayload';
}

const objectId = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character lowercase hex commit id');
const fileList = z.array(z.string()).default([]);
const person = z.object({ name: z.string().optional(), username: z.string().optional() });
const commitSchema = z.object({
  id: z.string(),
  message: z.string().default(''),
  url: z.string().optional(),
  author: person.optional(),
  added: fileList,
  modified: fileList,
  removed: fileList,
});

/** The fields of a GitHub `push` payload the pipeline reads; everything else is ignored. */
export const gitHubPushSchema = z.object({
  ref: z.string().min(1),
  before: objectId.nullish(),
  after: objectId,
  created: z.boolean().default(false),
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  compare: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  distinct_size: z.number().int().nonnegative().optional(),
  commits: z.array(commitSchema).default([]),
  head_commit: commitSchema.nullish(),
  pusher: person.optional(),
  repository: z.object({ full_name: z.string().min(1), html_url: z.string().optional() }),
});

export type GitHubPush = z.output<typeof gitHubPushSchema>;

/** Validates a parsed push payload; the error names each wrong field without echoing values. */
export function parseGitHubPush(payload: unknown): GitHubPush {
  const result = gitHubPushSchema.safeParse(payload);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new InvalidPushPayload(`not a valid push payload: ${problems.join('; ')}`);
}

/**
 * Every path the push changed, or null when the payload cannot tell: GitHub lists at most 20
 * commits and 3000 files, and for new branches and forced pushes the listed commits are not the
 * whole difference from what was deployed before.
 */
export function changedPathsOf(push: GitHubPush): string[] | null {
  const listed = push.commits.length;
  if (push.created || push.forced || listed === 0 || listed >= GITHUB_MAX_LISTED_COMMITS) return null;
  if ((push.size ?? 0) > listed || (push.distinct_size ?? 0) > listed) return null;
  const paths = new Set<string>();
  let files = 0;
  for (const commit of push.commits) {
    files += commit.added.length + commit.modified.length + commit.removed.length;
    if (files >= GITHUB_MAX_LISTED_FILES) return null;
    for (const path of commit.added) paths.add(path);
    for (const path of commit.modified) paths.add(path);
    for (const path of commit.removed) paths.add(path);
  }
  return [...paths].sort();
}

/** The provider-neutral push of a validated GitHub payload. */
export function pushEventFromGitHub(push: GitHubPush, deliveryId: string): PushEvent {
  const head = push.head_commit ?? undefined;
  return {
    provider: 'github',
    repository: push.repository.full_name,
    ref: push.ref,
    after: push.after,
    before: push.before === undefined || push.before === null || push.before === ZERO_COMMIT ? null : push.before,
    deleted: push.deleted || push.after === ZERO_COMMIT,
    message: head?.message ?? '',
    author: head?.author?.name ?? head?.author?.username ?? push.pusher?.name ?? '',
    url: head?.url ?? push.compare ?? push.repository.html_url ?? '',
    deliveryId,
    paths: push.deleted ? [] : changedPathsOf(push),
  };
}
