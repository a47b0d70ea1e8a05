import { Octokit } from '@octokit/rest';
import { appJwt, type GitHubCredentials } from '../shared/github-credentials';
import type { CommitStatus } from './commit-status-of';

/** Sets commit statuses on GitHub. */
export interface CommitStatusApi {
  /** @throws Octokit's `RequestError` (with `status`) or a network error */
  create(status: CommitStatus): Promise<void>;
}

export interface GitHubApiOptions {
  readonly credentials: () => Promise<GitHubCredentials>;
  /** REST API root, e.g. `https://api.github.com`. */
  readonly baseUrl: string;
  readonly now: () => Date;
  /** Limit of each request, in ms. */
  readonly timeoutMs: number;
}

/** Octokit writes warnings to the console by default; this code logs what it needs itself. */
const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** An installation token is renewed this long before it expires (they last an hour). */
const TOKEN_MARGIN_MS = 5 * 60_000;

/**
 * Commit statuses through `@octokit/rest`, authenticated with a token or as a GitHub App: the app's
 * JWT finds the repository's installation (unless the secret names one) and gets an installation
 * token, kept until 5 minutes before it expires.
 */
export function gitHubCommitStatusApi(options: GitHubApiOptions): CommitStatusApi {
  const octokit = (auth: string) =>
    new Octokit({ auth, baseUrl: options.baseUrl, userAgent: 'deploy-orchestrator', log: SILENT });
  const request = () => ({ signal: AbortSignal.timeout(options.timeoutMs) });
  const installations = new Map<string, number>();
  const tokens = new Map<number, { token: string; expiresAt: number }>();

  async function installationToken(
    credentials: Extract<GitHubCredentials, { kind: 'app' }>,
    owner: string,
    repo: string,
  ) {
    const app = octokit(appJwt(credentials.appId, credentials.privateKey, options.now()));
    const key = `${owner}/${repo}`.toLowerCase();
    let id = credentials.installationId ?? installations.get(key);
    if (id === undefined) {
      id = (await app.rest.apps.getRepoInstallation({ owner, repo, request: request() })).data.id;
      installations.set(key, id);
    }
    const cached = tokens.get(id);
    if (cached !== undefined && cached.expiresAt - TOKEN_MARGIN_MS > options.now().getTime()) return cached.token;
    const { data } = await app.rest.apps.createInstallationAccessToken({ installation_id: id, request: request() });
    tokens.set(id, { token: data.token, expiresAt: Date.parse(data.expires_at) });
    return data.token;
  }

  return {
    async create(status) {
      const credentials = await options.credentials();
      const token =
        credentials.kind === 'token'
          ? credentials.token
          : await installationToken(credentials, status.owner, status.repo);
      await octokit(token).rest.repos.createCommitStatus({
        owner: status.owner,
        repo: status.repo,
        sha: status.sha,
        state: status.state,
        context: status.context,
        description: status.description,
        ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
        request: request(),
      });
    },
  };
}
