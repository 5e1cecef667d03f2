import { endianness } from 'node:os';
import { CONTENT_TYPES } from '../formats.js';
import type { AudioEncoder } from './encoder.js';

const BIG_ENDIAN_HOST = endianness() === 'BE';

/**
 * Little-endian bytes of the samples, always a copy: the caller may reuse its
 * buffer while the returned chunk is still queued on a socket.
 */
export function int16ToLeBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  if (!BIG_ENDIAN_HOST) {
    out.set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return out;
  }
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
  return out;
}

/** Raw s16le: OpenAI's `pcm` format has no header at all. */
export class PcmEncoder implements AudioEncoder {
  readonly format = 'pcm';
  readonly contentType = CONTENT_TYPES.pcm;
  #ended = false;

  async write(pcm: Int16Array): Promise<Uint8Array> {
    if (this.#ended) throw new Error('pcm encoder already ended');
    return int16ToLeBytes(pcm);
  }

  async end(): Promise<Uint8Array> {
    if (this.#ended) throw new Error('pcm encoder already ended');
    this.#ended = true;
    return new Uint8Array(0);
  }

  close(): void {
    this.#ended = true;
  }
}
