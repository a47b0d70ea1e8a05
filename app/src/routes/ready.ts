import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { checkDatabase } from '../database';
import type { Lifecycle } from '../lifecycle';

/** Readiness: this pod can serve a request end to end, so the database must answer too. */
export function registerReady(app: FastifyInstance, pool: Pool, lifecycle: Lifecycle, timeoutMs: number): void {
  app.get('/ready', async (request, reply) => {
    if (lifecycle.shuttingDown) return reply.code(503).send({ status: 'unready', reason: 'shutting down' });
    const reason = await checkDatabase(pool, timeoutMs);
    if (reason !== undefined) {
      request.log.warn({ reason }, 'readiness check failed');
      return reply.code(503).send({ status: 'unready', reason });
    }
    return { status: 'ready' };
  });
}
