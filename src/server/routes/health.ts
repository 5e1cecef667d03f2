import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
    /** A health check that could not read the catalog (logged by the caller). */
    onCatalogError?: (error: unknown) => void;
  },
): void {
  const engines = () =>
    Object.fromEntries(
      deps.engines.map((e) => [
        e.id,
        { available: e.available(), sample_rate: e.sampleRate, description: e.description, ...(!e.available() && { install: e.installHint }), ...e.health?.() },
      ]),
    );
  /**
   * 200 while this replica can read its catalog (the counts are read from it every time); 503
   * with `status: "unavailable"` when it cannot (PostgreSQL unreachable, say), so that a load
   * balancer takes the replica out instead of sending it requests that would fail.
   */
  const health = async (_request: FastifyRequest, reply: FastifyReply) => {
    let counts: { voices: Awaited<ReturnType<VoiceLibrary['counts']>>; jobs?: { queued: number; running: number } };
    try {
      counts = { voices: await deps.library.counts(), ...(deps.jobs && { jobs: await deps.jobs.counts() }) };
    } catch (error) {
      deps.onCatalogError?.(error);
      return reply
        .status(503)
        .header('Retry-After', '5')
        .send({
          status: 'unavailable',
          engines: engines(),
          catalog: { backend: deps.catalogBackend, reachable: false },
          error: { message: 'The catalog cannot be read (is the database reachable?)', type: 'server_error', param: null, code: 'catalog_unavailable' },
        });
    }
    return {
      status: 'ok',
      engines: engines(),
      default_voice: deps.library.defaultVoiceName(),
      voices: counts.voices,
      catalog: { backend: deps.catalogBackend, reachable: true },
      ...(counts.jobs && { jobs: counts.jobs }),
    };
  };
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health: engines (with how to install a missing one), the default voice, voice counts, the catalog backend, jobs queued and running',
        description:
          'While the server installs Kokoro, `engines.kokoro.download` says how far it is: `file`, `received` and `total` bytes of the file under way, ' +
          'and `overall: {received, total, files, files_done}` over the model and voice packs.',
        tags: ['operations'],
      },
    },
    health,
  );
  app.get('/v1/health', { schema: { summary: 'Health (alias of /health)', tags: ['operations'] } }, health);
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
