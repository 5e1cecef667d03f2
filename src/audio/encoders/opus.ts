import { randomBytes } from 'node:crypto';
import { Encoder } from '@evan/opus';
import { CONTENT_TYPES } from '../formats.js';
import type { AudioEncoder } from './encoder.js';
import { OGG_BOS, OGG_EOS, OggStream, type OggPacket } from './ogg.js';

export const DEFAULT_OPUS_BITRATE = 32_000;
/**
 * 'audio' keeps 24 kHz speech at 32 kbit/s in Opus's CELT mode, which costs a
 * quarter of what 'voip' (SILK) does here: 58 s of espeak speech took 87 ms at
 * complexity 3 and 129 ms at 5, against 355 and 455 ms with 'voip'. CELT's
 * complexity changes little for speech at this rate, so 3 it is.
 */
const APPLICATION = 'audio';
const COMPLEXITY = 3;
/** Granule positions and pre-skip are always counted at 48 kHz (RFC 7845 §4). */
const GRANULE_RATE = 48_000;
const FRAME_MS = 20;
/** opusenc's default maximum page delay, 1 s, so seeking and streaming stay fine-grained. */
const MAX_PACKETS_PER_PAGE = 1000 / FRAME_MS;
/** OPUS_GET_LOOKAHEAD_REQUEST; the typings call the getter `lookhead` but the runtime names it `lookahead`. */
const OPUS_GET_LOOKAHEAD = 4027;
const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

function isOpusRate(rate: number): rate is OpusRate {
  return OPUS_RATES.includes(rate);
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** RFC 7845 §5.1 identification header, mono, channel mapping family 0. */
function opusHead(preSkip: number, inputSampleRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(ascii('OpusHead'));
  head[8] = 1; // version
  head[9] = 1; // channels
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true); // output gain
  head[18] = 0; // mapping family
  return head;
}

/** RFC 7845 §5.2 comment header with our vendor string and no comments. */
function opusTags(): Uint8Array {
  const vendor = ascii('LiteTTS');
  const tags = new Uint8Array(8 + 4 + vendor.length + 4);
  const view = new DataView(tags.buffer);
  tags.set(ascii('OpusTags'));
  view.setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  view.setUint32(12 + vendor.length, 0, true);
  return tags;
}

/**
 * Ogg Opus in 20 ms packets. Every write() that completes a packet returns
 * whole pages at once, so a streaming client can start playback immediately.
 */
export class OpusEncoder implements AudioEncoder {
  readonly format = 'opus';
  readonly contentType = CONTENT_TYPES.opus;
  #opus: Encoder | undefined;
  readonly #ogg = new OggStream(randomBytes(4).readUInt32LE(0));
  readonly #frameSize: number;
  /** 48 kHz samples per input sample. */
  readonly #scale: number;
  readonly #lookahead: number;
  readonly #pending: Int16Array;
  #pendingLength = 0;
  /** Input samples taken (without the padding end() adds). */
  #samplesIn = 0;
  /** Input samples handed to the codec, padding included. */
  #samplesEncoded = 0;
  #headers: Uint8Array[] | undefined;

  constructor(sampleRate: number, bitrate = DEFAULT_OPUS_BITRATE) {
    if (!isOpusRate(sampleRate)) throw new RangeError(`Opus cannot encode at ${sampleRate} Hz`);
    const opus = new Encoder({ channels: 1, sample_rate: sampleRate, application: APPLICATION });
    opus.bitrate = Math.min(510_000, Math.max(6_000, Math.round(bitrate)));
    opus.complexity = COMPLEXITY;
    this.#opus = opus;
    this.#frameSize = (sampleRate * FRAME_MS) / 1000;
    this.#scale = GRANULE_RATE / sampleRate;
    this.#lookahead = opus.ctl(OPUS_GET_LOOKAHEAD);
    this.#pending = new Int16Array(this.#frameSize);
    const preSkip = this.#lookahead * this.#scale;
    this.#headers = [
      this.#ogg.page([opusHead(preSkip, sampleRate)], 0, OGG_BOS),
      this.#ogg.page([opusTags()], 0),
    ];
  }

  async write(pcm: Int16Array): Promise<Uint8Array> {
    const packets = this.#encode(pcm);
    this.#samplesIn += pcm.length;
    return this.#output(packets, 0);
  }

  async end(): Promise<Uint8Array> {
    // Pad with silence until the codec has seen every real sample through its
    // lookahead; the final granule position tells decoders to drop the rest.
    const total = Math.ceil((this.#samplesIn + this.#lookahead) / this.#frameSize) * this.#frameSize;
    const packets = this.#encode(new Int16Array(total - this.#samplesIn));
    const last = packets[packets.length - 1];
    if (last) last.granule = (this.#lookahead + this.#samplesIn) * this.#scale;
    const out = this.#output(packets, OGG_EOS);
    this.close();
    return out;
  }

  /** The binding frees codec memory on garbage collection; dropping it is all there is to do. */
  close(): void {
    this.#opus = undefined;
  }

  #opusOrThrow(): Encoder {
    if (!this.#opus) throw new Error('opus encoder already ended');
    return this.#opus;
  }

  #encode(pcm: Int16Array): OggPacket[] {
    const opus = this.#opusOrThrow();
    const packets: OggPacket[] = [];
    const frame = (samples: Int16Array): void => {
      this.#samplesEncoded += this.#frameSize;
      // encode() returns a copy (the binding slices its output buffer), so packets can be kept.
      packets.push({ data: opus.encode(samples), granule: this.#samplesEncoded * this.#scale });
    };
    let offset = 0;
    if (this.#pendingLength > 0) {
      offset = Math.min(pcm.length, this.#frameSize - this.#pendingLength);
      this.#pending.set(pcm.subarray(0, offset), this.#pendingLength);
      this.#pendingLength += offset;
      if (this.#pendingLength < this.#frameSize) return packets;
      frame(this.#pending);
      this.#pendingLength = 0;
    }
    for (; offset + this.#frameSize <= pcm.length; offset += this.#frameSize) frame(pcm.subarray(offset, offset + this.#frameSize));
    this.#pending.set(pcm.subarray(offset));
    this.#pendingLength = pcm.length - offset;
    return packets;
  }

  #output(packets: readonly OggPacket[], lastFlags: number): Uint8Array {
    const pages = this.#headers ?? [];
    this.#headers = undefined;
    pages.push(...this.#ogg.pages(packets, MAX_PACKETS_PER_PAGE, lastFlags));
    return Buffer.concat(pages);
  }
}
