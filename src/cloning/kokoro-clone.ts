/**
 * Kokoro voice cloning without a speaker encoder: a clone is a style tensor found by rendering
 * candidates and scoring them with the speaker scorer (scorer.ts) against the reference.
 *
 * - `fast`: the voice atlas (kokoro-atlas.ts) gives every builtin pack's place in the scorer's
 *   space; the K nearest packs are blended with the weights that best fit the reference there
 *   (a least-squares fit, no render needed), the blend is rendered and kept if it beats the
 *   nearest pack, then a few rendered refinement steps perturb the weights, each kept only when
 *   the rendered search score improves, while the budget allows.
 * - `thorough`: the fast clone (on a quarter of the budget, at most 20 s) starts a population
 *   random walk in style space (kokoro-walk.ts); a job with progress, checkpoints (a preview of
 *   the best so far, and what a resume needs), cancellation and a time budget.
 *
 * Both end by rendering the clone on `KOKORO_CLONE_TEXTS.heldOut`, a text no search step heard,
 * and report similarity(reference, that render): how the clone sounds on new words.
 *
 * Time: `budgetMs` covers everything from the call on (a missing atlas too, which the server
 * builds after install so that clones find it ready); a resumed walk counts the time its
 * checkpoint had used. The fast clone makes at least the blend's render and the held-out one,
 * whatever the budget. Renders and their features run on the calling thread: callers run this on
 * a clone thread, never on the HTTP thread.
 */
import { errors } from '../errors.js';
import { blendVoices } from '../voices/blend.js';
import { ATLAS_TEXT, buildAtlas, fitBlendWeights, KOKORO_PACK_LENGTH, KOKORO_RENDER_RATE, nearestPacks, type AtlasEntry } from './kokoro-atlas.js';
import { decodeCheckpoint, encodeCheckpoint, fitnessOf, mulberry32, referenceDigest, walk, WALK_TEXTS, type Checkpoint, type WalkState } from './kokoro-walk.js';
import { MIN_SPEECH_SECONDS, similarity, speakerFeatures, type SpeakerFeatures } from './scorer.js';

export { buildAtlas, type Atlas } from './kokoro-atlas.js';

export interface KokoroPack {
  name: string;
  language: string;
  gender: 'female' | 'male' | null;
  hash: string;
  tensor: Float32Array;
}

export interface KokoroCloneDeps {
  /** The installed builtin packs. */
  packs: readonly KokoroPack[];
  /** Identifies the model file (e.g. its sha256, or size+mtime): part of the atlas key. */
  modelHash: string;
  /** Speaks `text` with the style tensor: mono float samples at 24 kHz. */
  render(tensor: Float32Array, text: string, signal?: AbortSignal): Promise<Float32Array>;
  /** Where the atlas is cached (null: in memory only). */
  cacheDir: string | null;
  /** Called before each render of a thorough search (the pool uses it to yield to speech). */
  waitForTurn?(): Promise<void>;
}

export interface KokoroCloneOptions {
  quality: 'fast' | 'thorough';
  budgetMs: number;
  signal?: AbortSignal;
  onProgress?(p: { progress: number; step: string; bestScore: number | null }): void;
  /** From onCheckpoint, to resume a thorough walk. */
  checkpoint?: Uint8Array | null;
  onCheckpoint?(checkpoint: Uint8Array, best: { tensor: Float32Array; score: number }): void;
}

export interface KokoroCloneResult {
  tensor: Float32Array;
  /** similarity(reference, clone on the held-out text), 0..1. */
  similarity: number;
  /** The best search score: fast, the similarity on the search text; thorough, the walk's fitness. */
  searchScore: number;
  /** Renders made (atlas renders included; a resumed walk counts its checkpoint's). */
  steps: number;
  gender: 'female' | 'male' | null;
  language: string;
  /** The blend of packs the clone is (fast) or started from (thorough), heaviest first. */
  weights: { name: string; weight: number }[];
}

/** The texts of a clone: the search (and atlas) text, the walk's second text, and the held-out one. */
export const KOKORO_CLONE_TEXTS = Object.freeze({
  search: ATLAS_TEXT,
  consistency: WALK_TEXTS.b,
  heldOut: 'Please remember to bring your warm coat tomorrow, because the weather in the mountains changes quickly.',
});

/** Packs the fast clone blends (the nearest by the scorer). */
export const FAST_NEAREST = 6;
/** Rendered refinement steps of the fast clone at most. */
export const FAST_REFINE_STEPS = 6;
/** A gender is reported when its packs hold at least this share of the blend. */
const GENDER_SHARE = 0.75;

/** Renders for one clone: counts them, waits for its turn, cancels, and keeps the pace for the budget. */
export class RenderSession {
  renders = 0;
  private renderMs = 0;
  constructor(
    private readonly deps: KokoroCloneDeps,
    readonly signal: AbortSignal | undefined,
    /** performance.now() when the clone's clock started (earlier on a resume). */
    readonly startedAt: number,
    readonly deadline: number,
    private readonly wait: boolean,
  ) {}

  async render(tensor: Float32Array, text: string): Promise<Float32Array> {
    this.signal?.throwIfAborted();
    if (this.wait) await this.deps.waitForTurn?.();
    this.signal?.throwIfAborted();
    const t0 = performance.now();
    const samples = await this.deps.render(tensor, text, this.signal);
    this.signal?.throwIfAborted();
    this.renderMs += performance.now() - t0;
    this.renders++;
    return samples;
  }

  /** A render and its features (features are timed with the render: both are the step's cost). */
  async speak(tensor: Float32Array, text: string): Promise<SpeakerFeatures> {
    const samples = await this.render(tensor, text);
    const t0 = performance.now();
    const f = speakerFeatures(samples, KOKORO_RENDER_RATE);
    this.renderMs += performance.now() - t0;
    return f;
  }

  /** Whether `renders` more renders fit before `until` at the pace seen (true before the first). */
  fits(renders: number, until = this.deadline): boolean {
    if (this.renders === 0) return true;
    return performance.now() + (renders * this.renderMs) / this.renders <= until;
  }

  elapsed(): number {
    return performance.now() - this.startedAt;
  }
}

/** Clones the reference's voice as a Kokoro style tensor (see the module comment). */
export async function cloneKokoro(
  reference: { samples: Float32Array; sampleRate: number },
  deps: KokoroCloneDeps,
  options: KokoroCloneOptions,
): Promise<KokoroCloneResult> {
  const { budgetMs, signal, quality } = options;
  if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw errors.invalidParam('max_seconds', `The time budget must be a positive number of seconds, got ${budgetMs / 1000}`);
  if (deps.packs.length === 0) throw errors.engineUnavailable('Kokoro', 'Cloning blends its builtin voice packs and none is installed: install them with `litetts models pull`.');
  signal?.throwIfAborted();
  const ref = referenceFeatures(reference);
  const digest = referenceDigest(reference.samples, reference.sampleRate);

  const resumed = quality === 'thorough' && options.checkpoint ? usableCheckpoint(options.checkpoint, digest, deps.modelHash) : null;
  const startedAt = performance.now() - (resumed?.usedMs ?? 0);
  const session = new RenderSession(deps, signal, startedAt, startedAt + budgetMs, quality === 'thorough');
  const priorRenders = resumed?.renders ?? 0;
  let bestScore: number | null = null;
  const report = (step: string): void => {
    options.onProgress?.({ progress: Math.min(1, Math.max(0, session.elapsed() / budgetMs)), step, bestScore });
  };

  report('atlas');
  const atlas = await buildAtlas({ ...deps, render: (tensor, text) => session.render(tensor, text) }, { signal, onProgress: (done, missing) => report(`atlas ${done}/${missing}`) });
  const near = nearestPacks(atlas, ref, FAST_NEAREST);
  if (near.length === 0) throw errors.synthesisFailed('no installed Kokoro voice pack renders speech the scorer can hear');

  let tensor: Float32Array;
  let searchScore: number;
  let weights: { name: string; weight: number }[];
  let voice: { language: string; gender: 'female' | 'male' | null };
  if (quality === 'fast') {
    const fast = await fastBlend(ref, near, session, session.deadline, digest, (step, score) => ((bestScore = score), report(step)));
    ({ tensor, score: searchScore, weights } = fast);
    voice = dominantVoice(weights, deps.packs);
  } else {
    let state: WalkState;
    if (resumed) {
      ({ state, weights } = resumed);
      voice = { language: resumed.language, gender: resumed.gender };
    } else {
      const fastUntil = startedAt + Math.min(budgetMs / 4, 20_000);
      const fast = await fastBlend(ref, near, session, fastUntil, digest, (step, score) => ((bestScore = score), report(step)));
      weights = fast.weights;
      voice = dominantVoice(weights, deps.packs);
      const best = await fitnessOf({ reference: ref, session }, fast.tensor, fast.features);
      state = { best, step: 0, rng: parseInt(digest.slice(0, 8), 16) };
    }
    const checkpoint = (s: WalkState): void => {
      const c: Checkpoint = { state: s, usedMs: session.elapsed(), renders: priorRenders + session.renders, referenceDigest: digest, modelHash: deps.modelHash, weights, ...voice };
      options.onCheckpoint?.(encodeCheckpoint(c), { tensor: s.best.tensor, score: s.best.fitness });
    };
    bestScore = state.best.fitness;
    if (!resumed) checkpoint(state);
    const spreadFrom = [...near.map((e) => e.pack.tensor), state.best.tensor];
    const done = await walk(
      {
        reference: ref,
        session,
        spreadFrom,
        onStep: (s) => ((bestScore = s.best.fitness), report(`walk ${s.step}`)),
        onImproved: checkpoint,
      },
      state,
    );
    tensor = done.best.tensor;
    searchScore = done.best.fitness;
  }

  report('held-out');
  const heldOut = await session.speak(tensor, KOKORO_CLONE_TEXTS.heldOut);
  return { tensor, similarity: similarity(ref, heldOut), searchScore, steps: priorRenders + session.renders, ...voice, weights };
}

function referenceFeatures(reference: { samples: Float32Array; sampleRate: number }): SpeakerFeatures {
  let f: SpeakerFeatures;
  try {
    f = speakerFeatures(reference.samples, reference.sampleRate);
  } catch (error) {
    if (error instanceof RangeError) throw errors.invalidParam('reference', error.message);
    throw error;
  }
  if (f.speechSeconds < MIN_SPEECH_SECONDS) {
    throw errors.invalidParam('reference', `The reference has ${f.speechSeconds.toFixed(2)} s of speech; a clone needs at least ${MIN_SPEECH_SECONDS} s`, 'reference_no_speech');
  }
  return f;
}

/** The checkpoint when it is one of this reference and model; otherwise the walk starts afresh. */
function usableCheckpoint(bytes: Uint8Array, digest: string, modelHash: string): Checkpoint | null {
  const c = decodeCheckpoint(bytes, KOKORO_PACK_LENGTH);
  return c && c.referenceDigest === digest && c.modelHash === modelHash ? c : null;
}

interface Candidate {
  w: number[];
  tensor: Float32Array;
  score: number;
  features: SpeakerFeatures;
}

/** The fast clone's search (see the module comment), until `until`. */
async function fastBlend(
  ref: SpeakerFeatures,
  near: readonly AtlasEntry[],
  session: RenderSession,
  until: number,
  seed: string,
  report: (step: string, score: number) => void,
): Promise<{ tensor: Float32Array; score: number; features: SpeakerFeatures; weights: { name: string; weight: number }[] }> {
  const oneHot = near.map((_, i) => (i === 0 ? 1 : 0));
  // The nearest pack was rendered on the search text for the atlas: its score needs no render.
  let best: Candidate = { w: oneHot, tensor: near[0]!.pack.tensor, score: similarity(ref, near[0]!.features), features: near[0]!.features };
  const evaluate = async (w: number[]): Promise<Candidate> => {
    const tensor = blendOf(near, w);
    const features = await session.speak(tensor, KOKORO_CLONE_TEXTS.search);
    return { w, tensor, score: similarity(ref, features), features };
  };
  report('nearest pack', best.score);
  const fitted = fitBlendWeights(near, ref);
  if (fitted.some((x, i) => x !== oneHot[i])) {
    const blend = await evaluate(fitted);
    if (blend.score > best.score) best = blend;
    report('blend', best.score);
  }
  // Refinement: Gaussian steps on the weights (clipped at 0, renormalised), growing after a
  // success and shrinking after a failure (a 1/5th-rule flavour of step control).
  const rng = mulberry32(parseInt(seed.slice(8, 16), 16));
  let step = 0.2;
  for (let i = 0; i < FAST_REFINE_STEPS && session.fits(2, until); i++) {
    const w = best.w.map((x) => Math.max(0, x + step * rng.normal()));
    const sum = w.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) continue;
    const tried = await evaluate(w.map((x) => x / sum));
    if (tried.score > best.score) {
      best = tried;
      step *= 1.25;
    } else step *= 0.7;
    report(`refine ${i + 1}`, best.score);
  }
  const weights = near
    .map((e, i) => ({ name: e.pack.name, weight: best.w[i]! }))
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight);
  return { tensor: best.tensor, score: best.score, features: best.features, weights };
}

/** The weighted mean of the packs' tensors (weights summing to 1). */
function blendOf(near: readonly AtlasEntry[], w: readonly number[]): Float32Array {
  const parts = near.map((e, i) => ({ data: { engine: 'kokoro' as const, tensor: e.pack.tensor }, weight: w[i]! })).filter((p) => p.weight > 0);
  const blended = blendVoices(parts);
  if (blended.engine !== 'kokoro') throw new Error('a blend of Kokoro packs is a Kokoro voice');
  return blended.tensor;
}

/** The language with the most weight; the gender whose packs hold GENDER_SHARE of it, else null. */
export function dominantVoice(weights: readonly { name: string; weight: number }[], packs: readonly KokoroPack[]): { language: string; gender: 'female' | 'male' | null } {
  const byLanguage = new Map<string, number>();
  const byGender = new Map<string, number>();
  let total = 0;
  for (const { name, weight } of weights) {
    const pack = packs.find((p) => p.name === name);
    if (!pack) continue;
    total += weight;
    byLanguage.set(pack.language, (byLanguage.get(pack.language) ?? 0) + weight);
    if (pack.gender) byGender.set(pack.gender, (byGender.get(pack.gender) ?? 0) + weight);
  }
  const language = [...byLanguage].sort((a, b) => b[1] - a[1])[0]?.[0] ?? packs[0]!.language;
  const gender = (['female', 'male'] as const).find((g) => (byGender.get(g) ?? 0) >= GENDER_SHARE * total) ?? null;
  return { language, gender };
}
