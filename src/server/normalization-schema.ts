import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_NORMALIZATION, type NormalizationOptions } from '../text/options.js';

const DESCRIPTIONS: Record<keyof NormalizationOptions, string> = {
  normalize: 'Read numbers, dates, money, units, addresses and symbols as words (English voices); off leaves the text as written',
  unit_normalization: '"5 km" → "five kilometers", "3 GHz" → "three gigahertz"',
  url_normalization: '"https://example.com/a" → "example dot com slash a"',
  email_normalization: '"ann@example.com" → "ann at example dot com"',
  optional_pluralization_normalization: '"word(s)" → "words"',
  phone_normalization: '"(555) 123-4567" → "five five five, one two three, four five six seven"',
  replace_remaining_symbols: 'Symbols left after the other rules ("&", "+", "=", "#", "~" …) become words',
};

/**
 * `normalization_options` of /v1/audio/speech and /v1/audio/phonemes (Kokoro-FastAPI's names).
 * Unknown names are refused rather than dropped (Fastify's validator would silently remove
 * them under `additionalProperties: false`), so a misspelt option is a 400, not ignored.
 */
const option = (name: keyof NormalizationOptions) =>
  Type.Optional(Type.Boolean({ default: DEFAULT_NORMALIZATION[name], description: DESCRIPTIONS[name] }));

export const NormalizationOptionsSchema = Type.Object(
  {
    normalize: option('normalize'),
    unit_normalization: option('unit_normalization'),
    url_normalization: option('url_normalization'),
    email_normalization: option('email_normalization'),
    optional_pluralization_normalization: option('optional_pluralization_normalization'),
    phone_normalization: option('phone_normalization'),
    replace_remaining_symbols: option('replace_remaining_symbols'),
  },
  { additionalProperties: Type.Never(), description: 'How the input is normalised before it is spoken' },
);
export type NormalizationOptionsBody = Static<typeof NormalizationOptionsSchema>;
