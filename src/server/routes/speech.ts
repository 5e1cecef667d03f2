import type { ServerLexicon } from '../../pronunciations/index.js';
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AUDIO_FORMATS, CONTENT_TYPES, type AudioFormat } from '../../audio/formats.js';
import { OUTPUT_SAMPLE_RATE } from '../../audio/pcm.js';
import type { SpeechService } from '../../speech/speech.js';
import type { VoiceLibrary } from '../../voices/library.js';
import { errors } from '../errors.js';
import { NormalizationOptionsSchema } from '../normalization-schema.js';
import { ENGINE_IDS, MODEL_IDS } from '../../engines/index.js';

const SpeechBody = Type.Object(
  {
    input: Type.String({ description: 'Text to speak' }),
    voice: Type.Union([Type.String(), Type.Object({ id: Type.String() })], {
      description:
        'A voice name, {"id": name}, a blend formula (af_bella(2)+af_sky(1)), or an OpenAI voice name (alloy, ash, ballad, cedar, coral, echo, fable, marin, nova, onyx, sage, shimmer, verse) or configured alias, mapped to its voice (Kokoro’s once installed, else espeak’s)',
    }),
    model: Type.Optional(Type.String({ enum: [...MODEL_IDS], description: 'The voice decides the engine; an engine name (kokoro, espeak) maps OpenAI voice names to that engine’s voices' })),
    response_format: Type.Optional(Type.String({ enum: [...AUDIO_FORMATS], default: 'mp3' })),
    speed: Type.Optional(Type.Number({ minimum: 0.25, maximum: 4, default: 1 })),
    stream_format: Type.Optional(Type.String({ enum: ['audio', 'sse'], default: 'audio' })),
    instructions: Type.Optional(Type.String({ description: 'Accepted and ignored' })),
    normalization_options: Type.Optional(NormalizationOptionsSchema),
  },
  { additionalProperties: true },
);
type SpeechBody = Static<typeof SpeechBody>;

interface Deps {
  library: VoiceLibrary;
  speech: SpeechService;
  maxInputChars: number;
  /** Inline pronunciations and the server lexicon (pronunciations/); without it the input goes as written. */
  lexicon?: ServerLexicon;
}

/** POST /v1/audio/speech: parse, resolve the voice, then stream what the speech service makes. */
export function speechRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Body: SpeechBody }>(
    '/v1/audio/speech',
    {
      schema: {
        summary: 'Generate speech (OpenAI-compatible)',
        tags: ['speech'],
        body: SpeechBody,
        produces: Object.values(CONTENT_TYPES).concat('text/event-stream'),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.input.trim().length === 0) throw errors.emptyInput();
      if (body.input.length > deps.maxInputChars) throw errors.inputTooLong(body.input.length, deps.maxInputChars);
      const format: AudioFormat = (body.response_format as AudioFormat | undefined) ?? 'mp3';
      // An engine named as the model picks that engine's voice for an OpenAI voice name.
      const engine = ENGINE_IDS.find((id) => id === body.model);
      const voice = await deps.library.resolve(body.voice, 'voice', engine === undefined ? {} : { engine });
      // The voice's language decides how the text is read, so it is resolved first.
      // Inline pronunciations and the server lexicon, for the voice's engine and language.
      const input = deps.lexicon ? await deps.lexicon.apply(body.input, voice.voice.language) : body.input;
      const pieces = deps.speech.pieces(input, voice.voice.language, body.normalization_options);
      if (pieces.length === 0) throw errors.emptyInput();
      const admission = deps.speech.admit();

      const controller = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
        admission.release();
      });
      const audio = deps.speech.stream(
        { pieces, voice, speed: body.speed ?? 1, format, signal: controller.signal },
        admission,
      );
      // Wait for the first audio before answering, so a failing engine still gets a proper error status.
      let first: IteratorResult<Uint8Array>;
      try {
        first = await audio.next();
      } catch (error) {
        admission.release();
        throw error;
      }
      const chunks = prepend(first, audio);
      void reply.header('X-Sample-Rate', String(OUTPUT_SAMPLE_RATE)).header('X-Voice', voice.voice.name).header('Cache-Control', 'no-store');
      if (body.stream_format === 'sse') {
        return reply.type('text/event-stream').send(Readable.from(sseEvents(chunks, body.input.length)));
      }
      return reply
        .type(CONTENT_TYPES[format])
        .header('Content-Disposition', `inline; filename="speech.${format === 'opus' ? 'ogg' : format}"`)
        .send(Readable.from(chunks, { objectMode: false }));
    },
  );
}

async function* prepend(first: IteratorResult<Uint8Array>, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    if (first.done) return;
    yield first.value;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/** OpenAI's streaming shape: speech.audio.delta events with base64 audio, then speech.audio.done. */
async function* sseEvents(chunks: AsyncGenerator<Uint8Array>, inputChars: number): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    yield event('speech.audio.delta', { type: 'speech.audio.delta', audio: Buffer.from(chunk).toString('base64') });
  }
  yield event('speech.audio.done', {
    type: 'speech.audio.done',
    usage: { input_tokens: inputChars, output_tokens: 0, total_tokens: inputChars },
  });
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
