/** `/healthz` (process is up), `/readyz` (storage answers, catalog compiled), `/metrics` (Prometheus). */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import type { CatalogSnapshot } from '../catalog/snapshot.js';
import type { ProfileStore } from '../storage/ports.js';

export interface HealthRouteOptions {
  metrics: Metrics;
  profiles: ProfileStore;
  catalog: () => CatalogSnapshot;
}

export function registerHealthRoutes(app: FastifyInstance, opts: HealthRouteOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const snapshot = opts.catalog();
    try {
      await opts.profiles.get('0'.repeat(38));
    } catch (err) {
      return reply
        .code(503)
        .send({ status: 'unavailable', reason: `profile store: ${(err as Error).message}` });
    }
    return {
      status: 'ready',
      catalogVersion: snapshot.version,
      traits: snapshot.traits.size,
      segments: snapshot.segments.size,
      problems: snapshot.problems,
    };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
