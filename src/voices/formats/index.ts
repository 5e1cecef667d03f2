/**
 * Voice file formats: reading and writing the files Kokoro and espeak voices
 * travel in (.bin, .npy, .npz, .pt, espeak JSON). Every malformed input is a
 * VoiceFormatError (see its codes); nothing here touches the file system.
 */
import type { VoiceData } from '../../engines/engine.js';
import { isValidVoiceName } from '../names.js';
import { parseBin } from './bin.js';
import { parseEspeakJson } from './espeak.js';
import { looksLikeNpy, readNpy } from './npy.js';
import { readNpz } from './npz.js';
import { isPtEntryList, notZipPtError, readPt } from './pt.js';
import { VoiceFormatError, KOKORO_BYTES } from './tensor.js';
import { type ZipLimits, listZip, looksLikeZip } from './zip.js';

export {
  KOKORO_BYTES,
  KOKORO_DIM,
  KOKORO_FLOATS,
  KOKORO_ROWS,
  KOKORO_SHAPE,
  VoiceFormatError,
  type VoiceFormatErrorCode,
  checkKokoroShape,
  isKokoroShape,
  validateKokoroTensor,
} from './tensor.js';
export { parseBin, toBin } from './bin.js';
export { NPY_MAGIC, type NpyHeader, looksLikeNpy, parseNpyHeader, readNpy, writeNpy } from './npy.js';
export { type NpzReadOptions, readNpz, streamNpz, writeNpz } from './npz.js';
export { type PtReadOptions, type TorchTensor, readPt, readPtTensors } from './pt.js';
export { ESPEAK_JSON_MAX_BYTES, parseEspeakJson, toEspeakJson, validateEspeakVoice } from './espeak.js';
export { DEFAULT_MAX_UNCOMPRESSED_BYTES, MAX_ZIP_ENTRIES, type ZipLimits, inflateLimit } from './zip.js';
export type { FloatDType } from './dtypes.js';

export interface ImportedVoice {
  /** The voice's name: an archive entry's own, else `voiceName`, else the file's base name when valid. */
  name: string | null;
  data: VoiceData;
}

export interface ImportOptions extends ZipLimits {
  /** Name for a file holding a single voice (.bin, .npy, single-tensor .pt, espeak JSON). */
  voiceName?: string;
}

/** The file's name without folders and without its last extension, and that extension (lower case, with the dot). */
function splitFileName(fileName: string): { base: string; ext: string } {
  const leaf = fileName.split(/[\\/]/).pop() ?? '';
  const dot = leaf.lastIndexOf('.');
  if (dot <= 0) return { base: leaf, ext: '' };
  return { base: leaf.slice(0, dot), ext: leaf.slice(dot).toLowerCase() };
}

/** True when the first non-blank character (after a UTF-8 BOM) is '{'. */
function looksLikeJsonObject(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x7b;
}

const KNOWN_EXTENSIONS = '.bin, .npy, .npz, .pt/.pth or espeak .json';

/**
 * Detects a voice file's format and reads every voice in it.
 *
 * Detection is by content first: a zip ("PK\x03\x04") is a PyTorch .pt when it
 * holds a `data.pkl`, else an .npz; "\x93NUMPY" is a single .npy; '{' is espeak
 * JSON — except for a file named .bin of exactly the raw pack size, since a raw
 * float32 pack may well begin with the byte '{'. Otherwise the extension decides
 * (.bin → raw float32). A single voice is named `voiceName`, else the file's base
 * name when that is a valid voice name, else null; archive entries carry their own.
 */
export function importVoiceFile(fileName: string, bytes: Uint8Array, opts: ImportOptions = {}): ImportedVoice[] {
  const { base, ext } = splitFileName(fileName);
  const singleName = opts.voiceName ?? (isValidVoiceName(base) ? base : null);
  const limits: ZipLimits = {};
  if (opts.maxEntries !== undefined) limits.maxEntries = opts.maxEntries;
  if (opts.maxUncompressedBytes !== undefined) limits.maxUncompressedBytes = opts.maxUncompressedBytes;
  if (opts.maxUploadBytes !== undefined) limits.maxUploadBytes = opts.maxUploadBytes;
  const kokoro = (tensor: Float32Array): VoiceData => ({ engine: 'kokoro', tensor });
  const label = `'${fileName}'`;

  if (bytes.length === 0) throw new VoiceFormatError(`${label} is empty`);

  if (looksLikeZip(bytes)) {
    const entries = listZip(bytes, `${label} (zip archive)`, limits);
    if (isPtEntryList(entries)) {
      const result = readPt(bytes, limits);
      if (result instanceof Float32Array) return [{ name: singleName, data: kokoro(result) }];
      return [...result].map(([name, tensor]) => ({ name, data: kokoro(tensor) }));
    }
    const voices = readNpz(bytes, limits);
    if (voices.size === 0) throw new VoiceFormatError(`${label} is an empty archive: it holds no voices`);
    return [...voices].map(([name, tensor]) => ({ name, data: kokoro(tensor) }));
  }
  if (looksLikeNpy(bytes)) {
    return [{ name: singleName, data: kokoro(readNpy(bytes, label)) }];
  }
  const rawPack = ext === '.bin' && bytes.length === KOKORO_BYTES;
  if (!rawPack && looksLikeJsonObject(bytes)) {
    return [{ name: singleName, data: parseEspeakJson(bytes) }];
  }

  switch (ext) {
    case '.bin':
      return [{ name: singleName, data: kokoro(parseBin(bytes, label)) }];
    case '.npy':
      throw new VoiceFormatError(`${label} is not a NumPy .npy file (it lacks the \\x93NUMPY header)`);
    case '.npz':
      throw new VoiceFormatError(`${label} is not an .npz archive (it is not a zip file)`);
    case '.pt':
    case '.pth':
      throw notZipPtError(bytes); // a .pt is always a zip archive
    case '.json':
      throw new VoiceFormatError(`${label} is not an espeak voice JSON object`);
    default:
      throw new VoiceFormatError(
        `${label}: unrecognised voice file format; supported are ${KNOWN_EXTENSIONS}`,
        'unsupported_voice_format',
      );
  }
}
