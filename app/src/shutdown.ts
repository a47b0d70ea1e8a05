import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Lifecycle } from './lifecycle';

/** What the shutdown sequence acts on. */
export interface ShutdownTargets {
  readonly app: FastifyInstance;
  readonly pool: Pool;
  readonly lifecycle: Lifecycle;
  /** Longest wait for in-flight requests before their connections are cut. */
  readonly drainSeconds: number;
}

/**
 * The SIGTERM sequence. By the time it runs, the pod's preStop sleep has given the endpoints and the
 * load balancer time to stop sending traffic, so it can stop listening at once:
 * 1. /ready answers 503 (requests still arriving on kept-alive connections see it);
 * 2. the listener closes (new connections are refused) and idle keep-alive connections are closed;
 * 3. in-flight requests finish, for at most `drainSeconds`, after which their connections are cut;
 * 4. the pool ends, once no request can use it any more.
 */
export async function shutdown(targets: ShutdownTargets): Promise<void> {
  const { app, pool, lifecycle, drainSeconds } = targets;
  lifecycle.beginShutdown();
  app.log.info({ drainSeconds }, 'shutdown started: draining in-flight requests');
  const deadline = setTimeout(() => {
    app.log.warn({ drainSeconds }, 'drain period over: closing the remaining connections');
    app.server.closeAllConnections();
  }, drainSeconds * 1000);
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
  await pool.end();
  app.log.info('shutdown complete');
}
