/**
 * Synthetic voiced speech with known pitch and formants, for the speaker-feature tests: a glottal
 * pulse train (with 1 % vibrato) through a cascade of two-pole resonators, one per formant
 * (the classic source-filter vowel), with 20 ms raised-cosine onsets and offsets.
 */

export interface Vowel {
  /** Formant frequencies and bandwidths, Hz. */
  formants: readonly { hz: number; bandwidth: number }[];
  seconds: number;
}

export interface VoiceSpec {
  f0: number;
  vowels: readonly Vowel[];
  /** Silence between vowels, and before the first and after the last (default 0.15 s). */
  gapS?: number;
  /** Peak level (default 0.3). */
  level?: number;
  /** Standard deviation of white noise added everywhere (default 0: none). */
  noise?: number;
  seed?: number;
}

export const VOWEL_A = { hz: [730, 1090, 2440, 3400], seconds: 0.4 } as const;
export const VOWEL_I = { hz: [270, 2290, 3010, 3700], seconds: 0.4 } as const;
export const VOWEL_U = { hz: [300, 870, 2240, 3300], seconds: 0.4 } as const;

/** A vowel from formant frequencies, with bandwidths growing with frequency (60 Hz + 6 %). */
export function vowel(hz: readonly number[], seconds: number): Vowel {
  return { formants: hz.map((f) => ({ hz: f, bandwidth: 60 + 0.06 * f })), seconds };
}

export function synthesize(spec: VoiceSpec, sampleRate: number): Float32Array {
  const gap = Math.round((spec.gapS ?? 0.15) * sampleRate);
  const parts: Float32Array[] = [];
  let phase = 0;
  for (const v of spec.vowels) {
    const n = Math.round(v.seconds * sampleRate);
    const source = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const f = spec.f0 * (1 + 0.01 * Math.sin((2 * Math.PI * 5 * i) / sampleRate));
      phase += f / sampleRate;
      if (phase >= 1) {
        phase -= 1;
        source[i] = 1;
      }
    }
    let y = source;
    for (const { hz, bandwidth } of v.formants) {
      const r = Math.exp((-Math.PI * bandwidth) / sampleRate);
      const a1 = 2 * r * Math.cos((2 * Math.PI * hz) / sampleRate);
      const a2 = -r * r;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = (1 - r) * y[i]! + a1 * (i > 0 ? out[i - 1]! : 0) + a2 * (i > 1 ? out[i - 2]! : 0);
      y = out;
    }
    const ramp = Math.round(0.02 * sampleRate);
    let peak = 0;
    for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(y[i]!));
    const seg = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const edge = Math.min(i, n - 1 - i);
      const env = edge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp) : 1;
      seg[i] = peak > 0 ? ((spec.level ?? 0.3) * env * y[i]!) / peak : 0;
    }
    parts.push(new Float32Array(gap), seg);
  }
  parts.push(new Float32Array(gap));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  if (spec.noise) {
    const rand = random(spec.seed ?? 1);
    for (let i = 0; i < total; i++) out[i]! += spec.noise * Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** Deterministic uniform [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
