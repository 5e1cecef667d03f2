/** What a Kokoro model directory holds, for `litetts models list`: by its manifest, or by a scan without one. */
import { join } from 'node:path';
import { fileSize } from '../../files.js';
import { archivePacks, folderPacks, locateKokoro } from './layout.js';
import { readManifest, type ManifestFile } from './manifest.js';
import { DEFAULT_VARIANT } from './model-files.js';

export interface InstalledFile {
  name: string;
  /** Absolute path. */
  path: string;
  size: number;
  /** From the manifest; null for a file found by scanning (hashing a 300 MB model on every look is too slow). */
  sha256: string | null;
}

export interface InstalledKokoro {
  dir: string;
  /** 'manifest': what `litetts models pull` recorded; 'scan': files found in a directory without a manifest. */
  source: 'manifest' | 'scan';
  /** The repository pulled from; 'local' for scanned files. */
  repository: string;
  /** The variant to load (scanned: the file found for it, e.g. "kokoro-v1.0.onnx"). */
  variant: string;
  /** ISO 8601; null for scanned files. */
  installedAt: string | null;
  /** Model variants present with their recorded size. */
  models: InstalledFile[];
  /** Voice packs present with their recorded size (in an archive: path `<archive>#<name>`). */
  voices: InstalledFile[];
  /** Files the manifest lists that are missing or have another size, e.g. "voices/af_bella.bin: missing". */
  problems: string[];
  /** The variant to load is present and nothing is missing. */
  ok: boolean;
}

/**
 * What `dir` holds according to its manifest, checked against the disk (sizes). Without a manifest
 * (files put there by hand, or another tool's download), what a scan finds in any layout
 * `locateKokoro` reads: every `*.onnx` in `dir` and `dir/onnx`, and the packs of `voices/*.bin` or
 * of a voices archive; the one to load is `variant` (default DEFAULT_VARIANT), else the only .onnx.
 * Null when there is neither a manifest nor any model or voice pack.
 */
export async function installedModels(dir: string, variant?: string): Promise<InstalledKokoro | null> {
  const manifest = await readManifest(dir);
  if (!manifest) return scanInstalled(dir, variant ?? DEFAULT_VARIANT);
  const problems: string[] = [];
  const check = async (entries: Record<string, ManifestFile>): Promise<InstalledFile[]> => {
    const present: InstalledFile[] = [];
    for (const [name, entry] of Object.entries(entries)) {
      const path = join(dir, entry.path);
      const size = await fileSize(path).catch(() => 0);
      if (size === entry.size) present.push({ name, path, size, sha256: entry.sha256 });
      else problems.push(`${entry.path}: ${size === 0 ? 'missing' : `${size} bytes, expected ${entry.size}`}`);
    }
    return present;
  };
  const models = await check(manifest.models);
  const voices = await check(manifest.voices);
  if (!(manifest.variant in manifest.models)) problems.push(`${manifest.variant}: not in the manifest`);
  const ok = problems.length === 0 && models.some((m) => m.name === manifest.variant);
  return {
    dir,
    source: 'manifest',
    repository: manifest.repository,
    variant: manifest.variant,
    installedAt: manifest.installedAt,
    models,
    voices,
    problems,
    ok,
  };
}

async function scanInstalled(dir: string, variant: string): Promise<InstalledKokoro | null> {
  const layout = locateKokoro(dir, variant);
  const problems: string[] = [];
  const models = layout.models.map(({ name, path, size }): InstalledFile => ({ name, path, size, sha256: null }));
  const voices: InstalledFile[] = [];
  if (layout.voices?.kind === 'folder') {
    const found = folderPacks(layout.voices.folder);
    for (const [name, f] of found.packs) voices.push({ name, path: f.path, size: f.size, sha256: null });
    problems.push(...found.problems);
  } else if (layout.voices?.kind === 'archive') {
    const archive = layout.voices.file;
    try {
      for (const [name, bytes] of archivePacks(archive.path)) voices.push({ name, path: `${archive.path}#${name}`, size: bytes.byteLength, sha256: null });
    } catch (error) {
      problems.push(`${archive.name}: ${(error as Error).message}`);
    }
  }
  if (models.length === 0 && voices.length === 0 && layout.voices?.kind !== 'archive') return null;
  if (layout.modelProblem !== null) problems.push(layout.modelProblem);
  if (layout.voices === null) problems.push(`no voice packs in ${dir} (looked for voices/*.bin and a voices*.bin or voices*.npz archive)`);
  const ok = problems.length === 0;
  const loaded = layout.model?.name ?? variant;
  return { dir, source: 'scan', repository: 'local', variant: loaded, installedAt: null, models, voices, problems, ok };
}
