import type { EngineId, VoiceData } from '../engines/index.js';
import { parseBin, parseEspeakJson, toBin, toEspeakJson } from './formats/index.js';

/** Voice data as the catalog stores it: Kokoro tensors as raw float32, espeak parameter sets as JSON. */
export function serializeVoiceData(data: VoiceData): Uint8Array {
  return data.engine === 'kokoro' ? toBin(data.tensor) : new TextEncoder().encode(toEspeakJson(data));
}

export function deserializeVoiceData(engine: EngineId, bytes: Uint8Array): VoiceData {
  return engine === 'kokoro' ? { engine: 'kokoro', tensor: parseBin(bytes) } : parseEspeakJson(bytes);
}

/** Bytes a decoded voice occupies in memory, for the cache's budget. */
export function voiceDataSize(data: VoiceData): number {
  return data.engine === 'kokoro' ? data.tensor.byteLength : 256;
}
