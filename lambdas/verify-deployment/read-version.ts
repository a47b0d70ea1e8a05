/** What `/version` said in one request. */
export type VersionReading =
  | { readonly kind: 'answered'; readonly commit: string }
  | { readonly kind: 'unreachable'; readonly detail: string };

/** Largest `/version` body read, in bytes (the app's answer is about 100). */
export const MAX_VERSION_BODY_BYTES = 65_536;

/**
 * Asks the service's `/version` which commit it runs. The app answers
 * `{ "commitSha": "<40 hex>", "buildTime": "...", "node": "v22..." }` (`app/src/routes/version.ts`).
 * Never throws: a refused connection, a timeout, a non-2xx status or a body without a string
 * `commitSha` is `unreachable`, with what happened in `detail`.
 *
 * @param timeoutMs the whole request, answer included.
 */
export async function readVersion(
  url: string,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<VersionReading> {
  let response: Response;
  let body: string;
  try {
    response = await fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.text();
  } catch (err) {
    const error = err as Error;
    const why = error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error.message;
    return { kind: 'unreachable', detail: `${url}: ${why}` };
  }
  if (!response.ok) return { kind: 'unreachable', detail: `${url} answered HTTP ${response.status}` };
  if (Buffer.byteLength(body) > MAX_VERSION_BODY_BYTES) {
    return { kind: 'unreachable', detail: `${url} answered more than ${MAX_VERSION_BODY_BYTES} bytes` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unreachable', detail: `${url} did not answer JSON` };
  }
  const commit = (parsed as { commitSha?: unknown } | null)?.commitSha;
  if (typeof commit !== 'string') {
    return { kind: 'unreachable', detail: `${url} answered JSON without a string "commitSha"` };
  }
  return { kind: 'answered', commit };
}
