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
