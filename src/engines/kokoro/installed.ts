/** What a Kokoro model directory holds, for `litetts models list`: by its manifest, or by a scan without one. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileSize } from '../../files.js';
import { readManifest, type ManifestFile } from './manifest.js';
import { DEFAULT_VARIANT, KOKORO_VOICE_SIZE, voicePath } from './model-files.js';

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
  /** The variant to load. */
  variant: string;
  /** ISO 8601; null for scanned files. */
  installedAt: string | null;
  /** Model variants present with their recorded size. */
  models: InstalledFile[];
  /** Voice packs present with their recorded size. */
  voices: InstalledFile[];
  /** Files the manifest lists that are missing or have another size, e.g. "voices/af_bella.bin: missing". */
  problems: string[];
  /** The variant to load is present and nothing is missing. */
  ok: boolean;
}

/**
 * What `dir` holds according to its manifest, checked against the disk (sizes). Without a manifest
 * (files put there by hand), what a scan finds: every `*.onnx` directly in `dir` and every
 * `voices/<name>.bin` of the pack size; then `variant` (default DEFAULT_VARIANT) is the one to load.
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
  const files = async (folder: string, suffix: string): Promise<{ name: string; path: string; size: number }[]> => {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
    const found: { name: string; path: string; size: number }[] = [];
    for (const fileName of names.sort()) {
      if (!fileName.endsWith(suffix) || fileName.startsWith('.')) continue;
      const path = join(folder, fileName);
      const info = await stat(path).catch(() => null); // a dangling link is not a file
      if (info?.isFile()) found.push({ name: fileName, path, size: info.size });
    }
    return found;
  };
  const problems: string[] = [];
  const models = (await files(dir, '.onnx')).map((f): InstalledFile => ({ ...f, sha256: null }));
  const voices: InstalledFile[] = [];
  for (const f of await files(join(dir, 'voices'), '.bin')) {
    const name = f.name.slice(0, -'.bin'.length);
    if (f.size === KOKORO_VOICE_SIZE) voices.push({ ...f, name, sha256: null });
    else problems.push(`${voicePath(name)}: ${f.size} bytes, expected ${KOKORO_VOICE_SIZE}`);
  }
  if (models.length === 0 && voices.length === 0) return null;
  if (!models.some((m) => m.name === variant)) problems.push(`${variant}: missing`);
  const ok = problems.length === 0;
  return { dir, source: 'scan', repository: 'local', variant, installedAt: null, models, voices, problems, ok };
}
