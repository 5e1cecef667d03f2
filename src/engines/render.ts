import { floatToInt16, concatFloat32, OUTPUT_SAMPLE_RATE } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';
import { timeStretch } from '../audio/stretch.js';
import type { Engine, SynthesisInput } from './engine.js';

/**
 * One piece of text through one engine, to the server's output form:
 * mono signed 16-bit at 24 kHz. Speed the engine cannot honour itself is
 * applied by time-stretching, so every engine accepts the API's whole range.
 */
export async function renderPiece(engine: Engine, input: SynthesisInput): Promise<Int16Array> {
  const chunks: Float32Array[] = [];
  for await (const chunk of engine.synthesize(input)) chunks.push(chunk);
  let pcm = concatFloat32(chunks);
  const residual = engine.residualSpeed(input);
  if (Math.abs(residual - 1) > 1e-3) pcm = timeStretch(pcm, residual, engine.sampleRate);
  if (engine.sampleRate !== OUTPUT_SAMPLE_RATE) pcm = resample(pcm, engine.sampleRate, OUTPUT_SAMPLE_RATE);
  return floatToInt16(pcm);
}
