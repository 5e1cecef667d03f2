/**
 * The tiny Kokoro model (tiny-kokoro.ts) installed as a server's model, and what its audio says
 * reached it: the ids of each model call, its style vector and speed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KOKORO_VOCAB } from '../engines/kokoro/vocab.js';
import { toBin } from '../voices/formats/index.js';
import { sampleTensor } from './fixtures.js';
import { decodeTinyWaveform, makeTinyKokoroModel, TINY_SAMPLES_PER_ID } from './tiny-kokoro.js';

export const TINY_KOKORO_VARIANT = 'model_quantized.onnx';
/** Voice packs an install holds (synthetic tensors, one seed each); the other official ones are missing. */
export const TINY_KOKORO_PACKS = { af_heart: 11, af_alloy: 12, am_echo: 13, bm_fable: 14, ff_siwis: 15 } as const;

/** Writes the tiny model and the packs named (default: all of TINY_KOKORO_PACKS) into a model directory. */
export function installTinyKokoro(dir: string, voices: Partial<typeof TINY_KOKORO_PACKS> = TINY_KOKORO_PACKS): void {
  mkdirSync(join(dir, 'voices'), { recursive: true });
  writeFileSync(join(dir, TINY_KOKORO_VARIANT), makeTinyKokoroModel());
  for (const [name, seed] of Object.entries(voices)) writeFileSync(join(dir, 'voices', `${name}.bin`), toBin(sampleTensor(seed)));
}

export interface ModelCall {
  ids: number[];
  style: Float32Array;
  speed: number;
}

/** The model calls in a 24 kHz 16-bit waveform of the tiny model: each starts and ends with the pad id 0. */
export function modelCalls(pcm: Int16Array): ModelCall[] {
  assert.equal(pcm.length % TINY_SAMPLES_PER_ID, 0, `${pcm.length} samples: whole 240-sample segments`);
  const calls: ModelCall[] = [];
  const floats = Float32Array.from(pcm, (s) => s / 32767);
  // Split at segment boundaries where a call ends (id 0 after a non-zero id) and the next begins.
  const ids = decodeTinyWaveform(floats, { idTolerance: 0.05 }).ids;
  let start = 0;
  for (let t = 1; t <= ids.length; t++) {
    const endOfCall = t === ids.length || (ids[t - 1] === 0 && t - 1 > start && ids[t] === 0);
    if (!endOfCall) continue;
    const piece = floats.subarray(start * TINY_SAMPLES_PER_ID, t * TINY_SAMPLES_PER_ID);
    const evidence = decodeTinyWaveform(piece, { idTolerance: 0.05 });
    calls.push({ ids: evidence.ids, style: evidence.style, speed: evidence.speed });
    start = t;
  }
  return calls;
}

const SYMBOL_OF = new Map([...KOKORO_VOCAB].map(([symbol, id]) => [id, symbol]));

/** A model call's ids read back as Kokoro phonemes, the pads left out. */
export function idsToPhonemes(ids: readonly number[]): string {
  return ids
    .filter((id) => id !== 0)
    .map((id) => {
      const symbol = SYMBOL_OF.get(id);
      assert.ok(symbol !== undefined, `id ${id} is no symbol of Kokoro's vocab`);
      return symbol;
    })
    .join('');
}
