/**
 * The thorough Kokoro clone: a population random walk in style space (after kvoicewalk,
 * github.com/RobViren/kvoicewalk, which mutates the best tensor by Gaussian noise scaled by the
 * per-element standard deviation of a set of voices, and keeps a mutant only when it scores better).
 *
 * - Population: the best few tensors found (POPULATION), starting from the fast clone's blend or a
 *   checkpoint's best. A child is a member (the best half of the time, else any) plus a mutation;
 *   it joins when the population has room or it beats the worst member, which it then replaces.
 * - Mutation: δ[r, d] = spread[r, d] · diversity · n[d], with n ~ N(0, 1)²⁵⁶ and the diversity
 *   uniform in DIVERSITY. `spread` is the per-element standard deviation of the nearest packs and
 *   the population (floored at a quarter of the packs', so a converged population keeps moving).
 *   One n for every row, unlike kvoicewalk's independent noise per element: the model reads one
 *   row per utterance (by its length), so independent noise would move the rows the search never
 *   hears at random; a shared direction moves the whole voice, as blending does.
 * - Fitness: similarity(reference, render of text A) × similarity(render of A, render of B), the
 *   second factor the clone's self-consistency across texts (a tensor that fits one sentence by
 *   sounding like two speakers is worth little). Since the fitness is at most the first factor, a
 *   child whose first factor cannot beat the worst member is not rendered on B.
 * - Time: the walk stops when another step and the final held-out render would not fit the
 *   budget at the pace seen; `signal` cancels it with the signal's reason.
 * - Checkpoints: whenever the best improves (at most every CHECKPOINT_INTERVAL_MS, and once at the
 *   end), the best tensor and what resuming needs, ~523 KB (`encodeCheckpoint`). A resumed walk
 *   starts from that best alone and spends what is left of the budget.
 */
import { createHash } from 'node:crypto';
import { ATLAS_TEXT } from './kokoro-atlas.js';
import type { RenderSession } from './kokoro-clone.js';
import { similarity, type SpeakerFeatures } from './scorer.js';

/** The walk's two texts; the fast clone and the atlas use A, the held-out text is neither. */
export const WALK_TEXTS = Object.freeze({
  a: ATLAS_TEXT,
  b: 'A bright kitchen smells of fresh bread and coffee when the whole family wakes up early on Sunday.',
});
export const POPULATION = 5;
export const DIVERSITY = [0.02, 0.25] as const;
export const CHECKPOINT_INTERVAL_MS = 3000;
const STYLE_DIM = 256;

export interface Scored {
  tensor: Float32Array;
  fitness: number;
  /** similarity(reference, render of A). */
  target: number;
}

export interface WalkState {
  best: Scored;
  /** Walk steps tried so far (children made). */
  step: number;
  rng: number;
}

export interface WalkParams {
  reference: SpeakerFeatures;
  session: RenderSession;
  /** Tensors whose spread scales the mutations (the nearest packs). */
  spreadFrom: readonly Float32Array[];
  /** Called after each step with the state (for progress). */
  onStep(state: WalkState): void;
  /** Called when the best improved, at most every CHECKPOINT_INTERVAL_MS, and at the end if it improved since. */
  onImproved(state: WalkState): void;
}

/** Scores a tensor by the fitness (two renders; one when `known` has its render of A). */
export async function fitnessOf(params: Pick<WalkParams, 'reference' | 'session'>, tensor: Float32Array, known?: SpeakerFeatures): Promise<Scored> {
  const a = known ?? (await params.session.speak(tensor, WALK_TEXTS.a));
  const target = similarity(params.reference, a);
  const b = await params.session.speak(tensor, WALK_TEXTS.b);
  return { tensor, fitness: target * similarity(a, b), target };
}

/** Walks from `state` until the budget is spent (see the module comment); returns the final state. */
export async function walk(params: WalkParams, state: WalkState): Promise<WalkState> {
  const { session, reference } = params;
  const rng = mulberry32(state.rng);
  const population: Scored[] = [state.best];
  const base = perElementSpread(params.spreadFrom);
  let best = state.best;
  let step = state.step;
  let lastCheckpoint = performance.now();
  let dirty = false;
  const snapshot = (): WalkState => ({ best, step, rng: rng.state() });

  // One step is one or two renders; keep room for it and the held-out render.
  while (session.fits(2 + 1)) {
    session.signal?.throwIfAborted();
    const spread = populationSpread(base, population);
    const parent = rng.next() < 0.5 ? best : population[Math.floor(rng.next() * population.length)]!;
    const diversity = DIVERSITY[0] + (DIVERSITY[1] - DIVERSITY[0]) * rng.next();
    const direction = Float64Array.from({ length: STYLE_DIM }, () => rng.normal());
    const child = new Float32Array(parent.tensor.length);
    for (let i = 0; i < child.length; i++) child[i] = parent.tensor[i]! + spread[i]! * diversity * direction[i % STYLE_DIM]!;
    step++;

    const worst = population.length < POPULATION ? -Infinity : Math.min(...population.map((p) => p.fitness));
    const a = await session.speak(child, WALK_TEXTS.a);
    if (similarity(reference, a) > worst) {
      const scored = await fitnessOf(params, child, a);
      if (scored.fitness > worst) {
        if (population.length >= POPULATION) population.splice(population.findIndex((p) => p.fitness === worst), 1);
        population.push(scored);
      }
      if (scored.fitness > best.fitness) {
        best = scored;
        dirty = true;
      }
    }
    if (dirty && performance.now() - lastCheckpoint >= CHECKPOINT_INTERVAL_MS) {
      params.onImproved(snapshot());
      lastCheckpoint = performance.now();
      dirty = false;
    }
    params.onStep(snapshot());
  }
  if (dirty) params.onImproved(snapshot());
  return snapshot();
}

/** Per-element standard deviation of the tensors (zero for fewer than two). */
export function perElementSpread(tensors: readonly Float32Array[]): Float32Array {
  const n = tensors.length;
  const out = new Float32Array(tensors[0]?.length ?? 0);
  if (n < 2) return out;
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    let s2 = 0;
    for (const t of tensors) {
      s += t[i]!;
      s2 += t[i]! * t[i]!;
    }
    const mean = s / n;
    out[i] = Math.sqrt(Math.max(0, s2 / n - mean * mean) * (n / (n - 1)));
  }
  return out;
}

/** The packs' spread with the population's where that is larger, floored at a quarter of the packs'. */
function populationSpread(base: Float32Array, population: readonly Scored[]): Float32Array {
  if (population.length < 2) return base;
  const own = perElementSpread(population.map((p) => p.tensor));
  for (let i = 0; i < own.length; i++) own[i] = Math.max(own[i]!, 0.25 * base[i]!);
  return own;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints: "LTKW", version, then little-endian fields; any deviation reads as no checkpoint.

const MAGIC = 0x574b544c; // "LTKW"
const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  state: WalkState;
  /** Time the walk has used so far (fast start included), ms. */
  usedMs: number;
  /** Renders made so far. */
  renders: number;
  /** Identifies the reference and the model: a checkpoint of another is not resumed. */
  referenceDigest: string;
  modelHash: string;
  /** The blend the walk started from. */
  weights: { name: string; weight: number }[];
  /** The start blend's language and gender, as the result reports them. */
  language: string;
  gender: 'female' | 'male' | null;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const text = new TextEncoder();
  const strings = [c.referenceDigest, c.modelHash, c.language, c.gender ?? '', ...c.weights.map((w) => w.name)].map((s) => text.encode(s));
  const tensor = c.state.best.tensor;
  let size = 4 + 4 + 4 + 4 + 4 + 8 * 3 + 2 + c.weights.length * 8 + 4 + tensor.length * 4;
  for (const s of strings) size += 2 + s.length;
  const buf = new ArrayBuffer(size);
  const view = new DataView(buf);
  let at = 0;
  const u32 = (v: number) => (view.setUint32(at, v, true), (at += 4));
  const f64 = (v: number) => (view.setFloat64(at, v, true), (at += 8));
  const str = (s: Uint8Array) => {
    view.setUint16(at, s.length, true);
    new Uint8Array(buf, at + 2, s.length).set(s);
    at += 2 + s.length;
  };
  u32(MAGIC);
  u32(CHECKPOINT_VERSION);
  u32(c.state.step);
  u32(c.state.rng >>> 0);
  u32(c.renders);
  f64(c.usedMs);
  f64(c.state.best.fitness);
  f64(c.state.best.target);
  strings.slice(0, 4).forEach(str);
  view.setUint16(at, c.weights.length, true);
  at += 2;
  c.weights.forEach((w, i) => {
    str(strings[4 + i]!);
    f64(w.weight);
  });
  u32(tensor.length);
  for (let i = 0; i < tensor.length; i++, at += 4) view.setFloat32(at, tensor[i]!, true);
  return new Uint8Array(buf, 0, at);
}

/** The checkpoint in `bytes`, or null when they are not one this version wrote (truncated, altered, other format). */
export function decodeCheckpoint(bytes: Uint8Array, tensorLength: number): Checkpoint | null {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = new TextDecoder('utf-8', { fatal: true });
    let at = 0;
    const u32 = () => ((at += 4), view.getUint32(at - 4, true));
    const f64 = () => ((at += 8), view.getFloat64(at - 8, true));
    const str = () => {
      const n = view.getUint16(at, true);
      if (at + 2 + n > bytes.byteLength) throw new RangeError('truncated');
      at += 2 + n;
      return text.decode(bytes.subarray(at - n, at));
    };
    if (u32() !== MAGIC || u32() !== CHECKPOINT_VERSION) return null;
    const step = u32();
    const rng = u32();
    const renders = u32();
    const usedMs = f64();
    const fitness = f64();
    const target = f64();
    const [referenceDigest, modelHash, language, gender] = [str(), str(), str(), str()];
    const count = view.getUint16(at, true);
    at += 2;
    const weights: { name: string; weight: number }[] = [];
    for (let i = 0; i < count; i++) weights.push({ name: str(), weight: f64() });
    if (u32() !== tensorLength || at + tensorLength * 4 !== bytes.byteLength) return null;
    const tensor = new Float32Array(tensorLength);
    for (let i = 0; i < tensorLength; i++, at += 4) tensor[i] = view.getFloat32(at, true);
    const finite = [usedMs, fitness, target, ...weights.map((w) => w.weight)].every(Number.isFinite) && tensor.every(Number.isFinite);
    if (!finite || usedMs < 0 || !(gender === '' || gender === 'female' || gender === 'male')) return null;
    return {
      state: { best: { tensor, fitness, target }, step, rng },
      usedMs,
      renders,
      referenceDigest,
      modelHash,
      weights,
      language,
      gender: gender === '' ? null : gender,
    };
  } catch {
    return null; // a read past the end or bad UTF-8
  }
}

/** A digest of the reference audio, to tie a checkpoint to it. */
export function referenceDigest(samples: Float32Array, sampleRate: number): string {
  return createHash('sha256')
    .update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
    .update(String(sampleRate))
    .digest('hex');
}

/** A small seeded generator (mulberry32) whose state fits a checkpoint, with Gaussian draws. */
export function mulberry32(seed: number): { next(): number; normal(): number; state(): number } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    state: () => a,
  };
}
