import type { Gender } from '../engines/index.js';

/**
 * Kokoro's voice names start with a language letter and a gender letter
 * (af_heart: American English, female). Imported packs keep that convention,
 * so their language and gender can be read off the name.
 */
const LANGUAGES: Record<string, string> = {
  a: 'en-us',
  b: 'en-gb',
  e: 'es',
  f: 'fr-fr',
  h: 'hi',
  i: 'it',
  j: 'ja',
  p: 'pt-br',
  z: 'cmn',
};

export function kokoroNameMetadata(name: string): { language: string; gender: Gender } | null {
  const match = /^([abefhijpz])([fm])_/i.exec(name);
  if (!match) return null;
  return { language: LANGUAGES[match[1]!.toLowerCase()]!, gender: match[2]!.toLowerCase() === 'f' ? 'female' : 'male' };
}
