import { spawnSync } from 'node:child_process';
import { UsageError } from './cli-errors';

/** A commit to deploy: its full id, the branch it is taken from, and its subject when known. */
export interface ResolvedCommit {
  readonly commit: string;
  readonly branch: string;
  /** The commit's subject from the local repository, or '' when the commit is not there. */
  readonly message: string;
}

export interface CommitRequest {
  /** Full or abbreviated (7+ hex digits) commit id. */
  readonly commit?: string;
  /** Branch to take the tip of (or to label `commit` with). */
  readonly branch: string;
  /** @default 'origin' */
  readonly remote?: string;
  /** The local clone git runs in. @default process.cwd() */
  readonly cwd?: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const SHORT_SHA = /^[0-9a-f]{7,39}$/;

function git(args: string[], cwd: string): { ok: boolean; out: string; err: string } {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (run.error !== undefined) return { ok: false, out: '', err: run.error.message };
  return { ok: run.status === 0, out: run.stdout.trim(), err: run.stderr.trim().split('\n')[0] ?? '' };
}

/**
 * The commit `deployctl run` deploys: `--commit` as given (an abbreviated id is completed by the
 * local clone), or the tip of `--branch` on the remote (`git ls-remote`), so a run deploys what
 * was pushed, not what happens to be checked out.
 *
 * @throws UsageError when the id is malformed, not in the clone, or the branch is not on the remote.
 */
export function resolveCommit(request: CommitRequest): ResolvedCommit {
  const cwd = request.cwd ?? process.cwd();
  const remote = request.remote ?? 'origin';
  let commit: string;
  if (request.commit !== undefined) {
    const given = request.commit.toLowerCase();
    if (FULL_SHA.test(given)) {
      commit = given;
    } else if (SHORT_SHA.test(given)) {
      const found = git(['rev-parse', '--verify', '--quiet', `${given}^{commit}`], cwd);
      if (!found.ok || !FULL_SHA.test(found.out)) {
        throw new UsageError(`commit ${given} is not in the repository at ${cwd}: pass the full 40-character id`);
      }
      commit = found.out;
    } else {
      throw new UsageError(`--commit must be a commit id (7 to 40 hex digits), got "${request.commit}"`);
    }
  } else {
    const ref = `refs/heads/${request.branch}`;
    const found = git(['ls-remote', '--exit-code', remote, ref], cwd);
    const sha = found.out
      .split('\n')
      .find((line) => line.endsWith(`\t${ref}`))
      ?.split('\t')[0];
    if (!found.ok || sha === undefined || !FULL_SHA.test(sha)) {
      const why = found.err === '' ? 'no such branch' : found.err;
      throw new UsageError(
        `could not read branch ${request.branch} from remote "${remote}" (${why}): run in a clone of the service's repository or pass --commit`,
      );
    }
    commit = sha;
  }
  const subject = git(['log', '-1', '--format=%s', commit], cwd);
  return { commit, branch: request.branch, message: subject.ok ? subject.out : '' };
}
