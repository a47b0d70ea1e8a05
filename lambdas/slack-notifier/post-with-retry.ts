/** How hard the notifier tries before it gives an event up to the dead-letter queue. */
export interface RetryPolicy {
  /** Requests at most, the first included. */
  readonly maxAttempts: number;
  /** Time for all attempts and waits together, in ms; a wait that would end past it is not started. */
  readonly budgetMs: number;
  /** One request's limit, in ms (a slow answer counts as a failed attempt). */
  readonly attemptTimeoutMs: number;
  /** First backoff in ms; doubled per attempt, with full jitter, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The notifier's policy: 5 attempts within 60 s, 10 s per request, backoff 1 s doubling to 16 s.
 * Slack asks for at most one message per second per webhook and answers bursts with HTTP 429 and a
 * `Retry-After` header in seconds ("Rate limits", https://docs.slack.dev/apis/web-api/rate-limits).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  budgetMs: 60_000,
  attemptTimeoutMs: 10_000,
  baseDelayMs: 1_000,
  maxDelayMs: 16_000,
};

export interface PostDeps {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  /** Epoch ms. */
  readonly now: () => number;
  /** In [0, 1), for the jitter. */
  readonly random: () => number;
}

/** One request and how it ended. */
export interface Attempt {
  /** The HTTP status, or null when no answer came (network error, timeout). */
  readonly status: number | null;
  /** Slack's error word for a refused post (`invalid_blocks`, `channel_not_found`), or the network error's name. */
  readonly error?: string;
  /** The wait the answer asked for (`Retry-After`), in ms. */
  readonly retryAfterMs?: number;
  /** How long the request took, in ms. */
  readonly ms: number;
}

export type PostOutcome =
  | { readonly delivered: true; readonly attempts: readonly Attempt[] }
  | {
      readonly delivered: false;
      /** `rejected`: an answer that retrying cannot change (4xx other than 429); `exhausted`: out of attempts; `budget`: out of time. */
      readonly reason: 'rejected' | 'exhausted' | 'budget';
      readonly attempts: readonly Attempt[];
    };

/**
 * `Retry-After` in ms: delay-seconds or an HTTP-date (RFC 9110, section 10.2.3); undefined when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const retriable = (status: number) => status === 429 || status >= 500;

/**
 * POSTs a JSON body to a Slack incoming webhook, retrying HTTP 429, 5xx, timeouts and network errors:
 * after a 429 (or a 5xx with `Retry-After`) it waits exactly what Slack asked, otherwise an
 * exponential backoff with full jitter. Gives up when attempts or the time budget run out (a
 * `Retry-After` longer than what is left ends it at once). Never reads or reports the URL.
 */
export async function postWithRetry(url: URL, body: string, policy: RetryPolicy, deps: PostDeps): Promise<PostOutcome> {
  const started = deps.now();
  const attempts: Attempt[] = [];
  for (let n = 1; ; n++) {
    const left = policy.budgetMs - (deps.now() - started);
    const begin = deps.now();
    let attempt: Attempt;
    try {
      const res = await deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(Math.max(1, Math.min(policy.attemptTimeoutMs, left))),
      });
      const text = (await res.text()).slice(0, 200);
      const wait = retryAfterMs(res.headers.get('retry-after'), deps.now());
      attempt = {
        status: res.status,
        ...(res.ok ? {} : { error: /^[a-z_]+$/.test(text.trim()) ? text.trim() : `HTTP ${res.status}` }),
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
        ms: deps.now() - begin,
      };
      attempts.push(attempt);
      if (res.ok) return { delivered: true, attempts };
      if (!retriable(res.status)) return { delivered: false, reason: 'rejected', attempts };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      attempt = { status: null, error: e.cause?.code ?? e.name, ms: deps.now() - begin };
      attempts.push(attempt);
    }
    if (n >= policy.maxAttempts) return { delivered: false, reason: 'exhausted', attempts };
    const backoff = deps.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
    const delay = attempt.retryAfterMs ?? backoff;
    if (deps.now() - started + delay >= policy.budgetMs) return { delivered: false, reason: 'budget', attempts };
    await deps.sleep(delay);
  }
}
