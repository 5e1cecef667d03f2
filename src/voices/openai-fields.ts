import { errors } from '../errors.js';

/**
 * The free-text fields of OpenAI's custom-voice API and how they meet the library: labels
 * (consent and voice names), BCP 47 language tags, and the library name a voice gets from its
 * label. Pure functions; the service (openai-custom.ts) applies them.
 */

/** Longest label, in characters (code points) after trimming. */
export const MAX_LABEL_CHARS = 256;
/** Longest language tag accepted; real ones are far shorter (BCP 47 advises ≤ 35). */
export const MAX_LANGUAGE_CHARS = 64;
/** Library names tried for one label: the base, then `_2` … `_50`. */
export const MAX_NAME_CANDIDATES = 50;

/** A label: required, trimmed, 1–256 characters, no control characters. */
export function checkLabel(value: string | undefined, param: string): string {
  if (value === undefined) throw errors.missingParam(param);
  const label = value.trim();
  if (label.length === 0) throw errors.invalidParam(param, `'${param}' must not be empty`, 'invalid_name');
  const chars = [...label].length;
  if (chars > MAX_LABEL_CHARS) throw errors.invalidParam(param, `'${param}' is ${chars} characters long; the maximum is ${MAX_LABEL_CHARS}`, 'invalid_name');
  if (/[\u0000-\u001f\u007f]/.test(label)) throw errors.invalidParam(param, `'${param}' must not contain control characters`, 'invalid_name');
  return label;
}

/**
 * A BCP 47 language tag (`en`, `en-US`, `pt-BR`, `zh-Hans-CN`), as given but trimmed. The shape
 * is ICU's to judge (Intl.getCanonicalLocales refuses what is not a well-formed tag); only
 * letters, digits and hyphens pass before it is asked.
 */
export function checkLanguageTag(value: string | undefined, param = 'language'): string {
  if (value === undefined) throw errors.missingParam(param);
  const tag = value.trim();
  const invalid = () => errors.invalidParam(param, `'${param}' must be a BCP 47 language tag such as en, en-US or pt-BR, got ${JSON.stringify(tag.slice(0, 80))}`, 'invalid_language');
  if (tag.length === 0 || tag.length > MAX_LANGUAGE_CHARS || !/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(tag)) throw invalid();
  try {
    Intl.getCanonicalLocales(tag);
  } catch {
    throw invalid();
  }
  return tag;
}

/**
 * The library name a label maps to: accents dropped (NFKD), lower case, runs of white space
 * as `_`, every character outside `a-z 0-9 _ -` removed, runs of `_` folded, leading and
 * trailing separators cut, at most 60 characters (room for a suffix); `custom_voice` when
 * nothing is left ("My Voice" → `my_voice`, "Zoë's voice!" → `zoes_voice`).
 */
export function libraryNameBase(label: string): string {
  const base = label
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, '_')
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/_+/g, '_')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 60)
    .replace(/[_-]+$/, '');
  return base.length > 0 ? base : 'custom_voice';
}

/** The names tried in turn for a label: its base, then `base_2`, `base_3`, … (MAX_NAME_CANDIDATES in all). */
export function libraryNameCandidates(label: string): string[] {
  const base = libraryNameBase(label);
  return [base, ...Array.from({ length: MAX_NAME_CANDIDATES - 1 }, (_, i) => `${base}_${i + 2}`)];
}

/** Primary language subtags whose engine voices go by another name. */
const ENGINE_LANGUAGE: Readonly<Record<string, string>> = { zh: 'cmn' };

/**
 * The engine language a clone speaks for a consent's BCP 47 tag: the engine's voice language
 * of that exact tag (en-GB → en-gb), else the default voice's language when it is the same
 * language (en-AU → en-us with an American default), else the first engine language of the
 * same primary subtag (pt-PT → pt-br), else the default voice's.
 */
export function cloneLanguage(tag: string | null, languages: readonly string[], fallback: string): string {
  if (tag === null) return fallback;
  const wanted = tag.toLowerCase();
  const exact = languages.find((l) => l.toLowerCase() === wanted);
  if (exact !== undefined) return exact;
  const primaryOf = (t: string) => t.toLowerCase().split('-')[0]!;
  const primary = ENGINE_LANGUAGE[primaryOf(wanted)] ?? primaryOf(wanted);
  if (primaryOf(fallback) === primary) return fallback;
  return languages.find((l) => primaryOf(l) === primary) ?? fallback;
}
