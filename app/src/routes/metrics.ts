import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics';

/** Prometheus scrape endpoint. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
