/**
 * Power spectra of real frames: an iterative radix-2 FFT of n/2 complex points, unpacked into the
 * n-point real transform (the usual "two reals in one complex" trick, half the work).
 *
 * Hand-written because no FFT package is installed here (fft.js would be the library to use);
 * the scorer needs only fixed power-of-two sizes, and this one is about 60 lines.
 */

interface Plan {
  n: number;
  /** Bit-reversal permutation of n/2. */
  reverse: Uint32Array;
  /** cos/sin of −2πk/(n/2), k < n/4, for the complex stage. */
  cos: Float64Array;
  sin: Float64Array;
  /** cos/sin of −2πk/n, k ≤ n/2, for the real unpacking. */
  cosN: Float64Array;
  sinN: Float64Array;
  re: Float64Array;
  im: Float64Array;
}

const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if (n < 4 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size must be a power of two ≥ 4, got ${n}`);
  const m = n / 2;
  const bits = Math.log2(m);
  const reverse = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    reverse[i] = r;
  }
  const cos = new Float64Array(m / 2);
  const sin = new Float64Array(m / 2);
  for (let k = 0; k < m / 2; k++) {
    cos[k] = Math.cos((-2 * Math.PI * k) / m);
    sin[k] = Math.sin((-2 * Math.PI * k) / m);
  }
  const cosN = new Float64Array(m + 1);
  const sinN = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    cosN[k] = Math.cos((-2 * Math.PI * k) / n);
    sinN[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  p = { n, reverse, cos, sin, cosN, sinN, re: new Float64Array(m), im: new Float64Array(m) };
  plans.set(n, p);
  return p;
}

/**
 * |X[k]|² for k = 0 … n/2 of the n-point DFT of `frame` (zero-padded or truncated to n), into
 * `out` (length ≥ n/2 + 1). n must be a power of two.
 */
export function powerSpectrum(frame: ArrayLike<number>, n: number, out: Float64Array): Float64Array {
  const p = plan(n);
  const m = n / 2;
  const { re, im, reverse, cos, sin } = p;
  // Pack even samples as the real part, odd ones as the imaginary part, in bit-reversed order.
  for (let i = 0; i < m; i++) {
    const j = reverse[i]!;
    const a = 2 * i;
    re[j] = a < frame.length ? frame[a]! : 0;
    im[j] = a + 1 < frame.length ? frame[a + 1]! : 0;
  }
  for (let size = 2; size <= m; size *= 2) {
    const half = size / 2;
    const step = m / size;
    for (let start = 0; start < m; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = sin[k * step]!;
        const i = start + k;
        const j = i + half;
        const tr = re[j]! * wr - im[j]! * wi;
        const ti = re[j]! * wi + im[j]! * wr;
        re[j] = re[i]! - tr;
        im[j] = im[i]! - ti;
        re[i] = re[i]! + tr;
        im[i] = im[i]! + ti;
      }
    }
  }
  // Unpack: X[k] = E[k] + W^k O[k], with E, O the transforms of the even and odd samples.
  const { cosN, sinN } = p;
  for (let k = 0; k <= m; k++) {
    const a = k % m;
    const b = (m - k) % m;
    const zr = re[a]!;
    const zi = im[a]!;
    const cr = re[b]!;
    const ci = -im[b]!;
    const er = 0.5 * (zr + cr);
    const ei = 0.5 * (zi + ci);
    const or = 0.5 * (zi - ci);
    const oi = -0.5 * (zr - cr);
    const xr = er + cosN[k]! * or - sinN[k]! * oi;
    const xi = ei + cosN[k]! * oi + sinN[k]! * or;
    out[k] = xr * xr + xi * xi;
  }
  return out;
}
