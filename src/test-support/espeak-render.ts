/** espeak renders at the espeak fit's 24 kHz, in-process, for tests and benchmarks of the fit. */
import { concatFloat32 } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';
import type { EspeakVoiceData } from '../engines/engine.js';
import { EspeakEngine } from '../engines/espeak/engine.js';
import { RENDER_RATE } from '../cloning/espeak-fit.js';

let engine: Promise<EspeakEngine> | undefined;

/** Speaks `text` with `voice` at speed 1: mono float samples at 24 kHz. */
export async function renderEspeak(voice: EspeakVoiceData, text: string, signal?: AbortSignal): Promise<Float32Array> {
  const e = await (engine ??= EspeakEngine.load());
  const chunks: Float32Array[] = [];
  for await (const chunk of e.synthesize({ text, voice, speed: 1, ...(signal ? { signal } : {}) })) chunks.push(chunk);
  return resample(concatFloat32(chunks), e.sampleRate, RENDER_RATE);
}
