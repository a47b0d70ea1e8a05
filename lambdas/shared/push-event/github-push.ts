import * as z from 'zod';
import { GITHUB_COM_HOST } from '../../../lib/contracts/pipeline-config';
import { formatPath } from '../../../lib/contracts/validation-issues';
import { type PushEvent, ZERO_COMMIT } from './push-event';

/**
 * Most commits a push webhook lists. GitHub's webhook schema for `push` (the REST API description
 * behind docs.github.com/en/webhooks/webhook-events-and-payloads#push): "The array includes a maximum of
 * 2048 commits." The 20-commit cap sometimes quoted is the Events API's: "This limit is applied to
 * timeline events only and isn't applied to webhook deliveries." A push listing exactly this many may
 * have had more, so it counts as incomplete.
 */
export const GITHUB_MAX_LISTED_COMMITS = 2048;
/**
 * Most changed files a push webhook lists for one commit, per commit and not per push. GitHub's webhook
 * schema, `commits[].added` (and `removed`, `modified`): "A maximum of 3000 changed files will be
 * reported per commit." A commit listing this many may have had more.
 */
export const GITHUB_MAX_FILES_PER_COMMIT = 3000;

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
  repository: z.object({
    full_name: z.string().min(1),
    html_url: z.string().optional(),
    /** The branch a new branch is compared with when the payload cannot tell what it changed. */
    default_branch: z.string().optional(),
  }),
});

export type GitHubPush = z.output<typeof gitHubPushSchema>;

/** Validates a parsed push payload; the error names each wrong field without echoing values. */
export function parseGitHubPush(payload: unknown): GitHubPush {
  const result = gitHubPushSchema.safeParse(payload);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new InvalidPushPayload(`not a valid push payload: ${problems.join('; ')}`);
}

/** What the payload tells of the files a push changed. */
export type PayloadChanges =
  | { readonly paths: string[] }
  | {
      readonly paths: null;
      /** Why the list is not the whole change, in words for logs (`new branch`, `forced push`, ...). */
      readonly reason: string;
    };

/**
 * Every path the push changed, or null with the reason when the payload cannot tell. Each limit below is
 * GitHub's for webhook deliveries (see the constants for the documentation quoted):
 * - a new branch (`created`) or a forced push: the listed commits are not the whole difference from what
 *   was deployed before;
 * - no listed commit, or {@link GITHUB_MAX_LISTED_COMMITS} or more: the list may be cut;
 * - `size` or `distinct_size` above the listed commits: these are Events API fields ("The number of
 *   commits in the push", docs.github.com/en/rest/using-the-rest-api/github-event-types#pushevent) that
 *   webhook deliveries do not document; when a payload carries them and they count more commits than
 *   it lists, the list is incomplete;
 * - a commit listing {@link GITHUB_MAX_FILES_PER_COMMIT} or more files: its list may be cut;
 * - a commit listing no file at all: GitHub's webhook types say of `added`/`modified`/`removed` "For
 *   extremely large commits where GitHub is unable to calculate this list in a timely manner, this may
 *   be empty even if files were added". An empty commit (`git commit --allow-empty`) looks the same, so
 *   the payload alone cannot tell the two apart: unknown. The webhook then asks the compare API when it
 *   can, which tells them apart (docs/push-trigger.md, "Empty commits").
 */
export function changeListOf(push: GitHubPush): PayloadChanges {
  const listed = push.commits.length;
  if (push.created) return { paths: null, reason: 'new branch' };
  if (push.forced) return { paths: null, reason: 'forced push' };
  if (listed === 0) return { paths: null, reason: 'no commit listed' };
  if (listed >= GITHUB_MAX_LISTED_COMMITS) {
    return { paths: null, reason: `${listed} commits listed (GitHub lists at most ${GITHUB_MAX_LISTED_COMMITS})` };
  }
  if ((push.size ?? 0) > listed || (push.distinct_size ?? 0) > listed) {
    return { paths: null, reason: `size or distinct_size counts more commits than the ${listed} listed` };
  }
  const paths = new Set<string>();
  for (const commit of push.commits) {
    const files = commit.added.length + commit.modified.length + commit.removed.length;
    if (files === 0) return { paths: null, reason: `commit ${commit.id.slice(0, 7)} lists no file` };
    if (files >= GITHUB_MAX_FILES_PER_COMMIT) {
      return {
        paths: null,
        reason: `commit ${commit.id.slice(0, 7)} lists ${files} files (GitHub lists at most ${GITHUB_MAX_FILES_PER_COMMIT})`,
      };
    }
    for (const path of commit.added) paths.add(path);
    for (const path of commit.modified) paths.add(path);
    for (const path of commit.removed) paths.add(path);
  }
  return { paths: [...paths].sort() };
}

/** Every path the push changed, or null when the payload cannot tell (see {@link changeListOf}). */
export function changedPathsOf(push: GitHubPush): string[] | null {
  return changeListOf(push).paths;
}

/**
 * What a comparison with `after` would be based on when the payload cannot tell the changed files: the
 * commit before the push, or for a new branch the repository's default branch (the files the branch
 * changes since it forked from it). None for a new default branch.
 */
function compareBaseOf(push: GitHubPush, before: string | null): string | undefined {
  if (before !== null) return before;
  const branch = push.ref.startsWith('refs/heads/') ? push.ref.slice('refs/heads/'.length) : undefined;
  const base = push.repository.default_branch;
  return base === undefined || base === '' || base === branch ? undefined : base;
}

/**
 * The host a push came from, lowercase. GitHub Enterprise Server names itself in a delivery header
 * ("X-GitHub-Enterprise-Host: The hostname of the GitHub Enterprise Server instance that sent the HTTP POST
 * payload", docs.github.com/en/enterprise-server@latest/webhooks/webhook-events-and-payloads#delivery-headers);
 * every push payload names its repository's page, `repository.html_url`, on the host that serves it
 * (`https://octocoders.github.io/Codertocat/Hello-World` in GitHub's own GHES examples). The payload is
 * signed and the header is not, so `html_url` decides; a header that names another host is refused rather
 * than guessed between. A payload without `html_url` and without the header is from GitHub.com.
 *
 * @param enterpriseHost the `X-GitHub-Enterprise-Host` header, when the delivery has one.
 * @throws InvalidPushPayload when `html_url` is not an http(s) URL, or the header names another host.
 */
export function gitHubHostOf(push: GitHubPush, enterpriseHost?: string): string {
  const header = enterpriseHost?.trim().toLowerCase() || undefined;
  const htmlUrl = push.repository.html_url;
  if (htmlUrl === undefined || htmlUrl === '') return header ?? GITHUB_COM_HOST;
  let host: string;
  try {
    const url = new URL(htmlUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(url.protocol);
    host = url.hostname.toLowerCase();
  } catch {
    throw new InvalidPushPayload('not a valid push payload: repository.html_url: must be an http(s) URL');
  }
  if (header !== undefined && header !== host) {
    throw new InvalidPushPayload(
      `X-GitHub-Enterprise-Host "${header.slice(0, 100)}" does not match the host of repository.html_url (${host})`,
    );
  }
  return host;
}

/**
 * The provider-neutral push of a validated GitHub payload.
 * @param enterpriseHost the `X-GitHub-Enterprise-Host` header, when the delivery has one (see {@link gitHubHostOf}).
 */
export function pushEventFromGitHub(push: GitHubPush, deliveryId: string, enterpriseHost?: string): PushEvent {
  const head = push.head_commit ?? undefined;
  const before = push.before === undefined || push.before === null || push.before === ZERO_COMMIT ? null : push.before;
  const changes: PayloadChanges = push.deleted ? { paths: [] } : changeListOf(push);
  const base = changes.paths === null ? compareBaseOf(push, before) : undefined;
  return {
    provider: 'github',
    host: gitHubHostOf(push, enterpriseHost),
    repository: push.repository.full_name,
    ref: push.ref,
    after: push.after,
    before,
    deleted: push.deleted || push.after === ZERO_COMMIT,
    message: head?.message ?? '',
    author: head?.author?.name ?? head?.author?.username ?? push.pusher?.name ?? '',
    url: head?.url ?? push.compare ?? push.repository.html_url ?? '',
    deliveryId,
    paths: changes.paths,
    ...(changes.paths === null ? { unknownReason: changes.reason } : {}),
    ...(base === undefined ? {} : { compareBase: base }),
  };
}
