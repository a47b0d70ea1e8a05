import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received, as the client meant to send it. */
export interface RecordedRequest {
  readonly method: string;
  /** The URL the client asked for (its real host), before the test's fetch sent it to the stand-in. */
  readonly intendedUrl: string;
  readonly path: string;
  readonly authorization: string | undefined;
}

/** What the stand-in answers to one request. */
export interface StandInAnswer {
  readonly status?: number;
  readonly body?: unknown;
  /** Waits this long before answering (a slow or hung GitHub). */
  readonly delayMs?: number;
}

/**
 * A local HTTP stand-in for GitHub's compare API: not GitHub, a server on 127.0.0.1 that records each
 * request and answers with what the test says. The client under test keeps its real API root
 * (`https://api.github.com`, `https://HOST/api/v3`); {@link StandInGitHub.fetch} sends those requests here
 * and records where they were meant to go.
 */
export class StandInGitHub {
  readonly requests: RecordedRequest[] = [];
  answer: (path: string) => StandInAnswer = () => ({ status: 404, body: { message: 'Not Found' } });
  private server: Server | undefined;
  private base = '';
  private readonly intended: string[] = [];

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const path = req.url ?? '';
      this.requests.push({
        method: req.method ?? '',
        intendedUrl: this.intended.shift() ?? '',
        path,
        authorization: req.headers.authorization,
      });
      const { status = 200, body = {}, delayMs = 0 } = this.answer(path);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      }, delayMs);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** A fetch that sends every request to the stand-in, keeping path and query, and records the real URL. */
  readonly fetch: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    this.intended.push(url.href);
    return fetch(`${this.base}${url.pathname}${url.search}`, init);
  };
}

/** A compare answer as GitHub shapes it (only the fields the client reads, plus a few it ignores). */
export function compareAnswer(
  files: Array<string | { filename: string; previous_filename?: string; status?: string }>,
  opts: { behindBy?: number; aheadBy?: number } = {},
): unknown {
  return {
    status: (opts.behindBy ?? 0) > 0 ? 'diverged' : 'ahead',
    ahead_by: opts.aheadBy ?? 1,
    behind_by: opts.behindBy ?? 0,
    total_commits: opts.aheadBy ?? 1,
    commits: [],
    files: files.map((f) =>
      typeof f === 'string' ? { filename: f, status: 'modified', additions: 1, deletions: 0, changes: 1 } : f,
    ),
  };
}
