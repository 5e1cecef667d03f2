/**
 * espeak-ng voices as JSON: a parameter set over one of espeak's language voices.
 *
 *   { "engine": "espeak", "base": "en-us", "variant": "f3",
 *     "pitch": 50, "range": 50, "rate": 175, "volume": 100 }
 *
 * `base` is required; the others default to espeak's own defaults. Optional timbre fields
 * (`pitchHz`, `formants`, `tone`, `breath`, `breathw`, `roughness`, `flutter`, `voicing`,
 * `echo`; espeak-timbre.ts) stay absent when not given, so a file without them reads back
 * exactly as it always did. Descriptive
 * keys (`name`, `description`, `language`, `gender`) are tolerated and ignored;
 * any other key is refused, so that a typo does not go unnoticed.
 */
import type { EspeakVoiceData } from '../../engines/engine.js';
import { ESPEAK_BASES, ESPEAK_VARIANTS } from '../../engines/espeak/names.js';
import { TIMBRE_KEYS } from '../../engines/espeak/timbre.js';
import { validateTimbre } from './espeak-timbre.js';
import { VoiceFormatError } from './tensor.js';

/** Largest espeak JSON file accepted. */
export const ESPEAK_JSON_MAX_BYTES = 64 * 1024;

/** espeak-ng language voice names: "en-us", "cmn", "en-gb-x-rp". */
const BASE_PATTERN = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}$/;
/** Variant file names of espeak-ng-data/voices/!v: "f3", "klatt", "Mr serious". */
const VARIANT_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_ -]{0,30}[A-Za-z0-9_-])?$/;

interface NumericField {
  key: 'pitch' | 'range' | 'rate' | 'volume';
  min: number;
  max: number;
  default: number;
  unit: string;
}

const NUMERIC_FIELDS: readonly NumericField[] = [
  { key: 'pitch', min: 0, max: 99, default: 50, unit: '' },
  { key: 'range', min: 0, max: 99, default: 50, unit: '' },
  { key: 'rate', min: 80, max: 450, default: 175, unit: ' words per minute' },
  { key: 'volume', min: 0, max: 200, default: 100, unit: '' },
];

const KNOWN_KEYS = new Set<string>(['engine', 'base', 'variant', 'pitch', 'range', 'rate', 'volume', ...TIMBRE_KEYS]);
const IGNORED_KEYS = new Set(['name', 'description', 'language', 'gender']);

function fieldError(field: string, why: string): VoiceFormatError {
  return new VoiceFormatError(`espeak voice JSON: "${field}" ${why}`);
}

/** Checks (and completes with defaults) an espeak parameter set given as a plain object. */
export function validateEspeakVoice(value: unknown): EspeakVoiceData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VoiceFormatError('espeak voice JSON must be an object');
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN_KEYS.has(key) && !IGNORED_KEYS.has(key)) {
      throw fieldError(key, `is not a field of an espeak voice (expected: ${[...KNOWN_KEYS].join(', ')})`);
    }
  }
  if ('engine' in obj && obj.engine !== 'espeak') {
    throw fieldError('engine', `must be "espeak" (got ${JSON.stringify(obj.engine)})`);
  }
  const base = obj.base;
  if (base === undefined) throw fieldError('base', 'is required: the espeak-ng voice, e.g. "en-us"');
  if (typeof base !== 'string' || !BASE_PATTERN.test(base)) {
    throw fieldError('base', `must be an espeak-ng voice name such as "en-us" or "cmn" (got ${JSON.stringify(base)})`);
  }
  if (!ESPEAK_BASES.has(base.toLowerCase())) {
    throw fieldError('base', `is not a voice of this espeak-ng (got ${JSON.stringify(base)}; for example ${closest(base.toLowerCase(), ESPEAK_BASES)})`);
  }
  const variant = obj.variant ?? null;
  if (variant !== null && (typeof variant !== 'string' || !VARIANT_PATTERN.test(variant))) {
    throw fieldError('variant', `must be an espeak-ng variant name such as "f3" or "klatt", or null (got ${JSON.stringify(variant)})`);
  }
  if (variant !== null && !ESPEAK_VARIANTS.has(variant)) {
    throw fieldError('variant', `is not a variant of this espeak-ng (got ${JSON.stringify(variant)}; for example "f3", "m3", "klatt" or null)`);
  }
  const out: EspeakVoiceData = {
    engine: 'espeak',
    base,
    variant,
    pitch: 50,
    range: 50,
    rate: 175,
    volume: 100,
  };
  for (const field of NUMERIC_FIELDS) {
    const v = obj[field.key];
    if (v === undefined) {
      out[field.key] = field.default;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw fieldError(field.key, `must be a number from ${field.min} to ${field.max}${field.unit} (got ${JSON.stringify(v)})`);
    }
    if (v < field.min || v > field.max) {
      throw fieldError(field.key, `must be from ${field.min} to ${field.max}${field.unit} (got ${v})`);
    }
    out[field.key] = v;
  }
  Object.assign(out, validateTimbre(obj, fieldError));
  return out;
}

/** Up to three known names sharing the longest prefix with `name` ("en-gb" → "en-gb-scotland", "en-gb-x-gbclan", …). */
function closest(name: string, known: ReadonlySet<string>): string {
  for (let n = name.length; n > 0; n--) {
    const near = [...known].filter((k) => k.startsWith(name.slice(0, n))).slice(0, 3);
    if (near.length > 0) return near.map((k) => JSON.stringify(k)).join(', ');
  }
  return '"en-us"';
}

/** Parses an espeak voice JSON file (UTF-8, BOM tolerated). */
export function parseEspeakJson(input: Uint8Array | string): EspeakVoiceData {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (input.length > ESPEAK_JSON_MAX_BYTES) {
      throw new VoiceFormatError(`espeak voice JSON is ${input.length} bytes; at most ${ESPEAK_JSON_MAX_BYTES} are accepted`);
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (e) {
      throw new VoiceFormatError('espeak voice JSON is not valid UTF-8', 'invalid_voice_file', { cause: e });
    }
  }
  if (text.length > ESPEAK_JSON_MAX_BYTES) {
    throw new VoiceFormatError(`espeak voice JSON is too long; at most ${ESPEAK_JSON_MAX_BYTES} bytes are accepted`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new VoiceFormatError(`espeak voice JSON is not valid JSON: ${(e as Error).message}`, 'invalid_voice_file', { cause: e });
  }
  return validateEspeakVoice(value);
}

/** The JSON form of an espeak voice: pretty, keys in a fixed order, `"engine": "espeak"` first. */
export function toEspeakJson(data: EspeakVoiceData): string {
  const v = validateEspeakVoice(data);
  const ordered = {
    engine: 'espeak',
    base: v.base,
    variant: v.variant,
    pitch: v.pitch,
    range: v.range,
    rate: v.rate,
    volume: v.volume,
    ...Object.fromEntries(TIMBRE_KEYS.filter((key) => v[key] !== undefined).map((key) => [key, v[key]])),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
