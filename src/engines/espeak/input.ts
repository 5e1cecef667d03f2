/**
 * Text as espeak-ng is given it. This build of espeak-ng reads its input as SSML with phoneme
 * input on (the wrapper's `synthesize` passes espeakSSML | espeakPHONEMES, and espeak keeps those
 * modes for its phonemiser too once it has synthesised once), so plain text is escaped: `<`, `>`
 * and `&` as SSML entities (read back as the characters), and `[[` broken apart, so that nobody's
 * text can switch voices, insert silences or speak phonemes. Inline pronunciations
 * (`[word](/phonemes/)`, text/inline.ts) are the one way in to phoneme input: their Kokoro
 * phonemes become espeak-ng mnemonics inside `[[…]]` (mnemonics.ts) for English voices; voices of
 * other languages read the word as written.
 */
import { splitInline } from '../../text/inline.js';
import { dialectOf, toMnemonics } from './mnemonics.js';

export interface EspeakInput {
  /** The text for espeak-ng. */
  text: string;
  /** Kokoro symbols of inline pronunciations that espeak-ng has no phoneme for (dropped), once per occurrence. */
  dropped: string[];
}

const SSML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Plain text that espeak-ng reads as text, whatever it holds. */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => SSML_ENTITIES[c]!).replace(/\[(?=\[)/g, '[ ');
}

/** Speech input (with inline pronunciations) as espeak-ng's input for the voice `espeakVoice` (e.g. `en-us+f3`). */
export function espeakInput(text: string, espeakVoice: string): EspeakInput {
  const dialect = dialectOf(espeakVoice);
  const dropped: string[] = [];
  let out = '';
  for (const part of splitInline(text)) {
    if (part.kind === 'text') {
      out += escapeText(part.text);
      continue;
    }
    const converted = dialect === null ? null : toMnemonics(part.phonemes, dialect);
    if (converted) dropped.push(...converted.dropped);
    // Spaces around, so that a '[' of the text before cannot join the brackets.
    out += converted && converted.mnemonics.length > 0 ? ` [[${converted.mnemonics}]] ` : escapeText(part.word);
  }
  return { text: out, dropped };
}
