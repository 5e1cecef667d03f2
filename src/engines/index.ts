import { availableParallelism } from 'node:os';
import type { EngineId, EngineInfo } from './engine.js';
import { espeakInfo } from './espeak/index.js';
import { kokoroInfo, type KokoroInfo, type KokoroSettings } from './kokoro/index.js';

export type * from './engine.js';
export { engineLoadError, parseEngineLoadError } from './engine.js';

/** OpenAI's model names; they run on the default engine. */
export const OPENAI_MODEL_IDS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'] as const;
/** Engine names are models too: they pick themselves. */
export const ENGINE_IDS: readonly EngineId[] = ['kokoro', 'espeak'];
export const MODEL_IDS: readonly string[] = [...OPENAI_MODEL_IDS, ...ENGINE_IDS];

/** What the engines need from the configuration; plain data, so it can be handed to worker threads. */
export type EngineSettings = KokoroSettings;

/**
 * The engines' settings from the configuration. onnxruntime's threads default to the cores
 * shared out among the synthesis threads that will each hold a session.
 */
export function engineSettings(
  config: { modelDir: string | null; modelVariant: string; onnxThreads: number },
  synthesisThreads: number,
): EngineSettings {
  if (config.modelDir === null) throw new Error('modelDir is resolved when the configuration is loaded');
  const onnxThreads = config.onnxThreads > 0 ? config.onnxThreads : Math.max(1, Math.floor(availableParallelism() / synthesisThreads));
  return { modelDir: config.modelDir, modelVariant: config.modelVariant, onnxThreads };
}

/**
 * Every engine LiteTTS knows, in order of preference: defaults and OpenAI names go to the first
 * available one. Kokoro comes first, with its install state (which the server downloads into).
 */
export function createEngines(settings: EngineSettings): readonly [KokoroInfo, EngineInfo] {
  return [kokoroInfo(settings), espeakInfo];
}

/** The engine of `id` among `engines`. */
export function findEngine(engines: readonly EngineInfo[], id: EngineId): EngineInfo | undefined {
  return engines.find((e) => e.id === id);
}
