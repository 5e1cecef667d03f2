import type { Gender } from '../engine.js';

/**
 * Kokoro's voice names start with a language letter and a gender letter
 * (af_heart: American English, female); language and gender are read off the name.
 */
const LANGUAGES: Readonly<Record<string, { code: string; name: string }>> = {
  a: { code: 'en-us', name: 'American English' },
  b: { code: 'en-gb', name: 'British English' },
  e: { code: 'es', name: 'Spanish' },
  f: { code: 'fr-fr', name: 'French' },
  h: { code: 'hi', name: 'Hindi' },
  i: { code: 'it', name: 'Italian' },
  j: { code: 'ja', name: 'Japanese' },
  p: { code: 'pt-br', name: 'Brazilian Portuguese' },
  z: { code: 'cmn', name: 'Mandarin Chinese' },
};

export interface KokoroNameMetadata {
  language: string;
  gender: Gender;
  /** e.g. "American English, female". */
  label: string;
}

/** Language and gender of a voice named by Kokoro's convention; null for other names. */
export function kokoroNameMetadata(name: string): KokoroNameMetadata | null {
  const match = /^([abefhijpz])([fm])_/i.exec(name);
  if (!match) return null;
  const language = LANGUAGES[match[1]!.toLowerCase()]!;
  const gender: Gender = match[2]!.toLowerCase() === 'f' ? 'female' : 'male';
  return { language: language.code, gender, label: `${language.name}, ${gender}` };
}

/**
 * OpenAI's voice names on Kokoro voices of a similar character (and, where Kokoro has a
 * voice of the same name, that one). Configured aliases take precedence.
 */
export const KOKORO_OPENAI_ALIASES: Readonly<Record<string, string>> = {
  alloy: 'af_alloy',
  ash: 'am_adam',
  ballad: 'bm_george',
  coral: 'af_bella',
  echo: 'am_echo',
  fable: 'bm_fable',
  nova: 'af_nova',
  onyx: 'am_onyx',
  sage: 'af_sarah',
  shimmer: 'af_sky',
  verse: 'am_michael',
  // OpenAI's newest two, its most natural: Kokoro's best-rated female and a warm male voice.
  marin: 'af_heart',
  cedar: 'am_fenrir',
};

/** Kokoro's most natural-sounding voice; the default whenever Kokoro is installed. */
export const KOKORO_DEFAULT_VOICE = 'af_heart';
