import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ENGINE_IDS } from '../../engines/index.js';
import type { VoiceLibrary } from '../../voices/library.js';
import { downloadVoice, exportVoices, importParsedVoices, type DownloadFormat, type VoiceFile } from '../../voices/transfer.js';
import type { VoiceKind } from '../../voices/voice.js';
import { errors } from '../errors.js';
import { readMultipart } from '../multipart.js';
import type { Uploads } from '../uploads/index.js';

const NameParams = Type.Object({ name: Type.String() });
type NameParams = Static<typeof NameParams>;
const SessionQuery = Type.Object({ session_id: Type.Optional(Type.String()) });
type SessionQuery = Static<typeof SessionQuery>;
/** `?engine=` takes the engines there are, as `?kind=` takes the kinds: anything else is a 400, not an empty list. */
const EngineFilter = Type.Optional(Type.String({ enum: [...ENGINE_IDS] }));
const ListQuery = Type.Object({
  kind: Type.Optional(Type.String({ enum: ['builtin', 'custom', 'temporary', 'all'] })),
  engine: EngineFilter,
  session_id: Type.Optional(Type.String()),
});
type ListQuery = Static<typeof ListQuery>;
const SaveBody = Type.Union([
  Type.Object({ session_id: Type.Optional(Type.String()), new_name: Type.Optional(Type.String()) }),
  Type.Null(),
]);
const SaveQuery = Type.Object({ session_id: Type.Optional(Type.String()), new_name: Type.Optional(Type.String()) });
type SaveQuery = Static<typeof SaveQuery>;
const PatchBody = Type.Object({ name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) }, { additionalProperties: false });
type PatchBody = Static<typeof PatchBody>;
const BlendBody = Type.Object({
  name: Type.String(),
  voices: Type.Union([Type.String(), Type.Array(Type.Object({ voice: Type.String(), weight: Type.Optional(Type.Number()) }))]),
  // No default here: absent, the library decides (custom, unless a session or a lifetime is named).
  temporary: Type.Optional(Type.Boolean()),
  session_id: Type.Optional(Type.String()),
  ttl_seconds: Type.Optional(Type.Integer()),
  description: Type.Optional(Type.String()),
});
type BlendBody = Static<typeof BlendBody>;
const DownloadQuery = Type.Object({ format: Type.Optional(Type.String({ enum: ['bin', 'npz', 'json'] })) });
type DownloadQuery = Static<typeof DownloadQuery>;
const ExportQuery = Type.Object({ kind: Type.Optional(Type.String({ enum: ['custom', 'all'] })) });
type ExportQuery = Static<typeof ExportQuery>;

const tags = ['voices'];

function sendFile(reply: FastifyReply, file: VoiceFile): FastifyReply {
  return reply
    .type(file.contentType)
    .header('Content-Disposition', `attachment; filename="${file.fileName}"`)
    .header('Cache-Control', 'no-store')
    .send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}

function formBool(value: string | undefined, param: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw errors.invalidParam(param, `'${param}' must be true or false`);
}

function formInt(value: string | undefined, param: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw errors.invalidParam(param, `'${param}' must be a whole number`);
  return n;
}

/** The voice library: list, look up, save, rename, delete, blend, import and export voices. */
export function voiceRoutes(app: FastifyInstance, library: VoiceLibrary, uploads: Uploads, maxUploadBytes: number): void {
  // A list is serialised once per list the library hands out (it hands out the same
  // array until the catalog changes), so 10,000 voices are not re-stringified per request.
  const serialised = new WeakMap<object, Buffer>();
  const sendList = (reply: FastifyReply, data: readonly object[]) => {
    let body = serialised.get(data);
    if (!body) {
      body = Buffer.from(JSON.stringify({ object: 'list', data }));
      serialised.set(data, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  };
  const list = async (request: { query: ListQuery }, reply: FastifyReply) =>
    sendList(reply, await library.list({
      ...(request.query.kind !== undefined && { kind: request.query.kind as VoiceKind | 'all' }),
      ...(request.query.engine !== undefined && { engine: request.query.engine }),
      ...(request.query.session_id !== undefined && { sessionId: request.query.session_id }),
    }));
  const listSchema = { summary: 'List voices (builtin and custom; ?kind=temporary|all for temporary ones)', tags, querystring: ListQuery };
  app.get<{ Querystring: ListQuery }>('/v1/voices', { schema: listSchema }, list);
  app.get<{ Querystring: ListQuery }>('/v1/audio/voices', { schema: { ...listSchema, summary: 'List voices (same as /v1/voices)' } }, list);

  app.get<{ Querystring: { engine?: string } }>(
    '/v1/voices/custom',
    { schema: { summary: 'Custom voices', tags, querystring: Type.Object({ engine: EngineFilter }) } },
    async (request, reply) => sendList(reply, await library.list({ kind: 'custom', ...(request.query.engine !== undefined && { engine: request.query.engine }) })),
  );
  app.get<{ Querystring: SessionQuery }>(
    '/v1/voices/temporary',
    { schema: { summary: 'Live temporary voices, optionally of one session', tags, querystring: SessionQuery } },
    async (request, reply) => sendList(reply, await library.list({ kind: 'temporary', ...(request.query.session_id !== undefined && { sessionId: request.query.session_id }) })),
  );
  app.post('/v1/voices/temporary/cleanup', { schema: { summary: 'Remove expired temporary voices now', tags } }, async () => ({
    removed: await library.cleanup(),
  }));
  app.delete<{ Params: NameParams; Querystring: SessionQuery }>(
    '/v1/voices/temporary/:name',
    { schema: { summary: 'Delete a temporary voice (session_id must match when given)', tags, params: NameParams, querystring: SessionQuery } },
    async (request) => ({ deleted: (await library.delete(request.params.name, 'temporary', request.query.session_id)).name }),
  );

  app.post<{ Params: NameParams; Querystring: SaveQuery; Body: Static<typeof SaveBody> }>(
    '/v1/voices/custom/:name/save',
    { schema: { summary: 'Make a temporary voice permanent (optionally renaming it)', tags, params: NameParams, querystring: SaveQuery, body: SaveBody } },
    async (request) => {
      const body = request.body ?? {};
      const { voice } = await library.save(request.params.name, {
        sessionId: body.session_id ?? request.query.session_id,
        newName: body.new_name ?? request.query.new_name,
      });
      return { voice };
    },
  );
  app.patch<{ Params: NameParams; Body: PatchBody }>(
    '/v1/voices/custom/:name',
    { schema: { summary: 'Rename or describe a custom voice', tags, params: NameParams, body: PatchBody } },
    async (request) => ({ voice: await library.update(request.params.name, request.body) }),
  );
  app.delete<{ Params: NameParams }>(
    '/v1/voices/custom/:name',
    { schema: { summary: 'Delete a custom voice (builtin voices: 409)', tags, params: NameParams } },
    async (request) => ({ deleted: (await library.delete(request.params.name, 'custom')).name }),
  );

  app.post<{ Body: BlendBody }>(
    '/v1/voices/blend',
    { schema: { summary: 'Save a blend of voices (custom unless temporary=true)', tags, body: BlendBody } },
    async (request, reply) => {
      const body = request.body;
      const voice = await library.blend({
        name: body.name,
        voices: body.voices,
        temporary: body.temporary,
        sessionId: body.session_id,
        ttlSeconds: body.ttl_seconds,
        description: body.description,
      });
      return reply.status(201).send({ voice });
    },
  );

  app.post('/v1/voices/import', { schema: { summary: 'Import voices from .bin, .npz, .npy, .pt or espeak JSON (multipart field "file")', tags, consumes: ['multipart/form-data'] } }, async (request, reply) => {
    const voices = await readMultipart(request, reply, { dir: uploads.dir, fileField: 'file', maxFileBytes: maxUploadBytes }, async (form) => {
      if (!form.file) throw errors.missingParam('file');
      const options = {
        voiceName: form.fields.voice_name || undefined,
        temporary: formBool(form.fields.temporary, 'temporary'),
        sessionId: form.fields.session_id || undefined,
        ttlSeconds: formInt(form.fields.ttl_seconds, 'ttl_seconds'),
        description: form.fields.description,
      };
      const found = await uploads.readVoiceFile(form.file, 'file', options.voiceName, form.signal);
      return importParsedVoices(library, form.file.fileName, found, options);
    });
    return reply.status(201).send({ object: 'list', data: voices });
  });

  app.get<{ Querystring: ExportQuery }>(
    '/v1/voices/export',
    { schema: { summary: 'All custom (or ?kind=all) Kokoro voices as one .npz, streamed from the library now', tags, querystring: ExportQuery } },
    async (request, reply) => {
      const file = exportVoices(library, request.query.kind === 'all' ? 'all' : 'custom');
      return reply
        .type(file.contentType)
        .header('Content-Disposition', `attachment; filename="${file.fileName}"`)
        .header('Cache-Control', 'no-store')
        .send(file.stream);
    },
  );
  app.get<{ Params: NameParams; Querystring: DownloadQuery }>(
    '/v1/voices/:name/download',
    { schema: { summary: "A voice's data: ?format=bin|npz for Kokoro voices, JSON for espeak voices", tags, params: NameParams, querystring: DownloadQuery } },
    async (request, reply) => sendFile(reply, await downloadVoice(library, request.params.name, request.query.format as DownloadFormat | undefined)),
  );
  app.get<{ Params: NameParams }>(
    '/v1/voices/:name',
    { schema: { summary: 'One voice, any kind', tags, params: NameParams } },
    async (request) => {
      const voice = await library.get(request.params.name);
      if (!voice) throw errors.voiceNotFound(request.params.name, 'name');
      return voice;
    },
  );
}
