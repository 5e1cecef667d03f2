import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createEncoder, type WasmMediaEncoder } from 'wasm-media-encoders';
import { CONTENT_TYPES } from '../formats.js';
import { int16ToFloat } from '../pcm.js';
import type { AudioEncoder } from './encoder.js';

/** Constant bitrates LAME accepts, in kbit/s. */
const MP3_BITRATES = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
type Mp3Bitrate = (typeof MP3_BITRATES)[number];

export const DEFAULT_MP3_BITRATE = 64_000;

/** The closest bitrate LAME supports (it only takes a fixed set for CBR). */
export function mp3Bitrate(bitsPerSecond: number): Mp3Bitrate {
  const kbps = bitsPerSecond / 1000;
  let best: Mp3Bitrate = MP3_BITRATES[0];
  for (const b of MP3_BITRATES) if (Math.abs(b - kbps) < Math.abs(best - kbps)) best = b;
  return best;
}

/** A WebAssembly.Module; the project's `lib` has no WebAssembly typings (no DOM), so it stays opaque. */
type CompiledWasm = object;
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> } })
  .WebAssembly;

/**
 * Compiled once per process; every stream instantiates it with its own memory.
 * (createMp3Encoder() would decode and compile the embedded base64 WASM per call.)
 */
let compiled: Promise<CompiledWasm> | undefined;
function lameModule(): Promise<CompiledWasm> {
  if (!compiled) {
    const path = createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3');
    compiled = readFile(path).then((bytes) => wasmApi.compile(bytes));
    compiled.catch(() => (compiled = undefined)); // a failure is not cached
  }
  return compiled;
}

/**
 * CBR MP3 through LAME in WASM. LAME writes no Xing/ID3 tag here, so the
 * concatenated chunks are one plain stream of frames.
 */
export class Mp3Encoder implements AudioEncoder {
  readonly format = 'mp3';
  readonly contentType = CONTENT_TYPES.mp3;
  #lame: WasmMediaEncoder<'audio/mpeg'> | undefined;

  private constructor(lame: WasmMediaEncoder<'audio/mpeg'>) {
    this.#lame = lame;
  }

  static async create(sampleRate: number, bitrate = DEFAULT_MP3_BITRATE): Promise<Mp3Encoder> {
    const lame = await createEncoder('audio/mpeg', await lameModule());
    lame.configure({ sampleRate, channels: 1, bitrate: mp3Bitrate(bitrate) });
    return new Mp3Encoder(lame);
  }

  async write(pcm: Int16Array): Promise<Uint8Array> {
    const samples = int16ToFloat(pcm);
    // The result is a view into the encoder's memory, overwritten by the next call.
    return this.#encoder().encode([samples]).slice();
  }

  async end(): Promise<Uint8Array> {
    const out = this.#encoder().finalize().slice();
    this.close();
    return out;
  }

  /** The library has no explicit free; dropping the instance lets GC reclaim its WASM memory. */
  close(): void {
    this.#lame = undefined;
  }

  #encoder(): WasmMediaEncoder<'audio/mpeg'> {
    if (!this.#lame) throw new Error('mp3 encoder already ended');
    return this.#lame;
  }
}
