/**
 * NumPy .npz voice archives: a zip of `<voice>.npy` entries, as `np.savez` (stored)
 * and `np.savez_compressed` (deflated) write them and kokoro-onnx reads them
 * (`np.load(path)[name]`).
 */
import { zipSync, type Zippable } from 'fflate';
import { isValidVoiceName, nameKey } from '../names.js';
import { readNpy, writeNpy } from './npy.js';
import { VoiceFormatError, validateKokoroTensor } from './tensor.js';
import { type ZipLimits, extractZip, listZip } from './zip.js';

export type NpzReadOptions = ZipLimits;

/** Checks an archive entry name and returns the voice name it carries. */
function voiceNameOfEntry(entry: string): string {
  if (entry.includes('/') || entry.includes('\\')) {
    throw new VoiceFormatError(
      `.npz entry "${entry}" is inside a folder; a voice archive holds only top-level <voice>.npy entries`,
    );
  }
  if (!entry.endsWith('.npy')) {
    throw new VoiceFormatError(`.npz entry "${entry}" is not a .npy array; a voice archive holds only <voice>.npy entries`);
  }
  const name = entry.slice(0, -4);
  if (!isValidVoiceName(name)) {
    throw new VoiceFormatError(
      `.npz entry "${entry}": "${name}" is not a valid voice name (1–64 of A-Z a-z 0-9 _ -, starting with a letter or digit)`,
      'invalid_voice_name',
    );
  }
  return name;
}

/**
 * Reads every voice of an .npz archive, in archive order (an empty archive, as
 * `writeNpz([])` writes, gives an empty map). Refuses archives with
 * more than 10,000 entries, or whose entries would inflate past
 * `maxUncompressedBytes` (default 1 GiB), before inflating anything.
 */
export function readNpz(bytes: Uint8Array, opts: NpzReadOptions = {}): Map<string, Float32Array> {
  const what = '.npz archive';
  const entries = listZip(bytes, what, opts);
  const names = new Map<string, string>(); // entry → voice name
  const seen = new Map<string, string>(); // name key → entry
  for (const entry of entries) {
    const name = voiceNameOfEntry(entry.name);
    const previous = seen.get(nameKey(name));
    if (previous !== undefined) {
      throw new VoiceFormatError(
        `${what} holds "${previous}" and "${entry.name}": voice names must be unique (case-insensitively)`,
        'invalid_voice_name',
      );
    }
    seen.set(nameKey(name), entry.name);
    names.set(entry.name, name);
  }
  const files = extractZip(bytes, entries, () => true, what, opts);
  const out = new Map<string, Float32Array>();
  for (const [entry, data] of files) {
    const name = names.get(entry)!;
    out.set(name, readNpy(data, `.npz entry "${entry}"`));
  }
  return out;
}

/** DOS timestamps start in 1980; a fixed date keeps the output reproducible. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Writes voices as an uncompressed (stored) .npz, as `np.savez` does: one
 * `<name>.npy` entry per voice, each float32 (510, 1, 256). Names must be valid
 * voice names and unique case-insensitively.
 */
export function writeNpz(entries: Iterable<readonly [string, Float32Array]>): Uint8Array {
  const files: Zippable = {};
  const seen = new Set<string>();
  for (const [name, tensor] of entries) {
    if (!isValidVoiceName(name)) {
      throw new VoiceFormatError(`"${name}" is not a valid voice name`, 'invalid_voice_name');
    }
    if (seen.has(nameKey(name))) {
      throw new VoiceFormatError(`voice "${name}" appears twice (names compare case-insensitively)`, 'invalid_voice_name');
    }
    seen.add(nameKey(name));
    validateKokoroTensor(tensor, `voice "${name}"`);
    files[`${name}.npy`] = writeNpy(tensor);
  }
  return zipSync(files, { level: 0, mtime: FIXED_MTIME });
}
