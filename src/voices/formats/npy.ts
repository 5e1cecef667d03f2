/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding one Kokoro voice.
 *
 * Reading accepts descr '<f4', '<f2' and '<f8' (converted to float32), C order only,
 * shapes (510, 1, 256), (510, 256) and (1, 510, 256). Writing produces exactly what
 * `np.save` writes for a float32 (510, 1, 256) array: version 1.0, the header dict
 * in sorted key order, numpy's growth-axis spare spaces, padded with spaces and a
 * newline so the data starts at a multiple of 64 bytes.
 */
import { DTYPE_SIZE, type FloatDType, decodeFloats, float32ToLittleEndianBytes } from './dtypes.js';
import { KOKORO_DIM, KOKORO_FLOATS, KOKORO_ROWS, VoiceFormatError, checkKokoroShape, validateKokoroTensor } from './tensor.js';

/** "\x93NUMPY" */
export const NPY_MAGIC: readonly number[] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** numpy's own cap on header length (`max_header_size`). */
export const NPY_MAX_HEADER_BYTES = 10_000;
/**
 * The most bytes a .npy holding one Kokoro voice can have: the longest header
 * numpy accepts (version 2+: 12 bytes before it) and 510 × 256 elements of the
 * widest accepted dtype (float64). An archive entry declaring more is refused
 * before it is inflated.
 */
export const MAX_VOICE_NPY_BYTES = 12 + NPY_MAX_HEADER_BYTES + KOKORO_FLOATS * DTYPE_SIZE.float64;
const ARRAY_ALIGN = 64;
/** numpy leaves room for the growth axis to reach this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;

export function looksLikeNpy(bytes: Uint8Array): boolean {
  return bytes.length >= NPY_MAGIC.length && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

export interface NpyHeader {
  /** Format version, e.g. [1, 0]. */
  version: [number, number];
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the array data. */
  dataOffset: number;
}

// ---------------------------------------------------------------------------
// A parser for the Python literal subset numpy headers use.

class PyTuple {
  constructor(readonly items: PyLiteral[]) {}
}
type PyLiteral = string | number | boolean | null | PyTuple | PyLiteral[] | Map<string, PyLiteral>;

class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): PyLiteral {
    const value = this.value(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the header dict');
    return value;
  }

  private fail(why: string): never {
    throw new VoiceFormatError(`.npy header is malformed: ${why} (at character ${this.pos})`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private value(depth: number): PyLiteral {
    if (depth > 16) this.fail('nested too deeply');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') return this.dict(depth);
    if (c === '(') {
      const items = this.sequence(')', depth);
      return new PyTuple(items);
    }
    if (c === '[') return this.sequence(']', depth);
    if (c === "'" || c === '"') return this.string();
    const word = /^(True|False|None)\b/.exec(this.text.slice(this.pos));
    if (word) {
      this.pos += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : null;
    }
    const num = /^-?\d+L?/.exec(this.text.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      const n = Number(num[0].replace(/L$/, ''));
      if (!Number.isSafeInteger(n)) this.fail(`integer ${num[0]} is out of range`);
      return n;
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private sequence(close: string, depth: number): PyLiteral[] {
    this.pos++; // opening bracket
    const items: PyLiteral[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') this.pos++;
      else if (c !== close) this.fail(`expected "," or "${close}"`);
    }
  }

  private dict(depth: number): Map<string, PyLiteral> {
    this.pos++;
    const out = new Map<string, PyLiteral>();
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const c = this.text[this.pos];
      if (c !== "'" && c !== '"') this.fail('dict keys must be strings');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      if (out.has(key)) this.fail(`key '${key}' appears twice`);
      out.set(key, this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.pos];
      if (next === ',') this.pos++;
      else if (next !== '}') this.fail('expected "," or "}"');
    }
  }

  private string(): string {
    const quote = this.text[this.pos]!;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.text[this.pos];
        if (e === undefined) this.fail('unterminated string');
        this.pos++;
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else {
        out += c;
      }
    }
  }
}

// ---------------------------------------------------------------------------

const SUPPORTED_DESCR: Readonly<Record<string, FloatDType>> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<f8': 'float64',
};

/** Reads and checks the header of a .npy file (magic, version, dict keys, types). */
export function parseNpyHeader(bytes: Uint8Array, what = '.npy file'): NpyHeader {
  if (!looksLikeNpy(bytes)) throw new VoiceFormatError(`${what} is not a NumPy .npy file (no \\x93NUMPY magic)`);
  if (bytes.length < 10) throw new VoiceFormatError(`${what} is truncated inside its header`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new VoiceFormatError(`${what} uses .npy format version ${major}.${minor}; supported are 1.0, 2.0 and 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else {
    if (bytes.length < 12) throw new VoiceFormatError(`${what} is truncated inside its header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  }
  if (headerLen > NPY_MAX_HEADER_BYTES) {
    throw new VoiceFormatError(`${what} has a ${headerLen}-byte header; at most ${NPY_MAX_HEADER_BYTES} are accepted`);
  }
  const dataOffset = headerStart + headerLen;
  if (dataOffset > bytes.length) throw new VoiceFormatError(`${what} is truncated inside its header`);
  const raw = bytes.subarray(headerStart, dataOffset);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch (e) {
    throw new VoiceFormatError(`${what} has a header that is not valid text`, 'invalid_voice_file', { cause: e });
  }
  const parsed = new LiteralParser(text).parseDocument();
  if (!(parsed instanceof Map)) throw new VoiceFormatError(`${what}: the header is not a dict`);
  const keys = [...parsed.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw new VoiceFormatError(
      `${what}: the header must hold exactly 'descr', 'fortran_order' and 'shape' (it holds ${[...parsed.keys()].map((k) => `'${k}'`).join(', ') || 'nothing'})`,
    );
  }
  const descr = parsed.get('descr');
  if (typeof descr !== 'string') {
    throw new VoiceFormatError(`${what}: 'descr' is a structured dtype; a voice is a plain float32 array`);
  }
  const fortranOrder = parsed.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw new VoiceFormatError(`${what}: 'fortran_order' must be True or False`);
  const shapeValue = parsed.get('shape');
  if (!(shapeValue instanceof PyTuple) || !shapeValue.items.every((n) => typeof n === 'number' && n >= 0)) {
    throw new VoiceFormatError(`${what}: 'shape' must be a tuple of non-negative integers`);
  }
  return { version: [major, minor], descr, fortranOrder, shape: shapeValue.items as number[], dataOffset };
}

function dtypeOf(descr: string, what: string): FloatDType {
  const dtype = SUPPORTED_DESCR[descr];
  if (dtype) return dtype;
  if (descr.startsWith('>')) {
    throw new VoiceFormatError(
      `${what} is big-endian (dtype '${descr}'); save it little-endian, e.g. with arr.astype('<f4')`,
    );
  }
  throw new VoiceFormatError(
    `${what} has dtype '${descr}'; supported are float32 ('<f4'), float16 ('<f2') and float64 ('<f8')`,
  );
}

/** Reads a .npy file holding one Kokoro voice; returns its 130,560 float32 values, validated. */
export function readNpy(bytes: Uint8Array, what = '.npy file'): Float32Array {
  const header = parseNpyHeader(bytes, what);
  const dtype = dtypeOf(header.descr, what);
  if (header.fortranOrder) {
    throw new VoiceFormatError(`${what} is in Fortran order; only C-order arrays are supported`);
  }
  checkKokoroShape(header.shape, what);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const dataBytes = bytes.length - header.dataOffset;
  const expected = count * DTYPE_SIZE[dtype];
  if (dataBytes !== expected) {
    throw new VoiceFormatError(
      `${what} holds ${dataBytes} data bytes where its header promises ${expected}` +
        (dataBytes < expected ? ' (truncated)' : ''),
    );
  }
  const data = decodeFloats(bytes.subarray(header.dataOffset), dtype, true, count);
  return validateKokoroTensor(data, what);
}

/** The header bytes `np.save` writes for a C-order array (format 1.0). */
function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const magicLen = NPY_MAGIC.length + 2;
  const hlen = dict.length + 1; // + '\n'
  const padlen = ARRAY_ALIGN - ((magicLen + 2 + hlen) % ARRAY_ALIGN);
  const text = dict + ' '.repeat(padlen) + '\n';
  const out = new Uint8Array(magicLen + 2 + text.length);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[magicLen + 2 + i] = text.charCodeAt(i);
  return out;
}

/** Writes a voice as `np.save` does: .npy 1.0, '<f4', C order, shape (510, 1, 256). */
export function writeNpy(tensor: Float32Array): Uint8Array {
  validateKokoroTensor(tensor);
  const header = npyHeader('<f4', [KOKORO_ROWS, 1, KOKORO_DIM]);
  const data = float32ToLittleEndianBytes(tensor);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}
