import type { FastifyInstance } from 'fastify';

/**
 * Liveness: answers whenever the event loop does. It never touches the database, so a database
 * outage makes pods unready (no traffic) instead of getting every pod restarted in a loop.
 */
export function registerHealth(app: FastifyInstance): void {
  app.get('/health', async () => ({ status: 'ok' }));
}
