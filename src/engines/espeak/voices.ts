import type { BuiltinVoice, EspeakVoiceData, Gender } from '../engine.js';

/** An espeak builtin voice: its parameters are known without loading anything. */
export interface EspeakBuiltinVoice extends BuiltinVoice {
  data: EspeakVoiceData;
}

/**
 * The curated builtin espeak-ng voices: a language voice plus a variant, with
 * language and gender filled in. Names follow the API's voice-name rule.
 */
interface Entry {
  name: string;
  language: string;
  gender: Gender;
  base: string;
  variant: string;
  pitch?: number;
  range?: number;
  description: string;
}

const ENTRIES: readonly Entry[] = [
  { name: 'espeak-en-us-female', language: 'en-us', gender: 'female', base: 'en-us', variant: 'f3', description: 'American English, female' },
  { name: 'espeak-en-us-female-2', language: 'en-us', gender: 'female', base: 'en-us', variant: 'f4', pitch: 58, description: 'American English, female (alternate timbre)' },
  { name: 'espeak-en-us-male', language: 'en-us', gender: 'male', base: 'en-us', variant: 'm3', description: 'American English, male' },
  { name: 'espeak-en-us-male-2', language: 'en-us', gender: 'male', base: 'en-us', variant: 'm1', pitch: 40, description: 'American English, male, deeper' },
  { name: 'espeak-en-gb-female', language: 'en-gb', gender: 'female', base: 'en-gb-x-rp', variant: 'f2', description: 'British English (RP), female' },
  { name: 'espeak-en-gb-male', language: 'en-gb', gender: 'male', base: 'en-gb-x-rp', variant: 'm1', description: 'British English (RP), male' },
  { name: 'espeak-es-female', language: 'es', gender: 'female', base: 'es', variant: 'f3', description: 'Spanish (Spain), female' },
  { name: 'espeak-es-male', language: 'es', gender: 'male', base: 'es', variant: 'm3', description: 'Spanish (Spain), male' },
  { name: 'espeak-fr-female', language: 'fr-fr', gender: 'female', base: 'fr', variant: 'f2', description: 'French (France), female' },
  { name: 'espeak-fr-male', language: 'fr-fr', gender: 'male', base: 'fr', variant: 'm2', description: 'French (France), male' },
  { name: 'espeak-de-female', language: 'de', gender: 'female', base: 'de', variant: 'f1', description: 'German, female' },
  { name: 'espeak-de-male', language: 'de', gender: 'male', base: 'de', variant: 'm3', description: 'German, male' },
  { name: 'espeak-it-female', language: 'it', gender: 'female', base: 'it', variant: 'f3', description: 'Italian, female' },
  { name: 'espeak-it-male', language: 'it', gender: 'male', base: 'it', variant: 'm3', description: 'Italian, male' },
  { name: 'espeak-pt-br-female', language: 'pt-br', gender: 'female', base: 'pt-br', variant: 'f2', description: 'Brazilian Portuguese, female' },
  { name: 'espeak-pt-br-male', language: 'pt-br', gender: 'male', base: 'pt-br', variant: 'm3', description: 'Brazilian Portuguese, male' },
  { name: 'espeak-hi-female', language: 'hi', gender: 'female', base: 'hi', variant: 'f3', description: 'Hindi, female' },
  { name: 'espeak-hi-male', language: 'hi', gender: 'male', base: 'hi', variant: 'm3', description: 'Hindi, male' },
  { name: 'espeak-ja-female', language: 'ja', gender: 'female', base: 'ja', variant: 'f3', description: 'Japanese, female' },
  { name: 'espeak-cmn-female', language: 'cmn', gender: 'female', base: 'cmn', variant: 'f3', description: 'Mandarin Chinese, female' },
  { name: 'espeak-cmn-male', language: 'cmn', gender: 'male', base: 'cmn', variant: 'm3', description: 'Mandarin Chinese, male' },
];

export const ESPEAK_DEFAULTS = { pitch: 50, range: 50, rate: 175, volume: 100 } as const;

export const ESPEAK_BUILTIN_VOICES: readonly EspeakBuiltinVoice[] = ENTRIES.map((e) => {
  const data: EspeakVoiceData = {
    engine: 'espeak',
    base: e.base,
    variant: e.variant,
    pitch: e.pitch ?? ESPEAK_DEFAULTS.pitch,
    range: e.range ?? ESPEAK_DEFAULTS.range,
    rate: ESPEAK_DEFAULTS.rate,
    volume: ESPEAK_DEFAULTS.volume,
  };
  return {
    name: e.name,
    engine: 'espeak',
    language: e.language,
    gender: e.gender,
    description: e.description,
    data,
    installed: () => true,
    source: { data },
  };
});

/** OpenAI's voice names, mapped to espeak voices when no better engine is installed. */
export const ESPEAK_OPENAI_ALIASES: Readonly<Record<string, string>> = {
  alloy: 'espeak-en-us-female',
  ash: 'espeak-en-us-male-2',
  ballad: 'espeak-en-gb-male',
  coral: 'espeak-en-us-female-2',
  echo: 'espeak-en-us-male',
  fable: 'espeak-en-gb-male',
  nova: 'espeak-en-us-female-2',
  onyx: 'espeak-en-us-male-2',
  sage: 'espeak-en-gb-female',
  shimmer: 'espeak-en-gb-female',
  verse: 'espeak-en-us-male',
  marin: 'espeak-en-us-female',
  cedar: 'espeak-en-us-male-2',
};
