import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { VoiceLibrary } from '../../voices/library.js';
import type { VoiceKind } from '../../voices/voice.js';
import { errors } from '../errors.js';

const ListQuery = Type.Object({
  kind: Type.Optional(Type.String({ enum: ['builtin', 'custom', 'temporary', 'all'] })),
  engine: Type.Optional(Type.String()),
  session_id: Type.Optional(Type.String()),
});
type ListQuery = Static<typeof ListQuery>;

export function voiceRoutes(app: FastifyInstance, library: VoiceLibrary): void {
  const list = async (request: { query: ListQuery }) => ({
    object: 'list',
    data: library.list({
      // Without a filter the library shows builtin and custom voices; temporary ones only when asked for.
      kind: (request.query.kind as VoiceKind | 'all' | undefined) ?? (request.query.session_id !== undefined ? 'temporary' : 'all'),
      ...(request.query.engine !== undefined && { engine: request.query.engine }),
      ...(request.query.session_id !== undefined && { sessionId: request.query.session_id }),
    }),
  });
  const schema = { summary: 'List voices', tags: ['voices'], querystring: ListQuery };
  app.get<{ Querystring: ListQuery }>('/v1/voices', { schema }, list);
  app.get<{ Querystring: ListQuery }>('/v1/audio/voices', { schema: { ...schema, summary: 'List voices (alias of /v1/voices)' } }, list);

  app.get<{ Params: { name: string } }>(
    '/v1/voices/:name',
    { schema: { summary: 'One voice, any kind', tags: ['voices'], params: Type.Object({ name: Type.String() }) } },
    async (request) => {
      const voice = library.get(request.params.name);
      if (!voice) throw errors.voiceNotFound(request.params.name, 'name');
      return voice;
    },
  );
}
