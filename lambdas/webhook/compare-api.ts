import { Octokit } from '@octokit/rest';
import { GITHUB_COM_HOST } from '../../lib/contracts/pipeline-config';

/**
 * Most changed files GitHub's compare API lists, for the whole comparison. "Compare two commits" (REST
 * reference, docs.github.com/en/rest/commits/commits#compare-two-commits, "Working with large
 * comparisons"): "The list of changed files is only shown on the first page of results, and it includes up
 * to 300 changed files for the entire comparison." Paging does not reach further files, so an answer
 * listing this many may have had more and counts as unknown.
 */
export const COMPARE_MAX_FILES = 300;

/**
 * The REST API root of a GitHub host:
 * - github.com: `https://api.github.com`;
 * - GitHub Enterprise Server: "http(s)://HOSTNAME/api/v3" (REST API endpoints for GitHub Enterprise
 *   administration, "Endpoint URLs", docs.github.com/en/enterprise-server@3.10/rest/enterprise-admin);
 * - GHE.com (data residency): `https://api.SUBDOMAIN.ghe.com` ("For GitHub Enterprise Cloud with Data
 *   Residency: https://api.SUBDOMAIN.ghe.com/graphql", docs.github.com/en/enterprise-cloud@latest/graphql/guides/managing-enterprise-accounts;
 *   the REST API is served from the same host).
 *
 * @param host a valid, lowercase GitHub host as the configuration holds it.
 */
export function gitHubApiRootOf(host: string): string {
  if (host === GITHUB_COM_HOST) return 'https://api.github.com';
  if (host.endsWith('.ghe.com')) return `https://api.${host}`;
  return `https://${host}/api/v3`;
}

/** One comparison the webhook asks for. */
export interface CompareRequest {
  /** The host the push came from (see `gitHubHostOf`). */
  readonly host: string;
  /** `owner/repo`. */
  readonly repository: string;
  /** Commit id or branch name the comparison starts from. */
  readonly base: string;
  /** The pushed commit. */
  readonly head: string;
  /** Aborts the requests when the webhook's time is up. */
  readonly signal: AbortSignal;
}

/** What the compare API told: the changed files, or why it could not tell (never the token). */
export type CompareOutcome =
  | { readonly kind: 'files'; readonly paths: string[] }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Asks GitHub which files a push changed; never throws (a failure is an `unknown` outcome). */
export type ChangedFilesLookup = (request: CompareRequest) => Promise<CompareOutcome>;

export interface CompareApiOptions {
  /** The token, read once per container from the secret (may throw: the outcome is then `unknown`). */
  readonly token: () => Promise<string>;
  /**
   * The API root the token belongs to (`notifications.commitStatuses.apiUrl`). A push from a host with
   * another API root is not compared: the token is never sent to a host it was not made for.
   */
  readonly tokenApiRoot: string;
  /** The HTTP client Octokit uses. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Octokit writes warnings to the console by default; the webhook logs what it needs itself. */
const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const sameRoot = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

/** Why a request failed, without GitHub's message (it may quote the request) and never with the token. */
function failureOf(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'compare API did not answer in time';
  const e = err as Error & { status?: number };
  return `compare API failed (${e.name}${e.status === undefined ? '' : ` ${e.status}`})`;
}

/**
 * The changed files of a push from GitHub's "Compare two commits" endpoint,
 * `GET /repos/{owner}/{repo}/compare/{base}...{head}`, through `@octokit/rest` (already the commit-status
 * function's client), on the push's own host. Files are the diff between the merge base and `head`; when
 * `base` has commits `head` does not (`behind_by > 0`: a forced push rewrote them), the reverse comparison
 * is asked too and both lists are joined, so files the dropped commits changed count as changed. Renamed
 * files count under both names. `per_page: 1` keeps the answer small: the file list comes on the first
 * page whatever its size.
 *
 * Unknown (never an error): no token for the push's host, a token that cannot be read, an HTTP error, a
 * timeout, an answer without `files`, or one listing {@link COMPARE_MAX_FILES} or more.
 */
export function gitHubCompareLookup(options: CompareApiOptions): ChangedFilesLookup {
  return async (request) => {
    const apiRoot = gitHubApiRootOf(request.host);
    if (!sameRoot(apiRoot, options.tokenApiRoot)) {
      return { kind: 'unknown', reason: `the configured GitHub token is for ${options.tokenApiRoot}, not ${apiRoot}` };
    }
    const [owner, repo] = request.repository.split('/') as [string, string];
    let token: string;
    try {
      token = await options.token();
    } catch (err) {
      return { kind: 'unknown', reason: `GitHub token unavailable (${(err as Error).name})` };
    }
    const octokit = new Octokit({
      auth: token,
      baseUrl: apiRoot,
      userAgent: 'deploy-orchestrator',
      log: SILENT,
      request: { fetch: options.fetch ?? globalThis.fetch },
    });
    const compare = async (base: string, head: string) => {
      const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
        owner,
        repo,
        basehead: `${base}...${head}`,
        per_page: 1,
        request: { signal: request.signal },
      });
      return data;
    };
    try {
      const paths = new Set<string>();
      const forward = await compare(request.base, request.head);
      const answers = forward.behind_by > 0 ? [forward, await compare(request.head, request.base)] : [forward];
      for (const answer of answers) {
        if (answer.files === undefined) return { kind: 'unknown', reason: 'compare API listed no files field' };
        if (answer.files.length >= COMPARE_MAX_FILES) {
          return {
            kind: 'unknown',
            reason: `compare API listed ${answer.files.length} files (it lists at most ${COMPARE_MAX_FILES})`,
          };
        }
        for (const file of answer.files) {
          paths.add(file.filename);
          if (file.previous_filename !== undefined) paths.add(file.previous_filename);
        }
      }
      return { kind: 'files', paths: [...paths].sort() };
    } catch (err) {
      return { kind: 'unknown', reason: failureOf(err, request.signal) };
    }
  };
}
