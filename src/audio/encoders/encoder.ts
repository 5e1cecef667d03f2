import type { AudioFormat } from '../formats.js';

/**
 * A streaming encoder for one response. Input is mono signed 16-bit PCM at the
 * rate given at creation; every returned chunk can be sent as soon as it exists,
 * and the concatenation of all of them (write… then end) is one valid file.
 */
export interface AudioEncoder {
  readonly format: AudioFormat;
  readonly contentType: string;
  /** Encodes more samples; returns the bytes that are ready now (possibly none). */
  write(pcm: Int16Array): Promise<Uint8Array>;
  /** Flushes everything still buffered; the encoder cannot be used afterwards. */
  end(): Promise<Uint8Array>;
  /** Releases resources of an abandoned stream (child processes, WASM memory). Idempotent. */
  close(): void;
}

export interface EncoderOptions {
  sampleRate: number;
  /** Target bitrate in bits per second for lossy formats; each format has a speech-friendly default. */
  bitrate?: number;
}
