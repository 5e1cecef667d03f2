import type { AudioFormat } from '../formats.js';
import type { AudioEncoder, EncoderOptions } from './encoder.js';

export type { AudioEncoder, EncoderOptions } from './encoder.js';

/**
 * A fresh encoder for one response. Modules are imported on first use, so a
 * server that never sends FLAC never loads libFLAC (and so on).
 */
export async function createEncoder(format: AudioFormat, options: EncoderOptions): Promise<AudioEncoder> {
  const { sampleRate, bitrate } = options;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`invalid sample rate ${sampleRate}`);
  switch (format) {
    case 'pcm':
      return new (await import('./pcm.js')).PcmEncoder();
    case 'wav':
      return new (await import('./wav.js')).WavEncoder(sampleRate);
    case 'mp3':
      return (await import('./mp3.js')).Mp3Encoder.create(sampleRate, bitrate);
    case 'opus':
      return new (await import('./opus.js')).OpusEncoder(sampleRate, bitrate);
    case 'aac':
      return new (await import('./aac.js')).AacEncoder(sampleRate, bitrate);
    case 'flac':
      return (await import('./flac.js')).FlacEncoder.create(sampleRate);
  }
}

/** A format and the options its streams will be created with, for warming up. */
export interface WarmUpFormat {
  format: AudioFormat;
  options: EncoderOptions;
}

/** Where a service gets its encoders: on the calling thread, or on encoder threads (`threads.ts`). */
export interface EncoderFactory {
  create(format: AudioFormat, options: EncoderOptions): Promise<AudioEncoder>;
  /** Compiles and exercises each format's encoder once (on every thread), so the first request of each format is not slow. */
  warmUp(formats: readonly WarmUpFormat[]): Promise<void>;
  close(): Promise<void>;
}

/** Encoders on the calling thread: for the CLI's `say`, tests and anything without threads. */
export const inProcessEncoders: EncoderFactory = {
  create: createEncoder,
  async warmUp(formats) {
    // 3 s, not less: V8 first runs WebAssembly from its baseline compiler and only
    // optimises functions once they have run a while; after half a second of warm-up
    // LAME's first real stream still took 0.3 s longer than the ones after it.
    const tone = new Int16Array(72000).map((_, i) => Math.round(8000 * Math.sin(i / 10) * Math.sin(i / 3000)));
    for (const { format, options } of formats) {
      const encoder = await createEncoder(format, options);
      try {
        await encoder.write(tone);
        await encoder.end();
      } finally {
        encoder.close();
      }
    }
  },
  async close() {},
};
