import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { int16ToFloat } from '../../audio/pcm.js';
import { errors } from '../../errors.js';
import type { EngineSettings } from '../../engines/index.js';
import { KokoroInstall, kokoroNameMetadata } from '../../engines/kokoro/index.js';
import type { Renderer } from '../../engines/renderer.js';
import type { KokoroCloneDeps, KokoroPack } from '../kokoro-clone.js';

/** A pack read once per install state (the state names every pack file's inode and mtime): its bytes' hash and tensor. */
const packs = new Map<string, { key: string; pack: KokoroPack }>();

/**
 * What a Kokoro clone needs in a clone thread: the installed builtin packs (read from the model
 * directory, re-read when a file changes), the model's identity for the atlas key (size and
 * mtime: hashing 300 MB per clone would cost more than the clone), a render through this
 * thread's own engines, and the atlas cache under the data directory.
 */
export function kokoroCloneDeps(settings: EngineSettings, renderer: Renderer, cacheDir: string | null, waitForTurn?: () => Promise<void>): KokoroCloneDeps {
  const install = new KokoroInstall(settings.modelDir, settings.modelVariant);
  install.refresh();
  if (!install.modelInstalled()) throw errors.cloningUnavailable('Kokoro', 'Its model is not installed here: run `litetts models pull`, or clone with engine=espeak.');
  const model = statSync(install.modelPath);
  const list: KokoroPack[] = [];
  const state = install.state();
  for (const name of [...install.installedVoices()].sort()) {
    const cacheKey = `${install.dir}\0${name}`;
    let known = packs.get(cacheKey);
    if (known?.key !== state) {
      const bytes = install.readVoice(name);
      const tensor = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const meta = kokoroNameMetadata(name);
      known = { key: state, pack: { name, language: meta?.language ?? 'en-us', gender: meta?.gender ?? null, hash: createHash('sha256').update(bytes).digest('hex'), tensor } };
      packs.set(cacheKey, known);
    }
    list.push(known.pack);
  }
  return {
    packs: list,
    modelHash: createHash('sha256').update(`${install.modelPath}\0${model.size}\0${model.mtimeMs}`).digest('hex'),
    render: async (tensor, text) => int16ToFloat(await renderer.render({ text, voice: { engine: 'kokoro', tensor }, speed: 1 })),
    cacheDir,
    ...(waitForTurn && { waitForTurn }),
  };
}
