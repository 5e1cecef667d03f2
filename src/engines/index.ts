import type { EngineId, EngineInfo } from './engine.js';
import { espeakInfo } from './espeak/index.js';

export type * from './engine.js';

/** OpenAI's model names; they run on the default engine. */
export const OPENAI_MODEL_IDS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'] as const;
/** Engine names are models too: they pick themselves. */
export const ENGINE_IDS: readonly EngineId[] = ['kokoro', 'espeak'];
export const MODEL_IDS: readonly string[] = [...OPENAI_MODEL_IDS, ...ENGINE_IDS];

/** Every engine LiteTTS knows, in order of preference for defaults. */
export function engineInfos(): readonly EngineInfo[] {
  return [espeakInfo];
}

export function engineInfo(id: EngineId): EngineInfo | undefined {
  return engineInfos().find((e) => e.id === id);
}
