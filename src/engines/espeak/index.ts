import type { Engine, EngineInfo } from '../engine.js';
import { ESPEAK_SAMPLE_RATE } from './constants.js';
import { ESPEAK_BUILTIN_VOICES, ESPEAK_OPENAI_ALIASES } from './voices.js';

export { ESPEAK_BUILTIN_VOICES, ESPEAK_OPENAI_ALIASES, ESPEAK_DEFAULTS, type EspeakBuiltinVoice } from './voices.js';

/** espeak-ng ships inside the npm package: always available, nothing to install. */
export const espeakInfo: EngineInfo = {
  id: 'espeak',
  sampleRate: ESPEAK_SAMPLE_RATE,
  description: 'espeak-ng (in-process WebAssembly), always available',
  installHint: 'It ships with LiteTTS; reinstall with `npm ci`.',
  available: () => true,
  state: () => 'ready',
  builtinVoices: () => ESPEAK_BUILTIN_VOICES,
  defaultVoice: 'espeak-en-us-female',
  openAiAliases: ESPEAK_OPENAI_ALIASES,
  load: async (): Promise<Engine> => (await import('./engine.js')).EspeakEngine.load(),
};
