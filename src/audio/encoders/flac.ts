import libFactory from 'libflacjs';
import { CONTENT_TYPES } from '../formats.js';
import type { AudioEncoder } from './encoder.js';

type Flac = libFactory.Flac;

/** libFLAC's default trade-off; higher levels cost much more time for ~1-2 % smaller files. */
const COMPRESSION_LEVEL = 5;

function loadVariant(): Flac {
  // The emscripten loader prefers fetch() + instantiateStreaming whenever they
  // exist, which fails for a file path in Node 18+. Hiding instantiateStreaming
  // for this synchronous load makes it read the .wasm file from disk instead.
  const wasm: object = Reflect.get(globalThis, 'WebAssembly');
  const streaming: unknown = Reflect.get(wasm, 'instantiateStreaming');
  if (!Reflect.set(wasm, 'instantiateStreaming', undefined)) {
    return libFactory('release'); // asm.js: no trick needed, but ~2.5× slower
  }
  try {
    return libFactory('release.wasm');
  } finally {
    Reflect.set(wasm, 'instantiateStreaming', streaming);
  }
}

/**
 * One libFLAC (WASM) instance per process; each stream gets its own encoder
 * handle in it, and the calls are synchronous, so streams never interleave.
 */
let library: Promise<Flac> | undefined;

function loadFlac(): Promise<Flac> {
  library ??= new Promise<Flac>((resolve) => {
    const flac = loadVariant();
    if (flac.isReady()) resolve(flac);
    else flac.on('ready', () => resolve(flac));
  });
  library.catch(() => (library = undefined)); // a failed load is retried next time
  return library;
}

/**
 * Native FLAC, 16-bit mono. Frames are returned as libFLAC completes them.
 * Without a seek callback libFLAC cannot go back to fill in STREAMINFO, so it
 * keeps total samples = 0 (unknown) and an all-zero MD5, both of which the
 * format allows for streams.
 */
export class FlacEncoder implements AudioEncoder {
  readonly format = 'flac';
  readonly contentType = CONTENT_TYPES.flac;
  readonly #flac: Flac;
  #handle: number;
  #out: Uint8Array[] = [];

  private constructor(flac: Flac, handle: number) {
    this.#flac = flac;
    this.#handle = handle;
  }

  static async create(sampleRate: number): Promise<FlacEncoder> {
    const flac = await loadFlac();
    const handle = flac.create_libflac_encoder(sampleRate, 1, 16, COMPRESSION_LEVEL, 0, false, 0);
    if (!handle) throw new Error(`libFLAC could not create an encoder for ${sampleRate} Hz`);
    const encoder = new FlacEncoder(flac, handle);
    // libflac.js hands over a fresh copy of the bytes, so they can be kept as they are.
    const status = flac.init_encoder_stream(handle, (data) => {
      encoder.#out.push(data);
    });
    if (status !== 0) {
      encoder.close();
      throw new Error(`libFLAC encoder initialisation failed (status ${status})`);
    }
    return encoder;
  }

  async write(pcm: Int16Array): Promise<Uint8Array> {
    const handle = this.#live();
    if (pcm.length > 0 && !this.#flac.FLAC__stream_encoder_process_interleaved(handle, new Int32Array(pcm), pcm.length)) {
      throw new Error(`libFLAC encoding failed (state ${this.#flac.FLAC__stream_encoder_get_state(handle)})`);
    }
    return this.#take();
  }

  async end(): Promise<Uint8Array> {
    const handle = this.#live();
    const ok = this.#flac.FLAC__stream_encoder_finish(handle);
    const state = this.#flac.FLAC__stream_encoder_get_state(handle);
    const out = this.#take();
    this.close();
    if (!ok) throw new Error(`libFLAC could not finish the stream (state ${state})`);
    return out;
  }

  /** Frees the encoder's memory inside the shared WASM heap. */
  close(): void {
    if (!this.#handle) return;
    this.#flac.FLAC__stream_encoder_delete(this.#handle);
    this.#handle = 0;
    this.#out = [];
  }

  #live(): number {
    if (!this.#handle) throw new Error('flac encoder already ended');
    return this.#handle;
  }

  #take(): Uint8Array {
    const out = Buffer.concat(this.#out);
    this.#out = [];
    return out;
  }
}
