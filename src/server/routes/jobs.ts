import { PassThrough } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { wavHeader } from '../../audio/encoders/wav.js';
import { int16ToLeBytes } from '../../audio/encoders/pcm.js';
import { OUTPUT_SAMPLE_RATE } from '../../audio/pcm.js';
import { PROBE_TEXT } from '../../cloning/probe.js';
import type { JobRunner } from '../../jobs/index.js';
import type { SpeechService } from '../../speech/speech.js';
import { contentHash } from '../../store/catalog.js';
import { FINISHED, type JobRow } from '../../store/jobs.js';
import type { VoiceLibrary } from '../../voices/library.js';
import { serializeVoiceData } from '../../voices/serialize.js';
import type { ResolvedVoice, Voice } from '../../voices/voice.js';
import { errors, type ErrorType } from '../errors.js';

interface Deps {
  runner: JobRunner;
  library: VoiceLibrary;
  speech: SpeechService;
  /** SSE comment heartbeats, ms (15 s; tests shorten it). */
  sseHeartbeatMs?: number;
}

/** Session ids follow the voices' rule (voices/library.ts). */
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const IdParams = Type.Object({ id: Type.String() });
type IdParams = Static<typeof IdParams>;
const ListQuery = Type.Object({ session_id: Type.Optional(Type.String()) });
type ListQuery = Static<typeof ListQuery>;

const ErrorBody = Type.Object(
  { error: Type.Object({ message: Type.String(), type: Type.String(), param: Type.Union([Type.String(), Type.Null()]), code: Type.String() }, { additionalProperties: true }) },
  { additionalProperties: true },
);
const err = (description: string) => ({ ...ErrorBody, description });
const JobObject = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('job'),
    type: Type.String({ enum: ['clone'] }),
    status: Type.String({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    step: Type.String({ description: 'what the job is doing, in a few words' }),
    best_score: Type.Union([Type.Number(), Type.Null()]),
    voice: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'the voice it made (succeeded; null once that voice is gone)' }),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], { description: 'why it failed; cancelled: code "cancelled"' }),
    session_id: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
type JobObject = Static<typeof JobObject>;
const tags = ['jobs'];
const notFound = err('job_not_found: no job has that id (or it finished more than jobRetentionHours ago)');

/**
 * Background jobs (thorough clones, started by POST /v1/voices/create with quality=thorough):
 * look them up, follow their progress (SSE), hear their best voice so far, cancel them.
 */
export function jobRoutes(app: FastifyInstance, deps: Deps): void {
  const { runner } = deps;
  const streams = new Set<() => void>();
  // Open SSE streams would hold a graceful shutdown until its grace period ran out.
  app.addHook('preClose', async () => {
    for (const close of [...streams]) close();
  });

  app.get<{ Querystring: ListQuery }>(
    '/v1/jobs',
    {
      schema: {
        summary: 'Jobs, oldest first; ?session_id= narrows to one session',
        tags,
        querystring: ListQuery,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(JobObject) }), 400: err('invalid_session_id') },
      },
    },
    async (request) => {
      const sessionId = request.query.session_id;
      if (sessionId !== undefined && !SESSION_PATTERN.test(sessionId)) {
        throw errors.invalidParam('session_id', "'session_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -", 'invalid_session_id');
      }
      const rows = await runner.list(sessionId === undefined ? {} : { sessionId });
      return { object: 'list', data: await Promise.all(rows.map((row) => jobObject(row, deps.library))) };
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/jobs/:id',
    { schema: { summary: 'One job: status, progress, best score, the voice it made or why it failed', tags, params: IdParams, response: { 200: JobObject, 404: notFound } } },
    async (request) => jobObject(await runner.get(request.params.id), deps.library),
  );

  app.delete<{ Params: IdParams }>(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Cancel a queued or running job (→ the job, cancelled; no voice lands)',
        tags,
        params: IdParams,
        response: { 200: JobObject, 404: notFound, 409: err('job_finished: the job has already succeeded, failed or been cancelled') },
      },
    },
    async (request) => jobObject(await runner.cancel(request.params.id), deps.library),
  );

  app.get<{ Params: IdParams }>(
    '/v1/jobs/:id/events',
    {
      schema: {
        summary:
          'Server-sent events: `progress` ({"progress", "step", "best_score"}), then one `done` (the job object) or `error` ' +
          '({"error": {...}}; a cancelled job: code "cancelled"); comment heartbeats every 15 s',
        tags,
        params: IdParams,
        produces: ['text/event-stream'],
        response: { 404: notFound, 503: err('server_busy: too many event streams are open') },
      },
    },
    async (request, reply) => {
      const job = await runner.get(request.params.id);
      const stream = new PassThrough();
      let open = true;
      const send = (event: string, data: unknown) => {
        // A client that does not read loses progress events, not memory: only the last ones matter.
        if (!open || (event === 'progress' && stream.writableLength > 64 * 1024)) return;
        stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const cleanups: (() => void)[] = [];
      const close = () => {
        if (!open) return;
        open = false;
        for (const cleanup of cleanups) cleanup();
        streams.delete(close);
        stream.end();
      };
      const final = async (row: JobRow) => {
        if (row.status === 'succeeded') send('done', await jobObject(row, deps.library));
        else send('error', { error: jobError(row) });
        close();
      };
      void reply.type('text/event-stream; charset=utf-8').header('Cache-Control', 'no-store').header('X-Accel-Buffering', 'no');
      if (FINISHED.includes(job.status)) {
        await final(job);
        return reply.send(stream);
      }
      // Throws 503 past the listener limit, before anything is sent.
      cleanups.push(
        runner.watch(job.id, (event) => {
          if (event.type === 'progress') send('progress', { progress: event.progress, step: event.step, best_score: event.bestScore });
          else if (event.type === 'finished') void final(event.job).catch(() => close());
          else {
            send('error', { error: { message: `Job '${job.id}' does not exist any more`, type: 'not_found_error', param: 'id', code: 'job_not_found' } });
            close();
          }
        }),
      );
      const heartbeat = setInterval(() => open && stream.write(': keep-alive\n\n'), deps.sseHeartbeatMs ?? 15_000);
      cleanups.push(() => clearInterval(heartbeat));
      streams.add(close);
      // The client went away: stop listening.
      reply.raw.once('close', close);
      send('progress', { progress: job.progress, step: job.step, best_score: job.bestScore });
      return reply.send(stream);
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/jobs/:id/preview',
    {
      schema: {
        summary: 'The best voice a running job has found so far, speaking the fixed probe text (WAV, 24 kHz); X-Best-Score gives its score',
        tags,
        params: IdParams,
        produces: ['audio/wav'],
        response: {
          404: err('job_not_found, or no_preview: the job is not running here or has not found a first voice yet'),
          503: err('server_busy: the synthesis queue is full (Retry-After)'),
        },
      },
    },
    async (request, reply) => {
      const job = await runner.get(request.params.id);
      const preview = runner.preview(job.id);
      if (!preview) throw errors.noPreview(job.id);
      const voice: ResolvedVoice = { voice: previewVoice(job, preview.data.engine, preview.language), data: preview.data, hash: contentHash(preview.data.engine, serializeVoiceData(preview.data)) };
      const controller = new AbortController();
      reply.raw.once('close', () => controller.abort());
      const pcm = await deps.speech.renderPcm(voice, PROBE_TEXT, controller.signal);
      return reply
        .type('audio/wav')
        .header('X-Sample-Rate', String(OUTPUT_SAMPLE_RATE))
        .header('X-Best-Score', preview.score.toFixed(4))
        .header('Cache-Control', 'no-store')
        .send(Buffer.from(wavFile(pcm)));
    },
  );
}

/** The API's job object; the voice is looked up now (null once it is gone). */
export async function jobObject(row: JobRow, library: VoiceLibrary): Promise<JobObject> {
  let voice: Voice | null = null;
  if (row.status === 'succeeded' && row.voiceName !== null) {
    const found = await library.get(row.voiceName);
    // The voice this job landed, not a later one of the same name: it was made in the job's last write.
    voice = found && Date.parse(found.created_at) === row.updatedAt ? found : null;
  }
  return {
    id: row.id,
    object: 'job',
    type: row.type,
    status: row.status,
    progress: row.progress,
    step: row.step,
    best_score: row.bestScore,
    voice,
    error: row.error,
    session_id: row.sessionId,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** A finished job's error in the API's error shape (the SSE `error` event). */
function jobError(row: JobRow): { message: string; type: ErrorType; param: null; code: string } {
  const { code, message } = row.error ?? { code: 'job_failed', message: 'The job failed' };
  const type: ErrorType = code === 'job_failed' || code === 'job_interrupted' ? 'server_error' : code.includes('name_taken') ? 'conflict_error' : 'invalid_request_error';
  return { message, type, param: null, code };
}

/** A preview is no voice of the library; it speaks under the job's name. */
function previewVoice(job: JobRow, engine: Voice['engine'], language: string): Voice {
  return {
    id: `${job.id}-preview`,
    name: `${job.id}-preview`,
    engine,
    kind: 'temporary',
    language,
    gender: null,
    description: 'best voice so far',
    source: 'clone',
    created_at: new Date(job.createdAt).toISOString(),
    expires_at: null,
    session_id: job.sessionId,
    available: true,
  };
}

/** A whole WAV file (the streaming header with its sizes filled in: the length is known). */
function wavFile(pcm: Int16Array): Uint8Array {
  const body = int16ToLeBytes(pcm);
  const out = new Uint8Array(44 + body.length);
  out.set(wavHeader(OUTPUT_SAMPLE_RATE));
  const view = new DataView(out.buffer);
  view.setUint32(4, 36 + body.length, true);
  view.setUint32(40, body.length, true);
  out.set(body, 44);
  return out;
}
