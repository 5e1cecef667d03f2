import type { FastifyInstance } from 'fastify';
import { cloneDefaults, FAST_CLONE_REFERENCE_SECONDS, MAX_CLONE_REFERENCE_SECONDS, MAX_THOROUGH_SECONDS, parseCloneFields, requireCloneEngine, type CloneParams } from '../../cloning/clone-params.js';
import { requireCloneable } from '../../cloning/cloneable.js';
import type { Cloner, DecodedReference } from '../../cloning/cloner.js';
import type { EngineInfo } from '../../engines/index.js';
import type { VoiceLibrary } from '../../voices/library.js';
import { errors } from '../errors.js';
import { readMultipart } from '../multipart.js';
import type { Uploads } from '../uploads/index.js';

/** Starts a thorough clone as a background job (the job runner's); resolves to the job as the API shows it. */
export type SubmitThorough = (params: CloneParams, reference: DecodedReference) => Promise<{ job: unknown; session_id: string | null }>;

export interface CloneRouteDeps {
  uploads: Uploads;
  library: VoiceLibrary;
  cloner: Cloner;
  engines: readonly EngineInfo[];
  maxUploadBytes: number;
  /** A fast clone's time (config `cloneFastSeconds`), ms. */
  fastBudgetMs: number;
  /** Absent: thorough clones are refused with 503 `jobs_unavailable`. */
  submitThorough?: SubmitThorough | undefined;
}

/**
 * POST /v1/voices/create: a voice cloned from reference audio.
 *
 * Cheap checks first, so that nothing is decoded for a request that would be refused: the
 * fields, the engine, and the library's precheck of the name, session, ttl and description.
 * Then the reference is decoded and analysed on an upload thread (422 when it cannot be cloned
 * from), and the clone is made on a clone thread (fast), or handed to the job runner (thorough).
 * Nothing is stored unless the clone succeeded.
 */
export function cloneRoutes(app: FastifyInstance, deps: CloneRouteDeps): void {
  app.post(
    '/v1/voices/create',
    {
      schema: {
        summary:
          'Clone a voice from reference audio (multipart: audio_file, voice_name, description, temporary (default true), session_id, ttl_seconds, ' +
          `engine, language (extension: the clone's language), quality fast|thorough, max_seconds 1-${MAX_THOROUGH_SECONDS} for thorough). ` +
          `fast → 201 {voice, session_id, analysis, similarity}; thorough → 202 {job, session_id}. A fast clone is fitted to the first ${FAST_CLONE_REFERENCE_SECONDS} s of the reference, a thorough one to its first ${MAX_CLONE_REFERENCE_SECONDS} s`,
        tags: ['voices'],
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      // Answered once readMultipart has removed the upload, so that nothing of it outlives the answer.
      const { status, body } = await readMultipart(request, reply, { dir: deps.uploads.dir, fileField: 'audio_file', maxFileBytes: deps.maxUploadBytes }, async (form) => {
        if (!form.file) throw errors.missingParam('audio_file');
        const { params, quality } = parseCloneFields(form.fields, await cloneDefaults(deps.library));
        requireCloneEngine(deps.engines, params.engine);
        if (quality === 'thorough' && !deps.submitThorough) throw errors.jobsUnavailable();
        const voiceInput = {
          name: params.voiceName,
          temporary: params.temporary,
          sessionId: params.sessionId ?? undefined,
          ttlSeconds: params.ttlSeconds,
          description: params.description,
        };
        await deps.library.precheck(voiceInput, 'voice_name');

        const { analysis, reference } = await deps.uploads.cloneReference(form.file, 'audio_file', MAX_CLONE_REFERENCE_SECONDS, form.signal);
        requireCloneable(analysis);
        if (quality === 'thorough') {
          const { job, session_id } = await deps.submitThorough!(params, reference);
          return { status: 202, body: { job, session_id } };
        }
        const clone = await deps.cloner.clone({
          reference,
          engine: params.engine,
          language: params.language,
          quality,
          budgetMs: deps.fastBudgetMs,
          signal: form.signal,
        });
        const voice = await deps.library.create({
          ...voiceInput,
          data: clone.data,
          source: 'clone',
          language: clone.language,
          gender: clone.gender,
          similarity: clone.similarity,
        });
        return { status: 201, body: { voice, session_id: voice.session_id, analysis, similarity: clone.similarity } };
      });
      return reply.status(status).send(body);
    },
  );
}
