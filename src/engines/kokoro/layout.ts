/**
 * Where a Kokoro model directory keeps its model and its voice packs. Three layouts are read
 * as they are, with nothing copied or renamed:
 *   - LiteTTS's own (what `litetts models pull` writes): `<dir>/<variant>`, `<dir>/voices/<name>.bin`;
 *   - a snapshot of the onnx-community repository: `<dir>/onnx/model*.onnx`, `<dir>/voices/<name>.bin`;
 *   - kokoro-onnx's release files: `<dir>/kokoro-v1.0[.int8|.fp16].onnx` and `<dir>/voices-v1.0.bin`,
 *     an .npz archive of the packs (any `voices*.bin` or `voices*.npz` is read the same way).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readNpz } from '../../voices/formats/index.js';
import { KOKORO_VOICE_SIZE } from './model-files.js';

export interface LocatedFile {
  /** Relative to the directory, '/'-separated (e.g. "onnx/model.onnx"). */
  name: string;
  /** Absolute path. */
  path: string;
  size: number;
  /** Inode and modification time: changes when the file is replaced. */
  stamp: string;
}

export type VoiceSource = { kind: 'folder'; folder: string } | { kind: 'archive'; file: LocatedFile };

export interface KokoroLayout {
  /** Every .onnx file in the directory and in its `onnx/` folder, sorted. */
  models: LocatedFile[];
  /** The model to load: the configured variant, else the only .onnx present; null when neither. */
  model: LocatedFile | null;
  /** Why `model` is null, naming what was found; null when a model was found. */
  modelProblem: string | null;
  /** Where the packs are: the `voices/` folder, else a `voices*.bin`/`voices*.npz` archive; null when neither. */
  voices: VoiceSource | null;
}

const ARCHIVE = /^voices.*\.(bin|npz)$/i;

/** Looks at `dir` now (a few directory reads and stats; archives are not opened). */
export function locateKokoro(dir: string, variant: string): KokoroLayout {
  const models = [...filesIn(dir, '', (n) => n.endsWith('.onnx')), ...filesIn(join(dir, 'onnx'), 'onnx/', (n) => n.endsWith('.onnx'))];
  const wanted = models.find((m) => m.name === variant) ?? models.find((m) => m.name === `onnx/${variant}`);
  let model: LocatedFile | null = wanted ?? (models.length === 1 ? models[0]! : null);
  let modelProblem: string | null = null;
  if (model === null) {
    modelProblem =
      models.length === 0
        ? `no .onnx model in ${dir} (looked for ${variant} there and in onnx/)`
        : `${variant} is not in ${dir}, which holds ${models.map((m) => m.name).join(', ')}: set LITETTS_MODEL_VARIANT (or --model-variant) to the one to load`;
  }
  if (model !== null && model.size === 0) {
    modelProblem = `${model.name} is empty`;
    model = null;
  }

  const folder = join(dir, 'voices');
  let voices: VoiceSource | null = isDirectory(folder) ? { kind: 'folder', folder } : null;
  if (voices === null) {
    const archive = filesIn(dir, '', (n) => ARCHIVE.test(n))[0];
    if (archive) voices = { kind: 'archive', file: archive };
  }
  return { models, model, modelProblem, voices };
}

/** The packs of a `voices/` folder: every `<name>.bin` of exactly a pack's size, and the others as problems. */
export function folderPacks(folder: string): { packs: Map<string, LocatedFile>; problems: string[] } {
  const packs = new Map<string, LocatedFile>();
  const problems: string[] = [];
  for (const file of filesIn(folder, 'voices/', (n) => n.endsWith('.bin'))) {
    if (file.size === KOKORO_VOICE_SIZE) packs.set(file.name.slice('voices/'.length, -'.bin'.length), file);
    else problems.push(`${file.name}: ${file.size} bytes, expected ${KOKORO_VOICE_SIZE}`);
  }
  return { packs, problems };
}

/**
 * The packs of an .npz archive (kokoro-onnx's voices-v1.0.bin: 54 float32 (510, 1, 256) arrays,
 * 28 MB), each as the bytes LiteTTS stores a pack in (raw float32). Throws a VoiceFormatError
 * for an archive that is not one of voices.
 */
export function archivePacks(path: string): Map<string, Uint8Array> {
  const tensors = readNpz(readFileSync(path));
  const packs = new Map<string, Uint8Array>();
  for (const [name, tensor] of tensors) packs.set(name, new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength));
  return packs;
}

function filesIn(folder: string, prefix: string, keep: (name: string) => boolean): LocatedFile[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return []; // no such folder: nothing in it
  }
  const found: LocatedFile[] = [];
  for (const fileName of names.sort()) {
    if (fileName.startsWith('.') || !keep(fileName)) continue;
    const path = join(folder, fileName);
    try {
      const info = statSync(path);
      if (info.isFile()) found.push({ name: `${prefix}${fileName}`, path, size: info.size, stamp: `${info.ino}.${info.mtimeMs}` });
    } catch {
      // a dangling link is not a file
    }
  }
  return found;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
