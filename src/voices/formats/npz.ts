/**
 * NumPy .npz voice archives: a zip of `<voice>.npy` entries, as `np.savez` (stored)
 * and `np.savez_compressed` (deflated) write them and kokoro-onnx reads them
 * (`np.load(path)[name]`).
 */
import { isValidVoiceName, nameKey } from '../names.js';
import { MAX_VOICE_NPY_BYTES, readNpy, writeNpy } from './npy.js';
import { VoiceFormatError, validateKokoroTensor } from './tensor.js';
import { StoredZipWriter, concat } from './zip-writer.js';
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
 * `writeNpz([])` writes, gives an empty map). Before inflating anything, refuses
 * archives with more than 10,000 entries, an entry declaring more bytes than a
 * voice .npy can have, or entries that would inflate past the limits of
 * `inflateLimit` (zip.ts).
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
    if (entry.originalSize > MAX_VOICE_NPY_BYTES) {
      throw new VoiceFormatError(
        `${what}: entry "${entry.name}" declares ${entry.originalSize} bytes, more than a voice .npy can hold (${MAX_VOICE_NPY_BYTES})`,
      );
    }
  }
  const files = extractZip(bytes, entries, () => true, what, opts);
  const out = new Map<string, Float32Array>();
  for (const [entry, data] of files) {
    const name = names.get(entry)!;
    out.set(name, readNpy(data, `.npz entry "${entry}"`));
  }
  return out;
}

/** A voice's archive entry: name and .npy bytes; refuses invalid or repeated (case-insensitively) names and invalid tensors. */
function npzEntry(name: string, tensor: Float32Array, seen: Set<string>): [string, Uint8Array] {
  if (!isValidVoiceName(name)) {
    throw new VoiceFormatError(`"${name}" is not a valid voice name`, 'invalid_voice_name');
  }
  if (seen.has(nameKey(name))) {
    throw new VoiceFormatError(`voice "${name}" appears twice (names compare case-insensitively)`, 'invalid_voice_name');
  }
  seen.add(nameKey(name));
  validateKokoroTensor(tensor, `voice "${name}"`);
  return [`${name}.npy`, writeNpy(tensor)];
}

/**
 * Writes voices as an uncompressed (stored) .npz, as `np.savez` does: one
 * `<name>.npy` entry per voice, each float32 (510, 1, 256). Names must be valid
 * voice names and unique case-insensitively.
 */
export function writeNpz(entries: Iterable<readonly [string, Float32Array]>): Uint8Array {
  const zip = new StoredZipWriter();
  const seen = new Set<string>();
  const parts: Uint8Array[] = [];
  for (const [name, tensor] of entries) parts.push(...zip.entry(...npzEntry(name, tensor, seen)));
  parts.push(zip.finish());
  return concat(parts);
}

/**
 * The same archive as `writeNpz`, as a stream of chunks: each voice is read from
 * `entries` only when the consumer asks for more, so at most one voice is held
 * however many there are, and archives past 4 GiB get ZIP64 records.
 */
export async function* streamNpz(entries: AsyncIterable<readonly [string, Float32Array]>): AsyncGenerator<Uint8Array> {
  const zip = new StoredZipWriter();
  const seen = new Set<string>();
  for await (const [name, tensor] of entries) yield* zip.entry(...npzEntry(name, tensor, seen));
  yield zip.finish();
}
