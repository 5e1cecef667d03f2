import type { ServerLexicon } from '../../pronunciations/index.js';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PhonemeService } from '../../speech/phonemes.js';
import type { VoiceLibrary } from '../../voices/library.js';
import { errors } from '../errors.js';
import { NormalizationOptionsSchema } from '../normalization-schema.js';

const PhonemesBody = Type.Object(
  {
    input: Type.String({ description: 'Text to phonemise' }),
    language: Type.Optional(Type.String({ description: 'A Kokoro language: en-us, en-gb, es, fr-fr, hi, it, pt-br, ja, cmn (default: the voice’s, else en-us)' })),
    voice: Type.Optional(
      Type.Union([Type.String(), Type.Object({ id: Type.String() })], { description: 'A voice: its engine and language decide the reading (espeak voices: espeak-ng’s IPA, inline pronunciations as the phonemes it speaks for them)' }),
    ),
    normalization_options: Type.Optional(NormalizationOptionsSchema),
  },
  { additionalProperties: true },
);
type PhonemesBody = Static<typeof PhonemesBody>;

const PhonemesReply = Type.Object({
  normalized: Type.String(),
  phonemes: Type.String(),
  tokens: Type.Optional(Type.Array(Type.Integer())),
  language: Type.String(),
  dropped: Type.Optional(
    Type.Record(Type.String(), Type.Integer(), {
      description: 'Symbols dropped, with how often: for Kokoro those its vocab lacks; for espeak voices the Kokoro symbols of inline pronunciations and lexicon entries that espeak-ng has no phoneme for',
    }),
  ),
});

/** POST /v1/audio/phonemes: what the engine would be given for a text (normalised text, phonemes, Kokoro's token ids). */
export function phonemeRoutes(app: FastifyInstance, deps: { library: VoiceLibrary; phonemes: PhonemeService; maxInputChars: number; lexicon?: ServerLexicon }): void {
  app.post<{ Body: PhonemesBody }>(
    '/v1/audio/phonemes',
    {
      schema: {
        summary: 'Phonemise text exactly as the engine would (normalised text, phonemes, Kokoro token ids, dropped symbols)',
        tags: ['speech'],
        body: PhonemesBody,
        response: { 200: PhonemesReply },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.input.trim().length === 0) throw errors.emptyInput();
      if (body.input.length > deps.maxInputChars) throw errors.inputTooLong(body.input.length, deps.maxInputChars);
      const voice = body.voice === undefined ? null : await deps.library.resolve(body.voice, 'voice');
      // The server lexicon and inline pronunciations, as speech applies them.
      // An espeak voice reads in its own language; Kokoro in the one asked for, else the voice's.
      const language = (voice?.data.engine === 'espeak' ? voice.voice.language : body.language) ?? voice?.voice.language ?? 'en-us';
      const input = deps.lexicon ? await deps.lexicon.apply(body.input, language) : body.input;
      return deps.phonemes.phonemes(input, { voice, language: body.language ?? null }, body.normalization_options);
    },
  );
}
