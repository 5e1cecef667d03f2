import { CONTENT_TYPES } from '../formats.js';
import type { AudioEncoder } from './encoder.js';
import { int16ToLeBytes } from './pcm.js';

/** RIFF and data sizes when the length is not known yet; OpenAI streams wav the same way. */
const UNKNOWN_SIZE = 0xffffffff;

/** The canonical 44-byte header for 16-bit mono PCM. */
export function wavHeader(sampleRate: number): Uint8Array {
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, UNKNOWN_SIZE, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // channels
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, UNKNOWN_SIZE, true);
  return header;
}

/** Streaming WAV: the header goes out with the first chunk, then raw samples. */
export class WavEncoder implements AudioEncoder {
  readonly format = 'wav';
  readonly contentType = CONTENT_TYPES.wav;
  readonly #sampleRate: number;
  #headerSent = false;
  #ended = false;

  constructor(sampleRate: number) {
    this.#sampleRate = sampleRate;
  }

  async write(pcm: Int16Array): Promise<Uint8Array> {
    if (this.#ended) throw new Error('wav encoder already ended');
    return this.#withHeader(int16ToLeBytes(pcm));
  }

  async end(): Promise<Uint8Array> {
    if (this.#ended) throw new Error('wav encoder already ended');
    this.#ended = true;
    return this.#withHeader(new Uint8Array(0));
  }

  close(): void {
    this.#ended = true;
  }

  #withHeader(body: Uint8Array): Uint8Array {
    if (this.#headerSent) return body;
    this.#headerSent = true;
    const out = new Uint8Array(44 + body.length);
    out.set(wavHeader(this.#sampleRate));
    out.set(body, 44);
    return out;
  }
}
