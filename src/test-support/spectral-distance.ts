/**
 * How different two renderings sound, for tests where sample-exact equality cannot hold (espeak-ng
 * in a server carries state from one utterance to the next and seeds its noise from the clock):
 * log-mel frames of each, aligned by dynamic time warping, the mean distance per aligned frame.
 * The same words rendered twice come out near 0; a changed vowel or consonant far from it.
 */
import { fbank } from '../cloning/mel.js';

const BINS = 40;

export function spectralDistance(a: Int16Array, b: Int16Array, sampleRate: number): number {
  const fa = frames(a, sampleRate);
  const fb = frames(b, sampleRate);
  const n = fa.length;
  const m = fb.length;
  if (n === 0 || m === 0) return Infinity;
  // cost[i][j]: the cheapest path to (i, j); steps (1,0), (0,1), (1,1); length counted for the mean.
  const cost = new Float64Array((n + 1) * (m + 1)).fill(Infinity);
  const steps = new Float64Array((n + 1) * (m + 1));
  cost[0] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const d = distance(fa[i - 1]!, fb[j - 1]!);
      const at = i * (m + 1) + j;
      const options = [(i - 1) * (m + 1) + j - 1, (i - 1) * (m + 1) + j, i * (m + 1) + j - 1];
      let best = options[0]!;
      for (const o of options) if (cost[o]! < cost[best]!) best = o;
      cost[at] = cost[best]! + d;
      steps[at] = steps[best]! + 1;
    }
  }
  const end = n * (m + 1) + m;
  return cost[end]! / steps[end]!;
}

function frames(pcm: Int16Array, sampleRate: number): Float32Array[] {
  const fb = fbank(Float32Array.from(pcm, (s) => s / 32768), { sampleRate, bins: BINS, lowHz: 60, highHz: 8000 });
  return Array.from({ length: fb.frames }, (_, t) => fb.logMel.subarray(t * BINS, (t + 1) * BINS));
}

function distance(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += (x[k]! - y[k]!) ** 2;
  return Math.sqrt(s / x.length);
}
