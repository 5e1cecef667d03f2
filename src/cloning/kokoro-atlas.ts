/**
 * The voice atlas: where each builtin Kokoro pack lies in the speaker scorer's space, and the
 * geometry the fast clone needs there (the packs nearest a reference, the blend of them that best
 * fits it).
 *
 * A pack's place is the scorer's features (scorer.ts) of its render of `ATLAS_TEXT`. Rendering is
 * the cost (a second or two per pack for the real model), so the measured values are cached as
 * JSON in `cacheDir/kokoro-atlas.json`, keyed by the model's hash, the text, the feature set and
 * each pack's hash: a changed pack is rendered again alone, a changed model (or text, or feature
 * set) renders all. The file is written atomically and read strictly (a schema, a size limit):
 * a file that does not pass is rebuilt, never trusted. Without a `cacheDir` the cache lives in
 * this process's memory under the same key. Only measured values are stored; their projection is
 * made with the scorer's parameters when read, so retuning the scorer needs no rebuild.
 *
 * Builds are not shared between threads or processes: two at once both render what is missing,
 * and the last complete file wins.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../files.js';
import { FEATURE_NAMES } from './features.js';
import type { KokoroCloneDeps, KokoroPack } from './kokoro-clone.js';
import { featuresFromValues, ldaCoordinates, projectedCosine, similarity, speakerFeatures, MIN_SPEECH_SECONDS, type SpeakerFeatures } from './scorer.js';

/** The text every pack is placed by; the fast clone searches on it too, so its scores compare with the packs'. */
export const ATLAS_TEXT = 'The old lighthouse keeper walked slowly along the rocky shore, counting the boats that came home.';
export const ATLAS_FILE = 'kokoro-atlas.json';
/** Kokoro renders at 24 kHz. */
export const KOKORO_RENDER_RATE = 24_000;
/** Floats in a Kokoro pack: 510 rows × 256. */
export const KOKORO_PACK_LENGTH = 510 * 256;
/** A cache file larger than this is not read (54 packs take about 40 KB). */
const MAX_CACHE_BYTES = 4 * 1024 * 1024;
const FORMAT = 'litetts-kokoro-atlas';
const VERSION = 1;
/** Which features the values are: a change of features.ts's list invalidates every entry. */
const FEATURE_SET = createHash('sha256').update(FEATURE_NAMES.join('\n')).digest('hex').slice(0, 16);

export interface AtlasEntry {
  pack: KokoroPack;
  /** The scorer's features of the pack's render of ATLAS_TEXT. */
  features: SpeakerFeatures;
}

export interface Atlas {
  modelHash: string;
  text: string;
  /** In the order of `deps.packs`. */
  entries: AtlasEntry[];
  /** Packs rendered by this build (0 when everything came from the cache). */
  rendered: number;
  /** Why the cache file could not be written, when it could not (the atlas is still complete). */
  cacheError?: string;
}

export type AtlasDeps = Pick<KokoroCloneDeps, 'packs' | 'modelHash' | 'render' | 'cacheDir'>;

export interface AtlasOptions {
  signal?: AbortSignal;
  /** After each pack rendered: how many of those missing are done. */
  onProgress?(done: number, missing: number): void;
}

const entrySchema = z.object({
  hash: z.string().max(200),
  speechSeconds: z.number().finite().nonnegative(),
  values: z.array(z.number().finite().nullable()).length(FEATURE_NAMES.length),
});
const fileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  featureSet: z.string(),
  modelHash: z.string(),
  text: z.string(),
  packs: z.record(z.string().max(200), entrySchema),
});
type CacheFile = z.infer<typeof fileSchema>;
type CachedEntry = z.infer<typeof entrySchema>;

/** Process-memory caches when there is no cache directory, by modelHash. */
const memory = new Map<string, CacheFile>();

/** Places every pack (see the module comment). */
export async function buildAtlas(deps: AtlasDeps, options: AtlasOptions = {}): Promise<Atlas> {
  const names = new Set(deps.packs.map((p) => p.name));
  if (names.size !== deps.packs.length) throw new RangeError('pack names must be unique');
  for (const p of deps.packs) {
    if (p.tensor.length !== KOKORO_PACK_LENGTH) throw new RangeError(`pack ${p.name} has ${p.tensor.length} floats, not ${KOKORO_PACK_LENGTH}`);
  }
  const path = deps.cacheDir === null ? null : join(deps.cacheDir, ATLAS_FILE);
  const cached = path === null ? memory.get(deps.modelHash) : await readCache(path);
  const usable = cached && cached.modelHash === deps.modelHash && cached.text === ATLAS_TEXT && cached.featureSet === FEATURE_SET ? cached.packs : {};

  const missing = deps.packs.filter((p) => usable[p.name]?.hash !== p.hash);
  const fresh = new Map<string, CachedEntry>();
  for (const pack of missing) {
    options.signal?.throwIfAborted();
    const samples = await deps.render(pack.tensor, ATLAS_TEXT, options.signal);
    const f = speakerFeatures(samples, KOKORO_RENDER_RATE);
    fresh.set(pack.name, { hash: pack.hash, speechSeconds: f.speechSeconds, values: Array.from(f.values, (v) => (Number.isFinite(v) ? v : null)) });
    options.onProgress?.(fresh.size, missing.length);
  }

  const packs: Record<string, CachedEntry> = {};
  for (const p of deps.packs) packs[p.name] = fresh.get(p.name) ?? usable[p.name]!;
  const file: CacheFile = { format: FORMAT, version: VERSION, featureSet: FEATURE_SET, modelHash: deps.modelHash, text: ATLAS_TEXT, packs };
  // Rewritten when anything changed: a pack rendered, one gone, or a file that was not usable.
  const changed = !cached || missing.length > 0 || Object.keys(cached.packs).some((name) => !names.has(name));
  let cacheError: string | undefined;
  if (path === null) memory.set(deps.modelHash, file);
  else if (changed) {
    try {
      await mkdir(deps.cacheDir!, { recursive: true });
      await writeFileAtomic(path, JSON.stringify(file));
    } catch (error) {
      cacheError = error instanceof Error ? error.message : String(error);
    }
  }
  const entries = deps.packs.map((pack) => {
    const e = packs[pack.name]!;
    return { pack, features: featuresFromValues(Float64Array.from(e.values, (v) => v ?? Number.NaN), e.speechSeconds) };
  });
  return { modelHash: deps.modelHash, text: ATLAS_TEXT, entries, rendered: missing.length, ...(cacheError !== undefined && { cacheError }) };
}

/** The cache file, or undefined when it is absent, too large or not a valid atlas. */
async function readCache(path: string): Promise<CacheFile | undefined> {
  try {
    if ((await stat(path)).size > MAX_CACHE_BYTES) return undefined;
    const parsed = fileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // absent, unreadable or not JSON: rebuilt
  }
}

/** Forgets the in-memory atlases (for tests). */
export function clearAtlasMemory(): void {
  memory.clear();
}

/** The `k` entries with speech nearest `reference` by the scorer, nearest first. */
export function nearestPacks(atlas: Atlas, reference: SpeakerFeatures, k: number): AtlasEntry[] {
  return atlas.entries
    .filter((e) => e.features.speechSeconds >= MIN_SPEECH_SECONDS)
    .map((e) => ({ e, score: similarity(reference, e.features), cosine: projectedCosine(reference, e.features) }))
    // The score is a monotone map of the cosine; the cosine breaks ties where the score saturates.
    .sort((a, b) => b.score - a.score || b.cosine - a.cosine)
    .slice(0, k)
    .map(({ e }) => e);
}

/** Most packs a blend is fitted over: every subset of them is tried (2^k − 1). */
export const MAX_FIT_PACKS = 10;

/**
 * The weights w ≥ 0, Σw = 1 that bring the blend's LDA coordinates (scorer.ts `ldaCoordinates`)
 * closest to the reference's: min ‖Σ wᵢ·pᵢ − r‖². Why that space: it is the scorer's own
 * (before length normalisation), where distances weigh each direction by how well it separates
 * speakers, and it is affine in the measured features, so if a blend's features are near the
 * blend of its packs' features (true to first order for nearby packs) its coordinates are the
 * same blend of theirs. The sum-to-one constraint is what makes that hold (a blend is a weighted
 * mean) and keeps the fit from trading level for direction.
 *
 * Solved exactly by trying every support: for each subset S of the packs the equality-constrained
 * problem has a closed form (its KKT system); the best subset whose weights are all positive is
 * the optimum, since the problem is convex and its optimum solves the equality problem on its own
 * support. With at most 10 packs that is ≤ 1023 systems of ≤ 11 unknowns, well under a
 * millisecond. Returns the weights in the order of `entries`.
 */
export function fitBlendWeights(entries: readonly AtlasEntry[], reference: SpeakerFeatures): number[] {
  const n = entries.length;
  if (n === 0) throw new RangeError('no packs to fit');
  if (n > MAX_FIT_PACKS) throw new RangeError(`at most ${MAX_FIT_PACKS} packs can be fitted, got ${n}`);
  const p = entries.map((e) => ldaCoordinates(e.features));
  const r = ldaCoordinates(reference);
  // Gram matrix and right-hand side: ‖Pw − r‖² = wᵀGw − 2wᵀc + ‖r‖².
  const g = p.map((a) => p.map((b) => dot(a, b)));
  const c = p.map((a) => dot(a, r));
  let trace = 0;
  for (let i = 0; i < n; i++) trace += g[i]![i]!;
  const ridge = 1e-10 * (trace / n + 1); // collinear packs: a unique answer among equals
  let best: { w: number[]; cost: number } | null = null;
  for (let mask = 1; mask < 1 << n; mask++) {
    const s = [...Array(n).keys()].filter((i) => mask & (1 << i));
    const w = solveOnSupport(s, g, c, ridge);
    if (w === null || w.some((x) => !(x > 0))) continue;
    const full = new Array<number>(n).fill(0);
    s.forEach((i, k) => (full[i] = w[k]!));
    let cost = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cost += full[i]! * g[i]![j]! * full[j]!;
    for (let i = 0; i < n; i++) cost -= 2 * full[i]! * c[i]!;
    if (best === null || cost < best.cost) best = { w: full, cost };
  }
  // A single pack always gives a positive weight (1), so some support always qualifies.
  return best!.w;
}

/** min wᵀG_S w − 2wᵀc_S subject to Σw = 1: [2G 1; 1ᵀ 0][w; λ] = [2c; 1]. Null when singular. */
function solveOnSupport(s: number[], g: number[][], c: number[], ridge: number): number[] | null {
  const m = s.length;
  const a: number[][] = [];
  for (let i = 0; i < m; i++) {
    const row = s.map((j, k) => 2 * g[s[i]!]![j]! + (k === i ? 2 * ridge : 0));
    a.push([...row, 1, 2 * c[s[i]!]!]);
  }
  a.push([...new Array<number>(m).fill(1), 0, 1]);
  const x = gaussSolve(a);
  return x === null ? null : x.slice(0, m);
}

/** Solves the augmented system in place by Gaussian elimination with partial pivoting. */
function gaussSolve(a: number[][]): number[] | null {
  const n = a.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-14) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      if (f === 0) continue;
      for (let k = col; k <= n; k++) a[r]![k]! -= f * a[col]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
