/**
 * A push, whatever delivered it (GitHub webhook, CodeCommit event): the provider-neutral form the
 * normalizer routes and classifies.
 */
export interface PushEvent {
  readonly provider: 'github' | 'codecommit';
  /**
   * The host a GitHub push came from, lowercase (`github.com`, a GitHub Enterprise Server host, a GHE.com
   * host): part of the repository's identity. Absent for CodeCommit.
   */
  readonly host?: string;
  /** `owner/repo` on GitHub, the repository name on CodeCommit. */
  readonly repository: string;
  /** Full ref, e.g. `refs/heads/main` or `refs/tags/v1`. */
  readonly ref: string;
  /** Commit the ref points to after the push (all zeros when the ref was deleted). */
  readonly after: string;
  /** Commit the ref pointed to before the push; null when the ref is new. */
  readonly before: string | null;
  /** The ref was deleted by this push. */
  readonly deleted: boolean;
  /** Head commit message ('' when the event does not carry it). */
  readonly message: string;
  readonly author: string;
  /** Link to the head commit or the comparison. */
  readonly url: string;
  /** Identifies this delivery; redeliveries keep it, so execution names derive from it. */
  readonly deliveryId: string;
  /** Every changed path, or null when the event cannot tell (treat everything as changed). */
  readonly paths: readonly string[] | null;
  /** Where `paths` came from: the event itself, or GitHub's compare API. @default 'payload' */
  readonly pathsSource?: 'payload' | 'compare-api';
  /**
   * Why `paths` is null, in words for logs and replies (`new branch`, `forced push`, ...). Absent when the
   * paths are known.
   */
  readonly unknownReason?: string;
  /**
   * The commit or branch a comparison with `after` would tell the changed files from, when `paths` is null
   * and one exists: `before`, or for a new branch the repository's default branch. GitHub only.
   */
  readonly compareBase?: string;
}

/** The all-zero object id git uses for "no commit" (a created or deleted ref). */
export const ZERO_COMMIT = '0000000000000000000000000000000000000000';
