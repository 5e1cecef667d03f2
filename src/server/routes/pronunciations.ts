import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ServerLexicon } from '../../pronunciations/lexicon.js';
import type { PronunciationRow } from '../../store/pronunciations.js';

const ErrorBody = Type.Object(
  { error: Type.Object({ message: Type.String(), type: Type.String(), param: Type.Union([Type.String(), Type.Null()]), code: Type.String() }, { additionalProperties: true }) },
  { additionalProperties: true },
);
const err = (description: string) => ({ ...ErrorBody, description });
const Entry = Type.Object(
  {
    object: Type.Literal('pronunciation'),
    word: Type.String(),
    language: Type.String(),
    phonemes: Type.String({ description: "in Kokoro's phoneme symbols" }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
const List = Type.Object({ object: Type.Literal('list'), data: Type.Array(Entry) });
const WordParams = Type.Object({ word: Type.String() });
type WordParams = Static<typeof WordParams>;
const LanguageQuery = Type.Object({ language: Type.Optional(Type.String()) }, { additionalProperties: false });
type LanguageQuery = Static<typeof LanguageQuery>;
const PutOne = Type.Object({ phonemes: Type.String(), language: Type.Optional(Type.String()) }, { additionalProperties: false });
type PutOne = Static<typeof PutOne>;
const PutMany = Type.Object(
  { entries: Type.Array(Type.Object({ word: Type.String(), phonemes: Type.String(), language: Type.Optional(Type.String()) }, { additionalProperties: false }), { maxItems: 5000 }) },
  { additionalProperties: false },
);
type PutMany = Static<typeof PutMany>;
const tags = ['pronunciations'];
const invalid = err('invalid_word, invalid_phonemes (names the symbols Kokoro lacks) or invalid_language');
const notFound = err('pronunciation_not_found');

const entryObject = (r: PronunciationRow) => ({ object: 'pronunciation' as const, word: r.word, language: r.language, phonemes: r.phonemes, updated_at: new Date(r.updatedAt).toISOString() });

/**
 * The server lexicon (`/v1/pronunciations`): word → phonemes per language, applied before any
 * built-in lexicon, for every voice of that language. Writes are durable like voices.
 */
export function pronunciationRoutes(app: FastifyInstance, lexicon: ServerLexicon): void {
  app.get<{ Querystring: LanguageQuery }>(
    '/v1/pronunciations',
    { schema: { summary: 'The server lexicon, by language then word; ?language= narrows', tags, querystring: LanguageQuery, response: { 200: List, 400: invalid } } },
    async (request) => ({ object: 'list', data: (await lexicon.list({ language: request.query.language })).map(entryObject) }),
  );

  app.put<{ Body: PutMany }>(
    '/v1/pronunciations',
    {
      // 5000 entries of a long word and phonemes each.
      bodyLimit: 2 * 1024 * 1024,
      schema: {
        summary: 'Adds or replaces many entries at once ({"entries": [{"word", "phonemes", "language"?}]}): all of them or none',
        tags,
        body: PutMany,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Entry), created: Type.Integer() }), 400: invalid, 413: err('lexicon_full or payload_too_large') },
      },
    },
    async (request) => {
      const { rows, created } = await lexicon.put(request.body.entries);
      return { object: 'list', data: rows.map(entryObject), created };
    },
  );

  app.get<{ Params: WordParams; Querystring: LanguageQuery }>(
    '/v1/pronunciations/:word',
    { schema: { summary: "A word's entries (every language, or ?language=)", tags, params: WordParams, querystring: LanguageQuery, response: { 200: List, 400: invalid, 404: notFound } } },
    async (request) => ({ object: 'list', data: (await lexicon.get(request.params.word, request.query.language)).map(entryObject) }),
  );

  app.put<{ Params: WordParams; Body: PutOne }>(
    '/v1/pronunciations/:word',
    {
      schema: {
        summary: "Sets a word's phonemes in a language (default: the default voice's): 201 when new, 200 when replaced",
        tags,
        params: WordParams,
        body: PutOne,
        response: { 200: Entry, 201: Entry, 400: invalid, 413: err('lexicon_full') },
      },
    },
    async (request, reply) => {
      const { rows, created } = await lexicon.put([{ word: request.params.word, phonemes: request.body.phonemes, language: request.body.language }]);
      return reply.code(created > 0 ? 201 : 200).send(entryObject(rows[0]!));
    },
  );

  app.delete<{ Params: WordParams; Querystring: LanguageQuery }>(
    '/v1/pronunciations/:word',
    {
      schema: {
        summary: "Removes a word's entries (every language, or ?language=)",
        tags,
        params: WordParams,
        querystring: LanguageQuery,
        response: { 200: Type.Object({ object: Type.Literal('list'), deleted: Type.Literal(true), data: Type.Array(Entry) }), 400: invalid, 404: notFound },
      },
    },
    async (request) => ({ object: 'list', deleted: true as const, data: (await lexicon.delete(request.params.word, request.query.language)).map(entryObject) }),
  );
}
