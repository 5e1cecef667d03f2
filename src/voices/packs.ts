/**
 * Installs Kokoro voice packs from files already on disk (a folder of .bin/.npy/.npz/.pt files,
 * or one archive such as kokoro-onnx's `voices-v1.0.bin`) into a Kokoro model directory, as the
 * raw packs `<dir>/voices/<name>.bin` that `litetts models pull` also writes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../files.js';
import { withModelDirLock } from '../engines/kokoro/install-lock.js';
import { readManifest, type KokoroManifest } from '../engines/kokoro/manifest.js';
import { voicePath } from '../engines/kokoro/model-files.js';
import { KOKORO_BYTES, importVoiceFile, toBin } from './formats/index.js';
import { isValidVoiceName, nameKey } from './names.js';

/** Extensions a source folder is read for; other files (README, config.json …) are left alone. */
const PACK_EXTENSIONS = new Set(['.bin', '.npy', '.npz', '.pt', '.pth']);

/** No voice file is anywhere near this (kokoro-onnx's 54-voice archive is 28 MB); larger files are refused unread. */
export const MAX_SOURCE_FILE_BYTES = 512 * 1024 * 1024;

export interface InstallVoicePacksOptions {
  /** The Kokoro model directory; packs go to `<dir>/voices/<name>.bin`. */
  dir: string;
  /** A folder of voice files (not searched recursively), or one voice file or archive. */
  source: string;
  /** Install only these voices (as named in the source); a name the source lacks is rejected. Default: all. */
  names?: readonly string[];
  /** Replace an installed pack whose contents differ. Default false: such a voice is rejected. */
  overwrite?: boolean;
}

export interface RejectedVoice {
  /** The voice's name, or the source file's name when the file could not be read as voices at all. */
  name: string;
  reason: string;
}

export interface InstallVoicePacksResult {
  /** Voices written this time, in source order. */
  installed: string[];
  /** Voices whose pack was already installed with identical bytes. */
  skipped: string[];
  rejected: RejectedVoice[];
  /** True when `<dir>/manifest.json` exists and now lists the installed and skipped voices. */
  manifestUpdated: boolean;
}

interface Candidate {
  name: string;
  /** The source file it came from, for messages. */
  file: string;
  tensor: Float32Array;
}

/**
 * Installs the Kokoro voices found in `source` as `<dir>/voices/<name>.bin`.
 *
 * Every format `importVoiceFile` reads is accepted; each voice must be a Kokoro style tensor
 * ((510, 1, 256), (510, 256) or (1, 510, 256), finite floats), which the readers check. A file of a
 * folder that fails to parse is rejected under its file name and the others still install; an
 * archive is all-or-nothing. Each pack is written atomically (temporary file, fsync, rename), so a
 * failure never leaves a partial pack. An installed pack with identical bytes is skipped; one that
 * differs is replaced only with `overwrite` — except a file that is not a valid pack at all (wrong
 * size), which is repaired. Names must be valid voice names (they become file names) and unique
 * case-insensitively within one import.
 *
 * Names outside the 54 official voices are installed too (a later release of the model may name
 * them), but only the official names are builtin voices; a voice of one's own belongs in the
 * library (`litetts voices import`).
 *
 * It holds the model directory's install lock, so a download into it cannot run meanwhile.
 *
 * When `<dir>/manifest.json` exists, the entries of the installed and skipped voices (path, size,
 * SHA-256) are added or refreshed in it, atomically, leaving everything else as it was; without a
 * manifest none is created. An existing but invalid manifest is an error, raised before anything is
 * written.
 */
export async function installVoicePacks(options: InstallVoicePacksOptions): Promise<InstallVoicePacksResult> {
  await mkdir(options.dir, { recursive: true });
  return withModelDirLock(options.dir, () => install(options));
}

async function install(options: InstallVoicePacksOptions): Promise<InstallVoicePacksResult> {
  const { dir, source, overwrite = false } = options;
  // Fail early on a broken manifest rather than after writing packs it cannot record.
  await readManifest(dir);

  const rejected: RejectedVoice[] = [];
  const candidates = await readSource(source, rejected);

  const wanted = options.names === undefined ? null : new Set(options.names.map(nameKey));
  const seen = new Map<string, string>(); // name key → file it came from
  const chosen: Candidate[] = [];
  for (const candidate of candidates) {
    const key = nameKey(candidate.name);
    if (wanted && !wanted.has(key)) continue;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      rejected.push({ name: candidate.name, reason: `${candidate.file}: the voice is also in ${earlier}; names compare case-insensitively` });
      continue;
    }
    seen.set(key, candidate.file);
    chosen.push(candidate);
  }
  for (const name of options.names ?? []) {
    if (!seen.has(nameKey(name))) rejected.push({ name, reason: `not found in ${source}` });
  }

  const installed: string[] = [];
  const skipped: string[] = [];
  const recorded = new Map<string, { size: number; sha256: string }>();
  if (chosen.length > 0) await mkdir(join(dir, 'voices'), { recursive: true });
  for (const { name, file, tensor } of chosen) {
    const dest = join(dir, voicePath(name));
    try {
      const bytes = toBin(tensor);
      const existing = await readIfFile(dest);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (existing && Buffer.compare(existing, bytes) === 0) {
        skipped.push(name);
      } else if (existing?.length === KOKORO_BYTES && !overwrite) {
        rejected.push({ name, reason: `${voicePath(name)} is already installed with different contents (use overwrite to replace it)` });
        continue;
      } else {
        await writeFileAtomic(dest, bytes);
        installed.push(name);
      }
      recorded.set(name, { size: bytes.length, sha256 });
    } catch (error) {
      rejected.push({ name, reason: `${file}: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  const manifestUpdated = recorded.size > 0 && (await recordInManifest(dir, recorded));
  return { installed, skipped, rejected, manifestUpdated };
}

/** The Kokoro voices of `source` (a folder or one file); files that cannot be read go to `rejected`. */
async function readSource(source: string, rejected: RejectedVoice[]): Promise<Candidate[]> {
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new Error(`${source}: no such file or folder`, { cause: error }) : error;
  });
  let files: string[];
  if (info.isDirectory()) {
    const entries = await readdir(source, { withFileTypes: true });
    files = entries
      .filter((e) => !e.name.startsWith('.') && PACK_EXTENSIONS.has(extension(e.name)) && (e.isFile() || e.isSymbolicLink()))
      .map((e) => join(source, e.name))
      .sort();
  } else {
    files = [source];
  }

  const candidates: Candidate[] = [];
  for (const path of files) {
    const file = basename(path);
    try {
      const size = (await stat(path)).size;
      if (size > MAX_SOURCE_FILE_BYTES) throw new Error(`${size} bytes is too large for a voice file`);
      for (const voice of importVoiceFile(file, await readFile(path))) {
        if (voice.data.engine !== 'kokoro') {
          rejected.push({ name: voice.name ?? file, reason: `${file}: an espeak voice, not a Kokoro voice pack` });
        } else if (voice.name === null || !isValidVoiceName(voice.name)) {
          rejected.push({ name: file, reason: `${file}: the file name is not a valid voice name (1–64 of A-Z a-z 0-9 _ -, starting with a letter or digit)` });
        } else {
          candidates.push({ name: voice.name, file, tensor: voice.data.tensor });
        }
      }
    } catch (error) {
      rejected.push({ name: file, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return candidates;
}

function extension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot <= 0 ? '' : fileName.slice(dot).toLowerCase();
}

/** The bytes at `path` when it is a regular file (symbolic links followed); null when nothing is there. */
async function readIfFile(path: string): Promise<Buffer | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? await readFile(path) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Adds or refreshes voice entries of `<dir>/manifest.json` when there is one; true when it exists. */
async function recordInManifest(dir: string, voices: ReadonlyMap<string, { size: number; sha256: string }>): Promise<boolean> {
  // Read again: a pull may have rewritten it while the packs were being written.
  const manifest = await readManifest(dir);
  if (!manifest) return false;
  const updated: KokoroManifest = { ...manifest, voices: { ...manifest.voices } };
  for (const [name, { size, sha256 }] of voices) updated.voices[name] = { path: voicePath(name), size, sha256 };
  if (JSON.stringify(updated) !== JSON.stringify(manifest)) {
    await writeFileAtomic(join(dir, 'manifest.json'), `${JSON.stringify(updated, null, 2)}\n`);
  }
  return true;
}
