import type { FastifyInstance } from 'fastify';
import type { EngineInfo } from '../../engines/index.js';
import type { VoiceLibrary } from '../../voices/library.js';
import type { Metrics } from '../metrics.js';
import type { CatalogBackend } from '../../store/open.js';

export function healthRoutes(
  app: FastifyInstance,
  deps: {
    engines: readonly EngineInfo[];
    library: VoiceLibrary;
    metrics: Metrics;
    /** Where the catalog lives: `sqlite` (the data directory's file) or `postgresql` (shared by replicas). */
    catalogBackend: CatalogBackend;
    jobs?: { counts(): Promise<{ queued: number; running: number }> };
  },
): void {
  const health = async () => ({
    status: 'ok',
    engines: Object.fromEntries(
      deps.engines.map((e) => [
        e.id,
        { available: e.available(), sample_rate: e.sampleRate, description: e.description, ...(!e.available() && { install: e.installHint }), ...e.health?.() },
      ]),
    ),
    default_voice: deps.library.defaultVoiceName(),
    voices: await deps.library.counts(),
    catalog: { backend: deps.catalogBackend },
    ...(deps.jobs && { jobs: await deps.jobs.counts() }),
  });
  app.get(
    '/health',
    { schema: { summary: 'Health: engines (with how to install a missing one), the default voice, voice counts, the catalog backend, jobs queued and running', tags: ['operations'] } },
    health,
  );
  app.get('/v1/health', { schema: { summary: 'Health (alias of /health)', tags: ['operations'] } }, health);
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
