import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import type { Pool } from 'pg';
import type { LogLevel } from './config';
import { Lifecycle } from './lifecycle';
import { createMetrics, type Metrics, observeRequests } from './metrics';
import { registerHealth } from './routes/health';
import { registerItems } from './routes/items';
import { registerMetrics } from './routes/metrics';
import { registerReady } from './routes/ready';
import { type BuildInfo, registerVersion } from './routes/version';

const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/** What `buildApp` needs; everything with a side effect is passed in so tests control it. */
export interface AppDeps {
  /** The database pool; the app never ends it (the owner does, after the server closed). */
  readonly pool: Pool;
  /** Build identity for /version. */
  readonly build: BuildInfo;
  /** Shared with the shutdown sequence. @default a fresh Lifecycle */
  readonly lifecycle?: Lifecycle;
  /** @default a fresh registry with default process metrics */
  readonly metrics?: Metrics;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
  /** Where JSON log lines go. @default stdout */
  readonly logStream?: NodeJS.WritableStream;
  /** Longest wait for the database in /ready. @default 1000 */
  readonly readyTimeoutMs?: number;
}

/** Builds the Fastify app without listening, so tests use `inject` or their own `listen`. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const lifecycle = deps.lifecycle ?? new Lifecycle();
  const metrics = deps.metrics ?? createMetrics();
  const app = Fastify({
    logger: {
      level: deps.logLevel ?? 'info',
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      // Credentials can only reach a log through headers (the debug line below); the pool config is never logged.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    // Probes and scrapes would drown the request log.
    logController: new LogController({ disableRequestLogging: (request) => QUIET_PATHS.has(request.url) }),
    // Unknown body fields are an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });

  observeRequests(app, metrics);
  // At debug level (dev), the request headers help trace a call through the ALB (x-amzn-trace-id).
  app.addHook('onRequest', async (request) => {
    if (!QUIET_PATHS.has(request.url)) request.log.debug({ headers: request.headers }, 'request headers');
  });
  // Once shutdown began, every response ends its connection: kept-alive clients reconnect to
  // another pod instead of holding this one open until the drain deadline.
  app.addHook('onSend', async (_request, reply) => {
    if (lifecycle.shuttingDown) reply.header('connection', 'close');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      // Database errors can name users, tables or hosts: clients get a generic message.
      return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    }
    return reply
      .code(statusCode)
      .send({ statusCode, code: error.code, error: STATUS_CODES[statusCode] ?? 'Error', message: error.message });
  });

  registerHealth(app);
  registerReady(app, deps.pool, lifecycle, deps.readyTimeoutMs ?? 1000);
  registerVersion(app, deps.build);
  registerMetrics(app, metrics);
  registerItems(app, deps.pool, metrics);
  return app;
}
