/**
 * Kokoro style tensors: the shape constants, the one validation every reader and
 * writer goes through, and the error type of every malformed-input case.
 */

/** Rows of a Kokoro voice pack: row i is the style for an input of i phoneme tokens. */
export const KOKORO_ROWS = 510;
/** Width of one style vector (0–127 decoder/timbre, 128–255 prosody). */
export const KOKORO_DIM = 256;
/** Floats in one pack: 510 × 1 × 256. */
export const KOKORO_FLOATS = KOKORO_ROWS * KOKORO_DIM;
/** Bytes in one raw float32 pack. */
export const KOKORO_BYTES = KOKORO_FLOATS * 4;
/** The canonical shape, as kokoro-onnx, kokoro-js and Kokoro's own .pt files hold it. */
export const KOKORO_SHAPE: readonly number[] = [KOKORO_ROWS, 1, KOKORO_DIM];

/**
 * Error codes, for the server to map onto a status:
 * - `invalid_voice_file` (400): the file is of a known format but malformed, too
 *   large, unsafe, or holds something that is not a voice.
 * - `unsupported_voice_format` (415): the format could not be recognised.
 * - `invalid_voice_name` (400): a voice name (given, or inside an archive) breaks the name rule.
 */
export type VoiceFormatErrorCode = 'invalid_voice_file' | 'unsupported_voice_format' | 'invalid_voice_name';

export class VoiceFormatError extends Error {
  readonly code: VoiceFormatErrorCode;

  constructor(message: string, code: VoiceFormatErrorCode = 'invalid_voice_file', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VoiceFormatError';
    this.code = code;
  }
}

/** True when `shape` is one of the accepted layouts of a Kokoro pack: (510,1,256), (510,256), (1,510,256). */
export function isKokoroShape(shape: readonly number[]): boolean {
  const s = shape.join(',');
  return s === `${KOKORO_ROWS},1,${KOKORO_DIM}` || s === `${KOKORO_ROWS},${KOKORO_DIM}` || s === `1,${KOKORO_ROWS},${KOKORO_DIM}`;
}

/** Throws unless `shape` is an accepted Kokoro layout; `what` names the source in the message. */
export function checkKokoroShape(shape: readonly number[], what: string): void {
  if (!isKokoroShape(shape)) {
    throw new VoiceFormatError(
      `${what} has shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}); a Kokoro voice is (510, 1, 256) ` +
        '(also accepted: (510, 256) and (1, 510, 256))',
    );
  }
}

/**
 * Checks that `f` is a Kokoro style tensor: exactly 130,560 floats, all finite.
 * Returns `f` itself for chaining. `what` names the source in error messages.
 */
export function validateKokoroTensor(f: Float32Array, what = 'voice tensor'): Float32Array {
  if (!(f instanceof Float32Array)) {
    throw new VoiceFormatError(`${what} is not a Float32Array`);
  }
  if (f.length !== KOKORO_FLOATS) {
    throw new VoiceFormatError(
      `${what} has ${f.length} values; a Kokoro voice has exactly ${KOKORO_FLOATS} (510 × 1 × 256 float32)`,
    );
  }
  for (let i = 0; i < f.length; i++) {
    const v = f[i]!;
    // v - v is 0 for finite numbers and NaN for NaN and ±Infinity.
    if (v - v !== 0) {
      const row = Math.floor(i / KOKORO_DIM);
      const col = i % KOKORO_DIM;
      throw new VoiceFormatError(`${what} holds a non-finite value (${v}) at row ${row}, column ${col}`);
    }
  }
  return f;
}
