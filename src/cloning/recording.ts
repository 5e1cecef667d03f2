import { endianness } from 'node:os';
import type { DecodedReference } from './cloner.js';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './scorer.js';

/**
 * Decoded audio kept as bytes (a consent's recording in the catalog): a 4-byte tag, the sample
 * rate as a little-endian u32, then the mono s16le samples. The rate travels with the samples
 * because the bounded decoder keeps a source's own rate (8–48 kHz) and the scorer needs it;
 * resampling to one rate first would cost CPU on the HTTP thread for nothing the scorer cannot
 * do itself.
 */
const TAG = 'LTR1';
const HEADER_BYTES = 8;
/** Typed arrays are in the machine's byte order: on a little-endian one (nearly all), samples are copied as a block. */
const LITTLE_ENDIAN = endianness() === 'LE';

export class RecordingFormatError extends Error {
  override name = 'RecordingFormatError';
}

/** The first `maxSeconds` of `audio`, as stored bytes. */
export function encodeRecording(audio: DecodedReference, maxSeconds = Number.POSITIVE_INFINITY): Uint8Array {
  checkRate(audio.sampleRate);
  const count = Math.min(audio.samples.length, Math.floor(maxSeconds * audio.sampleRate));
  const out = new Uint8Array(HEADER_BYTES + count * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < TAG.length; i++) out[i] = TAG.charCodeAt(i);
  view.setUint32(4, audio.sampleRate, true);
  if (LITTLE_ENDIAN) new Int16Array(out.buffer, HEADER_BYTES, count).set(audio.samples.subarray(0, count));
  else for (let i = 0; i < count; i++) view.setInt16(HEADER_BYTES + 2 * i, audio.samples[i]!, true);
  return out;
}

/** Stored bytes back to samples (a copy, aligned); a RecordingFormatError for bytes that are not a recording. */
export function decodeRecording(bytes: Uint8Array): DecodedReference {
  if (bytes.byteLength < HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, 4)) !== TAG) {
    throw new RecordingFormatError('not a stored recording (no LTR1 header)');
  }
  if ((bytes.byteLength - HEADER_BYTES) % 2 !== 0) throw new RecordingFormatError('a stored recording ends in half a sample');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sampleRate = view.getUint32(4, true);
  checkRate(sampleRate);
  const samples = new Int16Array((bytes.byteLength - HEADER_BYTES) / 2);
  if (LITTLE_ENDIAN) new Uint8Array(samples.buffer).set(bytes.subarray(HEADER_BYTES));
  else for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(HEADER_BYTES + 2 * i, true);
  return { samples, sampleRate };
}

function checkRate(rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new RecordingFormatError(`sample rate must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${rate}`);
  }
}
