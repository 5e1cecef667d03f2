/**
 * Decoding of the element types voice files come in (float16, bfloat16, float32,
 * float64; either byte order) into float32, independent of the host's byte order.
 */
import { VoiceFormatError } from './tensor.js';

export type FloatDType = 'float16' | 'bfloat16' | 'float32' | 'float64';

export const DTYPE_SIZE: Readonly<Record<FloatDType, number>> = {
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
};

/** IEEE 754 binary16 bits → number (exact: every half value is a float32 value). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits → number: the high half of a float32. */
export function bfloat16ToFloat(b: number): number {
  SCRATCH_U32[0] = (b & 0xffff) << 16;
  return SCRATCH_F32[0]!;
}
const SCRATCH_F32 = new Float32Array(1);
const SCRATCH_U32 = new Uint32Array(SCRATCH_F32.buffer);

/** A reader of element `index` (not byte offset) of `bytes` as a number. */
export type ElementReader = (index: number) => number;

export function elementReader(bytes: Uint8Array, dtype: FloatDType, littleEndian: boolean): ElementReader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return (i) => view.getFloat32(i * 4, littleEndian);
    case 'float64':
      return (i) => view.getFloat64(i * 8, littleEndian);
    case 'float16':
      return (i) => halfToFloat(view.getUint16(i * 2, littleEndian));
    case 'bfloat16':
      return (i) => bfloat16ToFloat(view.getUint16(i * 2, littleEndian));
  }
}

/**
 * Decodes `count` contiguous elements of `dtype` from `bytes` into float32.
 * Values outside float32's range (float64 input) become ±Infinity, which the
 * tensor validation then rejects.
 */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDType, littleEndian: boolean, count: number): Float32Array {
  const need = count * DTYPE_SIZE[dtype];
  if (bytes.byteLength < need) {
    throw new VoiceFormatError(`data is truncated: ${bytes.byteLength} bytes where ${need} are needed`);
  }
  const out = new Float32Array(count);
  const read = elementReader(bytes, dtype, littleEndian);
  for (let i = 0; i < count; i++) out[i] = read(i);
  return out;
}

/** float32 values → little-endian bytes, whatever the host's byte order. */
export function float32ToLittleEndianBytes(f: Float32Array): Uint8Array {
  const out = new Uint8Array(f.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) view.setFloat32(i * 4, f[i]!, true);
  return out;
}
