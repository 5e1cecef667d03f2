/**
 * Inline pronunciations in speech input, `[Kokoro](/kˈOkəɹO/)`: the word in brackets is spoken
 * with the phonemes between the slashes, written in Kokoro's (misaki's) symbols. One pattern for
 * every reader: the server checks it (pronunciations/inline.ts), Kokoro's front end reads it
 * (engines/kokoro/phonemize.ts), espeak-ng's input converts it (engines/espeak/input.ts).
 */
export const INLINE_PRONUNCIATION = /\[([^\]\n]{1,64})\]\(\/([^/\n]{1,128})\/\)/gu;

/** A stretch of text: plain, or one inline pronunciation with its word and phonemes. */
export type InlinePart = { kind: 'text'; text: string } | { kind: 'pronunciation'; word: string; phonemes: string };

/** The text cut into plain stretches and inline pronunciations, in order; empty stretches left out. */
export function splitInline(text: string): InlinePart[] {
  const parts: InlinePart[] = [];
  let last = 0;
  if (text.includes('](/')) {
    for (const m of text.matchAll(INLINE_PRONUNCIATION)) {
      if (m.index > last) parts.push({ kind: 'text', text: text.slice(last, m.index) });
      parts.push({ kind: 'pronunciation', word: m[1]!, phonemes: m[2]! });
      last = m.index + m[0].length;
    }
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
