/**
 * Raw Kokoro voice packs (.bin, as kokoro-js and the onnx-community repository
 * publish them): 522,240 bytes of little-endian float32, shape (510, 1, 256), no header.
 */
import { decodeFloats, float32ToLittleEndianBytes } from './dtypes.js';
import { KOKORO_BYTES, KOKORO_FLOATS, VoiceFormatError, validateKokoroTensor } from './tensor.js';

/** Parses a raw pack; little-endian whatever the host; validated (length, finite values). */
export function parseBin(bytes: Uint8Array, what = 'voice file'): Float32Array {
  if (bytes.length !== KOKORO_BYTES) {
    const hint =
      bytes.length < KOKORO_BYTES
        ? 'it is truncated or not a Kokoro voice'
        : 'it is too long to be a raw Kokoro voice';
    throw new VoiceFormatError(
      `${what} is ${bytes.length} bytes; a raw Kokoro voice (.bin) is exactly ${KOKORO_BYTES} bytes (${hint})`,
    );
  }
  return validateKokoroTensor(decodeFloats(bytes, 'float32', true, KOKORO_FLOATS), what);
}

/** Serialises a (validated) tensor as a raw little-endian pack. */
export function toBin(tensor: Float32Array): Uint8Array {
  return float32ToLittleEndianBytes(validateKokoroTensor(tensor));
}
