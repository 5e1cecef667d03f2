/** `<dir>/manifest.json`: what `litetts models pull` installed, written last so it never lists a file still under way. */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../files.js';

export interface ManifestFile {
  /** Relative to the model directory, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
}

export interface KokoroManifest {
  version: 1;
  repository: string;
  /** The variant pulled last: the one to load. */
  variant: string;
  /** Installed model variants by name (e.g. "model_quantized.onnx"). */
  models: Record<string, ManifestFile>;
  /** Installed voice packs by name (e.g. "af_heart"). */
  voices: Record<string, ManifestFile>;
  /** ISO 8601. */
  installedAt: string;
}

const MANIFEST = 'manifest.json';

const relativePath = z
  .string()
  .refine((p) => p.length > 0 && !isAbsolute(p) && !p.includes('\\') && !p.split('/').includes('..'), 'not a path inside the directory');
const manifestFile = z.object({ path: relativePath, size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const manifestSchema = z.object({
  version: z.literal(1),
  repository: z.string(),
  variant: z.string(),
  models: z.record(z.string(), manifestFile),
  voices: z.record(z.string(), manifestFile),
  installedAt: z.string(),
});

/** The manifest of `dir`, or null when there is none. Throws when it exists but is invalid. */
export async function readManifest(dir: string): Promise<KokoroManifest | null> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: not a Kokoro manifest: ${parsed.error.message}`);
  return parsed.data;
}

/** Replaces the manifest of `dir` atomically. */
export async function writeManifest(dir: string, manifest: KokoroManifest): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}
