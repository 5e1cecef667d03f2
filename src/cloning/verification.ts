/**
 * The measures of speaker verification, shared by the scorer's tuning script, its benchmark and
 * its tests, so that every figure quoted for the scorer means the same thing.
 *
 * A trial compares two recordings; a target trial has one speaker on both sides. At a threshold
 * t a trial is accepted when its score is ≥ t: the miss rate is the share of target trials
 * below t, the false-alarm rate the share of non-target trials at or above it. The equal error
 * rate (EER) is where the two meet.
 */

export interface EqualError {
  /** 0..1: the mean of miss and false-alarm rates where they are closest. */
  eer: number;
  /** The score where that happens: accept at or above it. */
  threshold: number;
}

/** EER over the given scores (both lists non-empty). */
export function equalErrorRate(targets: readonly number[], nontargets: readonly number[]): EqualError {
  if (targets.length === 0 || nontargets.length === 0) throw new RangeError('EER needs target and non-target scores');
  const all = [...targets.map((s) => ({ s, target: true })), ...nontargets.map((s) => ({ s, target: false }))].sort((a, b) => a.s - b.s);
  // Threshold just above all[i]: everything up to i rejected.
  let misses = 0;
  let falseAlarms = nontargets.length;
  let best: EqualError = { eer: 1, threshold: all[0]!.s };
  let bestGap = Infinity;
  const consider = (threshold: number) => {
    const miss = misses / targets.length;
    const fa = falseAlarms / nontargets.length;
    const gap = Math.abs(miss - fa);
    if (gap < bestGap) {
      bestGap = gap;
      best = { eer: (miss + fa) / 2, threshold };
    }
  };
  consider(all[0]!.s);
  for (let i = 0; i < all.length; i++) {
    if (all[i]!.target) misses++;
    else falseAlarms--;
    // Only between distinct scores can a threshold separate them.
    if (i + 1 < all.length && all[i + 1]!.s === all[i]!.s) continue;
    consider(i + 1 < all.length ? (all[i]!.s + all[i + 1]!.s) / 2 : all[i]!.s + 1e-9);
  }
  return best;
}

/** 1 − AUC: the chance that a random non-target trial scores at least as high as a random target one (ties count half). */
export function rankError(targets: readonly number[], nontargets: readonly number[]): number {
  const sorted = Float64Array.from(nontargets).sort();
  const below = (x: number, strict: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? sorted[mid]! < x : sorted[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let bad = 0;
  for (const t of targets) {
    const less = below(t, true);
    const ties = below(t, false) - less;
    bad += sorted.length - less - ties / 2;
  }
  return bad / (targets.length * sorted.length);
}

/**
 * The slope a of p = 1 / (1 + e^(−a·(s − threshold))) that maximises the likelihood of the trials,
 * targets and non-targets weighted equally (Newton's method on a; the threshold stays fixed, so
 * p = 0.5 remains exactly there).
 */
export function calibrationSlope(targets: readonly number[], nontargets: readonly number[], threshold: number): number {
  let a = 1;
  for (let iter = 0; iter < 100; iter++) {
    let grad = 0;
    let hess = 0;
    for (const [scores, label] of [
      [targets, 1],
      [nontargets, 0],
    ] as const) {
      const w = 1 / scores.length;
      for (const s of scores) {
        const x = s - threshold;
        const p = 1 / (1 + Math.exp(-a * x));
        grad += w * (label - p) * x;
        hess += w * p * (1 - p) * x * x;
      }
    }
    if (!(hess > 0)) break;
    const step = grad / hess;
    a = Math.max(1e-6, a + step);
    if (Math.abs(step) < 1e-9 * Math.max(1, a)) break;
  }
  return a;
}

export interface TrialScores {
  targets: number[];
  nontargets: number[];
  /** The non-target trials whose two speakers are of one sex. */
  sameSexNontargets: number[];
}

/**
 * Trials over readers with two or more segments each (the halves or thirds of one utterance): a
 * target trial for every pair of one reader's segments, and a non-target trial for every ordered
 * pair of different readers (the first's first segment against the second's second segment).
 */
export function speakerTrials<T>(readers: readonly { sex: string; segments: readonly T[] }[], score: (a: T, b: T) => number): TrialScores {
  const out: TrialScores = { targets: [], nontargets: [], sameSexNontargets: [] };
  for (const r of readers) {
    if (r.segments.length < 2) throw new RangeError('every reader needs at least two segments');
    for (let i = 0; i < r.segments.length; i++) for (let j = i + 1; j < r.segments.length; j++) out.targets.push(score(r.segments[i]!, r.segments[j]!));
  }
  for (let i = 0; i < readers.length; i++) {
    for (let j = 0; j < readers.length; j++) {
      if (i === j) continue;
      const s = score(readers[i]!.segments[0]!, readers[j]!.segments[1]!);
      out.nontargets.push(s);
      if (readers[i]!.sex === readers[j]!.sex) out.sameSexNontargets.push(s);
    }
  }
  return out;
}

/** `samples` cut into `count` equal consecutive segments (the remainder of the division is dropped). */
export function segmentsOf(samples: Float32Array, count: number): Float32Array[] {
  const length = Math.floor(samples.length / count);
  return Array.from({ length: count }, (_, i) => samples.subarray(i * length, (i + 1) * length));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The cosine of two vectors; 0 when either is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}
