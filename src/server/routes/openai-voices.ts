import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConsentRow } from '../../store/consents.js';
import type { VoiceLibrary } from '../../voices/library.js';
import type { OpenAiCustomVoices, SpeakerMeter } from '../../voices/openai-custom.js';
import { isOpenAiVoiceId } from '../../voices/resolver.js';
import type { Voice } from '../../voices/voice.js';
import { errors } from '../errors.js';
import { readMultipart, type MultipartForm, type Upload } from '../multipart.js';
import type { Uploads } from '../uploads/index.js';

interface Deps {
  customVoices: OpenAiCustomVoices;
  library: VoiceLibrary;
  uploads: Uploads;
  maxUploadBytes: number;
}

const IdParams = Type.Object({ id: Type.String() });
type IdParams = Static<typeof IdParams>;
const tags = ['openai custom voices'];

const ConsentObject = Type.Object({
  id: Type.String({ description: 'cons_…' }),
  object: Type.Literal('audio.voice_consent'),
  name: Type.String(),
  language: Type.String({ description: 'BCP 47, as given' }),
  created_at: Type.Integer({ description: 'Unix seconds' }),
});
const VoiceObject = Type.Object({
  id: Type.String({ description: 'voice_…: usable as the voice of /v1/audio/speech, as a string or {"id": …}' }),
  object: Type.Literal('audio.voice'),
  name: Type.String({ description: 'the library name of the custom voice' }),
  created_at: Type.Integer({ description: 'Unix seconds' }),
});
const Deleted = (object: string) => Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) });

/** OpenAI's objects carry Unix seconds, not ISO times. */
const seconds = (ms: number) => Math.floor(ms / 1000);

function consentObject(c: Omit<ConsentRow, 'recording'>): Static<typeof ConsentObject> {
  return { id: c.id, object: 'audio.voice_consent', name: c.name, language: c.language, created_at: seconds(c.createdAt) };
}

function voiceObject(voice: Voice): Static<typeof VoiceObject> {
  return { id: voice.openai_voice_id ?? voice.id, object: 'audio.voice', name: voice.name, created_at: seconds(Date.parse(voice.created_at)) };
}

/** The form's one file, sent under `field` (400 when missing or sent as text). */
function fileOf(form: MultipartForm, field: string): Upload {
  if (form.file) return form.file;
  if (form.fields[field] !== undefined) throw errors.invalidParam(field, `'${field}' must be an audio file, not a text field`);
  throw errors.missingParam(field);
}

/**
 * OpenAI's custom-voice surface: consents (`/v1/audio/voice_consents`) and voices cloned from a
 * consenting speaker's sample (`POST /v1/audio/voices`; the list at `GET /v1/audio/voices` is
 * the library's, in routes/voices.ts). Decoding and speaker features run in one slot of the
 * upload pool's `custom-voices` route, on its threads; the clone runs after the slot is freed.
 */
export function openAiVoiceRoutes(app: FastifyInstance, deps: Deps): void {
  const { customVoices, library, uploads } = deps;
  const meter =
    (signal: AbortSignal): SpeakerMeter =>
    (audio, param, label) =>
      // A copy: the samples move to the upload thread, and the caller still needs its own.
      uploads.speakerFeaturesOfPcm(audio.samples.slice(), audio.sampleRate, param, label, signal);
  const form = { dir: uploads.dir, maxFileBytes: deps.maxUploadBytes, maxFields: 8, maxFieldBytes: 4096 };

  app.post(
    '/v1/audio/voice_consents',
    {
      schema: {
        summary: 'Record a speaker\'s consent: multipart "name" (1-256 characters), "language" (BCP 47) and "recording" (audio with at least 0.5 s of speech)',
        tags,
        consumes: ['multipart/form-data'],
        response: { 201: ConsentObject },
      },
    },
    async (request, reply) => {
      const consent = await readMultipart(request, reply, { ...form, fileField: 'recording' }, async (parts) => {
        const fields = customVoices.checkConsentFields({ name: parts.fields.name, language: parts.fields.language });
        const file = fileOf(parts, 'recording');
        return uploads.pool.within('custom-voices', 'recording', parts.signal, async (signal) => {
          const { audio } = await uploads.decodeReference(file, 'recording', signal);
          return customVoices.createConsent(fields, audio, meter(signal));
        });
      });
      return reply.status(201).send(consentObject(consent));
    },
  );
  app.get('/v1/audio/voice_consents', { schema: { summary: 'Consents, oldest first', tags } }, async () => ({
    object: 'list',
    data: (await customVoices.listConsents()).map(consentObject),
  }));
  app.get<{ Params: IdParams }>(
    '/v1/audio/voice_consents/:id',
    { schema: { summary: 'One consent', tags, params: IdParams, response: { 200: ConsentObject } } },
    async (request) => consentObject(await customVoices.getConsent(request.params.id)),
  );
  app.delete<{ Params: IdParams }>(
    '/v1/audio/voice_consents/:id',
    { schema: { summary: 'Delete a consent and its recording (voices made with it stay)', tags, params: IdParams, response: { 200: Deleted('audio.voice_consent') } } },
    async (request) => ({ id: (await customVoices.deleteConsent(request.params.id)).id, object: 'audio.voice_consent', deleted: true }),
  );

  app.post(
    '/v1/audio/voices',
    {
      schema: {
        summary:
          'Clone a custom voice: multipart "audio_sample" (audio), "name" (free text, 1-256 characters; the library name is derived from it) and "consent" ' +
          '(a consent id, required unless the server runs with --no-voice-consent); the sample must be the consenting speaker\'s (else 400 consent_mismatch)',
        tags,
        consumes: ['multipart/form-data'],
        response: { 201: VoiceObject },
      },
    },
    async (request, reply) => {
      const voice = await readMultipart(request, reply, { ...form, fileField: 'audio_sample' }, async (parts) => {
        const plan = await customVoices.planVoice({ name: parts.fields.name, consent: parts.fields.consent });
        const file = fileOf(parts, 'audio_sample');
        const sample = await uploads.pool.within('custom-voices', 'audio_sample', parts.signal, async (signal) => {
          const { audio, analysis } = await uploads.decodeReference(file, 'audio_sample', signal, { analyze: true });
          await customVoices.verifySample(plan, audio, analysis, meter(signal));
          return audio;
        });
        return customVoices.createVoice(plan, sample, parts.signal);
      });
      return reply.status(201).send(voiceObject(voice));
    },
  );
  app.get<{ Params: IdParams }>(
    '/v1/audio/voices/:id',
    { schema: { summary: 'A voice_… id: its audio.voice object; a library name: that voice, as GET /v1/voices/{name}', tags, params: IdParams } },
    async (request) => {
      const { id } = request.params;
      if (isOpenAiVoiceId(id)) {
        const voice = await library.getByOpenAiId(id);
        if (!voice) throw errors.voiceNotFound(id, 'id');
        return voiceObject(voice);
      }
      const voice = await library.get(id);
      if (!voice) throw errors.voiceNotFound(id, 'id');
      return voice;
    },
  );
  app.delete<{ Params: IdParams }>(
    '/v1/audio/voices/:id',
    { schema: { summary: 'Delete the custom voice of a voice_… id (or of a library name)', tags, params: IdParams, response: { 200: Deleted('audio.voice') } } },
    async (request) => {
      const { id } = request.params;
      if (isOpenAiVoiceId(id)) await library.deleteByOpenAiId(id);
      else await library.delete(id, 'custom');
      return { id, object: 'audio.voice', deleted: true };
    },
  );
}
