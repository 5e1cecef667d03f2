import { FfmpegPipe } from '../ffmpeg.js';
import { CONTENT_TYPES } from '../formats.js';
import type { AudioEncoder } from './encoder.js';
import { int16ToLeBytes } from './pcm.js';

export const DEFAULT_AAC_BITRATE = 64_000;

/**
 * ADTS AAC through one ffmpeg process per stream (there is no usable AAC
 * encoder in JS/WASM). ffmpeg buffers internally, so early writes often
 * return nothing; ADTS frames are self-contained, so any prefix is playable.
 */
export class AacEncoder implements AudioEncoder {
  readonly format = 'aac';
  readonly contentType = CONTENT_TYPES.aac;
  readonly #ffmpeg: FfmpegPipe;
  #done = false;

  constructor(sampleRate: number, bitrate = DEFAULT_AAC_BITRATE) {
    const kbps = Math.max(8, Math.round(bitrate / 1000));
    this.#ffmpeg = new FfmpegPipe([
      '-hide_banner', '-loglevel', 'error',
      // Raw PCM needs no probing; by default ffmpeg would sit on ~2 s of input first.
      '-probesize', '32', '-analyzeduration', '0',
      '-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0',
      '-c:a', 'aac', '-b:a', `${kbps}k`, '-f', 'adts', 'pipe:1',
    ]);
  }

  /** The ffmpeg process id, for diagnostics and tests. */
  get pid(): number | undefined {
    return this.#ffmpeg.pid;
  }

  async write(pcm: Int16Array): Promise<Uint8Array> {
    if (this.#done) throw new Error('aac encoder already ended');
    await this.#ffmpeg.write(int16ToLeBytes(pcm));
    return this.#ffmpeg.take();
  }

  async end(): Promise<Uint8Array> {
    if (this.#done) throw new Error('aac encoder already ended');
    this.#done = true;
    try {
      return await this.#ffmpeg.finish();
    } finally {
      this.#ffmpeg.kill(); // no-op once ffmpeg has exited; stops it if finish() failed
    }
  }

  close(): void {
    this.#done = true;
    this.#ffmpeg.kill();
  }
}
