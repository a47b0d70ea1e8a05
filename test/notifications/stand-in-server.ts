import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Epoch ms when it arrived. */
  readonly at: number;
}

/** What the stand-in answers to one request. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering (a slow server). */
  readonly delayMs?: number;
}

/**
 * A local HTTP server standing in for Slack or GitHub: records every request and answers from a
 * script, one entry per request (the last entry repeats), or through `route` when given.
 */
export class StandInServer {
  readonly requests: RecordedRequest[] = [];
  private script: ScriptedAnswer[] = [{ status: 200, body: 'ok' }];
  private server?: Server;
  route?: (request: RecordedRequest) => ScriptedAnswer;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.requests.push(request);
        const answer = this.route ? this.route(request) : this.script.length > 1 ? this.script.shift() : this.script[0];
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer?.status ?? 500, { 'content-type': 'text/plain', ...answer?.headers });
          res.end(answer?.body ?? '');
        };
        if (answer?.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers for the next requests, in order; the last one repeats. */
  answer(...script: ScriptedAnswer[]): this {
    this.script = script;
    this.requests.length = 0;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
