/**
 * Linear discriminant analysis for the speaker scorer's tuning (scripts/tune-scorer.ts), and the
 * projection it produces, which the scorer applies at run time.
 *
 * Features are standardised (z-scores over all training segments), the within-speaker scatter Sw
 * is shrunk towards a multiple of the identity (Sw ← (1 − α)·Sw + α·tr(Sw)/D·I: with ~125
 * speakers the raw estimate is too noisy to invert), and the directions maximising
 * between-speaker over within-speaker variance are kept: P = U_kᵀ·Sw^(−1/2), where U_k holds the
 * top k eigenvectors of Sw^(−1/2)·Sb·Sw^(−1/2). In the projected space the within-speaker
 * scatter is the identity (so cosine scoring weighs every kept direction by how well it tells
 * speakers apart).
 */

export interface Projection {
  /** Per input feature: the training mean (also what a missing value becomes) and standard deviation. */
  mean: number[];
  scale: number[];
  /** k rows of D weights, applied to the z-scores. */
  matrix: number[][];
}

export interface LdaOptions {
  /** α, 0..1. */
  shrink: number;
  /** k, the output dimensions (at most D). */
  dims: number;
}

/** Symmetric eigendecomposition (cyclic Jacobi): eigenvalues descending, vectors[i] the i-th eigenvector. */
export function eigenSymmetric(matrix: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = matrix.length;
  const a = matrix.map((row) => [...row]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let scale = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scale += a[i]![j]! ** 2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i]![j]! ** 2;
    if (off <= 1e-24 * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]!);
  return { values: order.map((i) => a[i]![i]!), vectors: order.map((i) => v.map((row) => row[i]!)) };
}

/** Fits the projection to `groups` (one array of feature vectors per speaker, each with ≥ 1 vector). NaN values are treated as missing. */
export function fitLda(groups: readonly (readonly ArrayLike<number>[])[], options: LdaOptions): Projection & { eigenvalues: number[] } {
  const all = groups.flat();
  if (all.length === 0) throw new RangeError('LDA needs training vectors');
  const d = all[0]!.length;
  const mean = new Array<number>(d).fill(0);
  const count = new Array<number>(d).fill(0);
  for (const x of all) {
    for (let i = 0; i < d; i++) {
      if (Number.isFinite(x[i]!)) {
        mean[i]! += x[i]!;
        count[i]!++;
      }
    }
  }
  for (let i = 0; i < d; i++) mean[i] = count[i]! > 0 ? mean[i]! / count[i]! : 0;
  const scale = new Array<number>(d).fill(0);
  for (const x of all) for (let i = 0; i < d; i++) scale[i]! += ((Number.isFinite(x[i]!) ? x[i]! : mean[i]!) - mean[i]!) ** 2;
  for (let i = 0; i < d; i++) scale[i] = Math.sqrt(scale[i]! / all.length) || 1;
  const z = groups.map((g) => g.map((x) => standardise({ mean, scale }, x)));

  const within = square(d);
  const between = square(d);
  let n = 0;
  for (const g of z) {
    const m = new Array<number>(d).fill(0);
    for (const x of g) for (let i = 0; i < d; i++) m[i]! += x[i]! / g.length;
    for (const x of g) {
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) within[i]![j]! += (x[i]! - m[i]!) * (x[j]! - m[j]!);
      n++;
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) between[i]![j]! += (m[i]! * m[j]!) / z.length;
  }
  let trace = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) within[i]![j]! /= n;
    trace += within[i]![i]!;
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) within[i]![j] = (1 - options.shrink) * within[i]![j]! + (i === j ? (options.shrink * trace) / d : 0);
  }

  const w = eigenSymmetric(within);
  // Sw^(−1/2) as rows: eigenvector k scaled by 1/√λ_k (then rotated back, which cosine scoring ignores).
  const whiten = w.vectors.map((vec, k) => vec.map((x) => x / Math.sqrt(Math.max(w.values[k]!, 1e-12))));
  const b = multiply(multiply(whiten, between), transpose(whiten));
  const e = eigenSymmetric(b);
  const dims = Math.min(options.dims, d);
  const matrix = multiply(e.vectors.slice(0, dims), whiten);
  return { mean, scale, matrix, eigenvalues: e.values.slice(0, dims) };
}

/** z-scores of `x`; a missing (non-finite) value becomes the mean, z = 0. */
export function standardise(p: Pick<Projection, 'mean' | 'scale'>, x: ArrayLike<number>): number[] {
  const out = new Array<number>(p.mean.length);
  for (let i = 0; i < out.length; i++) out[i] = Number.isFinite(x[i]!) ? (x[i]! - p.mean[i]!) / p.scale[i]! : 0;
  return out;
}

export function project(p: Projection, x: ArrayLike<number>): Float64Array {
  const z = standardise(p, x);
  return Float64Array.from(p.matrix, (row) => row.reduce((s, w, i) => s + w * z[i]!, 0));
}

function square(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

function transpose(a: number[][]): number[][] {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

function multiply(a: number[][], b: number[][]): number[][] {
  const inner = b.length;
  const cols = b[0]!.length;
  return a.map((row) => {
    const out = new Array<number>(cols).fill(0);
    for (let k = 0; k < inner; k++) {
      const x = row[k]!;
      if (x === 0) continue;
      const bk = b[k]!;
      for (let j = 0; j < cols; j++) out[j]! += x * bk[j]!;
    }
    return out;
  });
}
