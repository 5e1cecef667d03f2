/**
 * Per-request switches for text normalisation, named and shaped as Kokoro-FastAPI's
 * NormalizationOptions so that its clients work unchanged. All default on; Kokoro-FastAPI
 * leaves `unit_normalization` off because its rule turns any letters after a number into a
 * unit, while ours reads only a closed list of unit symbols (see english/units.ts).
 */
export interface NormalizationOptions {
  /** Master switch: off leaves the text as written (only the language-neutral clean-up runs). */
  normalize: boolean;
  /** "5 km" → "five kilometers", "3 GHz" → "three gigahertz", "72°F" → "seventy-two degrees Fahrenheit". */
  unit_normalization: boolean;
  /** "https://example.com/a" → "example dot com slash a". */
  url_normalization: boolean;
  /** "ann@example.com" → "ann at example dot com". */
  email_normalization: boolean;
  /** "word(s)" → "words". */
  optional_pluralization_normalization: boolean;
  /** "(555) 123-4567" → "five five five, one two three, four five six seven". */
  phone_normalization: boolean;
  /** Symbols left after the other rules ("&", "@", "+", "=", "#", "~" …) become words. */
  replace_remaining_symbols: boolean;
}

export const NORMALIZATION_OPTION_NAMES = [
  'normalize',
  'unit_normalization',
  'url_normalization',
  'email_normalization',
  'optional_pluralization_normalization',
  'phone_normalization',
  'replace_remaining_symbols',
] as const satisfies readonly (keyof NormalizationOptions)[];

export const DEFAULT_NORMALIZATION: Readonly<NormalizationOptions> = Object.freeze({
  normalize: true,
  unit_normalization: true,
  url_normalization: true,
  email_normalization: true,
  optional_pluralization_normalization: true,
  phone_normalization: true,
  replace_remaining_symbols: true,
});

/** The defaults with a request's choices laid over them. */
export function normalizationOptions(chosen: Partial<NormalizationOptions> = {}): NormalizationOptions {
  return { ...DEFAULT_NORMALIZATION, ...chosen };
}
