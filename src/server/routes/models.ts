import type { FastifyInstance } from 'fastify';
import { ENGINE_IDS, OPENAI_MODEL_IDS, type EngineInfo } from '../../engines/index.js';

const CREATED = Math.floor(Date.parse('2026-11-25T00:00:00Z') / 1000);

export function modelRoutes(app: FastifyInstance, engines: readonly EngineInfo[]): void {
  app.get('/v1/models', { schema: { summary: 'List models and engines, with whether each is installed', tags: ['models'] } }, async () => {
    const defaultEngine = engines.find((e) => e.available()) ?? engines[0];
    const entry = (id: string, engine: EngineInfo | undefined) => ({
      id,
      object: 'model',
      created: CREATED,
      owned_by: 'litetts',
      engine: engine?.id ?? id,
      installed: engine?.available() ?? false,
      description: engine?.description ?? `${id} engine (not part of this build)`,
    });
    return {
      object: 'list',
      data: [
        ...OPENAI_MODEL_IDS.map((id) => entry(id, defaultEngine)),
        ...ENGINE_IDS.map((id) => entry(id, engines.find((e) => e.id === id))),
      ],
    };
  });
}
