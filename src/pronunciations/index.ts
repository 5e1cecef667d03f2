import type { EngineInfo } from '../engines/index.js';
import type { PronunciationStore } from '../store/pronunciations.js';
import { ServerLexicon } from './lexicon.js';

export { ServerLexicon, type LexiconEntryInput } from './lexicon.js';
export { checkLanguage, checkPhonemes, checkWord, MAX_ENTRIES_PER_PUT, MAX_LEXICON_ENTRIES } from './validate.js';

/** The server lexicon over the catalog, for the languages of this server's builtin voices. */
export function openServerLexicon(store: PronunciationStore, engines: readonly EngineInfo[], defaultVoice: () => string): ServerLexicon {
  const languages = (): ReadonlySet<string> => new Set(engines.flatMap((e) => e.builtinVoices().map((v) => v.language.toLowerCase())));
  const defaultLanguage = (): string => {
    const name = defaultVoice();
    const voice = engines.flatMap((e) => e.builtinVoices()).find((v) => v.name === name);
    return (voice?.language ?? 'en-us').toLowerCase();
  };
  return new ServerLexicon(store, languages, defaultLanguage);
}
