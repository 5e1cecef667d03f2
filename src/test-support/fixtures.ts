import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The 54 official Kokoro voice packs, where this machine has them (beside the
 * checkout, as `../shared/data/kokoro/voices`); tests that need them skip otherwise.
 */
export const KOKORO_PACKS_DIR: string | undefined = [`${ROOT}../shared/data/kokoro/voices`, '/work/shared/data/kokoro/voices'].find((dir) =>
  existsSync(dir),
);

/** A deterministic, finite Kokoro-shaped tensor (510×256 float32) that differs per seed. */
export function sampleTensor(seed = 1): Float32Array {
  const t = new Float32Array(510 * 256);
  for (let i = 0; i < t.length; i++) t[i] = (((i * 7919 + seed * 104729) % 2001) - 1000) / 1024;
  return t;
}

/** misaki's English lexicons (`../shared/data/misaki`), where this machine has them; tests that need them skip otherwise. */
export const MISAKI_LEXICON_DIR: string | undefined = [`${ROOT}../shared/data/misaki`, '/work/shared/data/misaki'].find((dir) =>
  existsSync(`${dir}/us_gold.json`),
);
