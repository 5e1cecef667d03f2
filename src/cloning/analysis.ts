/**
 * Reference-audio analysis for voice cloning (`POST /v1/voices/analyze`, and the
 * checks a clone request runs before it accepts its reference audio).
 *
 * Pure computation on mono float samples in [-1, 1] at any rate; no I/O, no resampling.
 *
 * Method, in order (parameters in `ANALYSIS_PARAMS`):
 * 1. Level and clipping on the raw input. A sample counts as clipped when
 *    |x| ≥ 0.99 (of full scale) and it belongs to a run of at least 2 consecutive
 *    such samples (a hard clip or a limiter holds the waveform near the rail), or
 *    when it sits at the rail itself (|x| ≥ 32767/32768; a spiky waveform clipped by
 *    a little is flattened one sample at a time). A peak-normalised recording thus
 *    counts a sample or two, far below any threshold; a pure low-frequency tone
 *    normalised to exactly 0 dBFS counts its crests (several samples above 0.99).
 *    Non-finite samples are treated as 0.
 * 2. DC offset is removed (the global mean); `rms_dbfs` is the level after that,
 *    `peak_dbfs` the raw peak. Levels of silence are −120 dB, never −Infinity.
 * 3. 20 ms frames every 10 ms: energy (variance within the frame, in dB) and
 *    zero-crossing rate. The noise floor is the 10th percentile of the frame
 *    energies (never below −100 dBFS, about the floor of 16-bit audio).
 * 4. Voice activity: a frame is speech when its energy is at least −60 dBFS and
 *    above the noise floor by max(1.5 dB, 30 % of the span from the noise floor to
 *    the 99th percentile of frame energies); runs shorter than 30 ms are dropped;
 *    each run then grows outwards over frames above half that margin (hysteresis)
 *    and, for at most 200 ms, over quieter frames (≥ 1.5 dB above the floor) whose
 *    zero-crossing rate is above the noise's (unvoiced fricatives). When the whole
 *    recording sits at one level (99th − 10th percentile < 2 dB: a steady tone or
 *    steady noise, no pause to tell speech from noise) every frame above −60 dBFS
 *    counts as active.
 * 5. SNR: mean energy of the speech frames, less the noise floor, over the noise
 *    floor (power subtraction, so speech at the noise's own power reads 0 dB);
 *    clamped to ≥ −30 dB; null when there is no speech. Without any pause in the
 *    recording the noise floor cannot be observed and the estimate is low (a
 *    steady tone reads −30 dB).
 * 6. Pitch on each speech frame (see `trackPitch`): the pitchfinder package's YIN
 *    on a copy decimated (CIC low-pass) to ≤ 3.2 kHz, refined on a copy at ≤ 8 kHz.
 *    F0 outside 50–500 Hz counts as unvoiced; a voiced frame with no voiced
 *    neighbour within a quarter octave of its F0 is dropped as a stray detection. Median and
 *    5th–95th percentile range over the voiced frames, reported when there are at
 *    least 5 of them (50 ms).
 *
 * Cost: about 150–200 ms for 60 s of 24 kHz audio on a small, busy 2-core machine,
 * most of it YIN; the input is read a few times and two decimated copies are made
 * (n/3 and n/9 samples at 24 kHz).
 */
import { YIN } from 'pitchfinder';

export interface AudioAnalysis {
  /** Of the input. */
  duration_s: number;
  /** Of the input as given. */
  sample_rate: number;
  /** 0..1, share of 10 ms frames judged speech (voice activity). */
  speech_ratio: number;
  speech_duration_s: number;
  /** 0..1, share of samples at full scale: |x| ≥ 0.99 in runs of ≥ 2 consecutive samples, or at the rail (see the module comment). */
  clipping_ratio: number;
  /** Speech-frame energy vs noise floor (10th percentile of frame energies); null when no speech. */
  snr_db: number | null;
  /** RMS level after DC removal; −120 for silence. */
  rms_dbfs: number;
  /** Peak of the raw input; −120 for silence. */
  peak_dbfs: number;
  /** Over voiced frames. */
  f0_median_hz: number | null;
  /** 5th–95th percentile of voiced-frame F0. */
  f0_range_hz: { min: number; max: number } | null;
  /** Share of speech frames with a pitch. */
  voiced_ratio: number;
  suitability: { ok: boolean; issues: SuitabilityIssue[] };
}

export interface SuitabilityIssue {
  code: 'too_short' | 'too_long' | 'silent' | 'clipped' | 'noisy' | 'little_speech' | 'no_pitch';
  message: string;
  severity: 'error' | 'warning';
}

/** Thresholds that turn the measurements into suitability issues. */
export interface AnalysisLimits {
  /** Less speech than this (seconds) is an error: `too_short`. */
  minSpeechS: number;
  /** A longer input (seconds) is a warning: `too_long`. */
  maxDurationS: number;
  /** A lower speech ratio is a warning: `little_speech`. */
  minSpeechRatio: number;
  /** A higher clipping ratio is a warning: `clipped`. */
  clipWarnRatio: number;
  /** A higher clipping ratio is an error: `clipped`. */
  clipErrorRatio: number;
  /** A lower SNR (dB) is a warning: `noisy`. */
  snrWarnDb: number;
  /** A lower SNR (dB) is an error: `noisy`. */
  snrErrorDb: number;
}

export const DEFAULT_ANALYSIS_LIMITS: Readonly<AnalysisLimits> = Object.freeze({
  minSpeechS: 3,
  maxDurationS: 60,
  minSpeechRatio: 0.3,
  clipWarnRatio: 0.001,
  clipErrorRatio: 0.01,
  snrWarnDb: 15,
  snrErrorDb: 5,
});

/** Fixed parameters of the measurements (see the module comment). */
export const ANALYSIS_PARAMS = Object.freeze({
  hopS: 0.01,
  /** A sample at or above this (|x|) is clipped when it is in a run of `clipMinRun`… */
  clipLevel: 0.99,
  clipMinRun: 2,
  /** …or on its own when it is at the rail: 16-bit full scale (32767/32768) or beyond. */
  railLevel: 32767 / 32768,
  /** Frames quieter than this are never speech. */
  gateDbfs: -60,
  noisePercentile: 10,
  peakPercentile: 99,
  /** The speech threshold sits this share of the way from the noise floor to the peak level… */
  marginShare: 0.3,
  /** …and at least this far above the noise floor. */
  minMarginDb: 1.5,
  /** A recording whose peak level is within this of its noise floor is steady: all active. */
  flatDb: 2,
  minSpeechRunS: 0.03,
  maxZcrExtendS: 0.2,
  f0MinHz: 50,
  f0MaxHz: 500,
  /** Pitch is estimated on every speech frame this far apart. */
  pitchHopS: 0.01,
  /** Pitch is refined at the input rate divided by the smallest integer that brings it to at most this… */
  fineRateMaxHz: 8000,
  /** …and detected (YIN) at that rate divided again, to at most this. */
  coarseRateMaxHz: 3200,
  /** Window of the refinement's difference function. */
  refineWindowS: 0.03,
  /** A sub-period T/k (k ≤ maxSubPeriod) of the detected period T is taken when the normalised difference there is below this. */
  subPeriodD: 0.25,
  maxSubPeriod: 4,
  /** YIN's absolute threshold on the cumulative mean normalised difference. */
  yinThreshold: 0.2,
  /** F0 statistics need at least this many voiced frames. */
  minVoicedFrames: 5,
  floorDb: -120,
  noiseFloorMinDb: -100,
  minSnrDb: -30,
});

const P = ANALYSIS_PARAMS;

export function analyzeAudio(samples: Float32Array, sampleRate: number, limits?: Partial<AnalysisLimits>): AudioAnalysis {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new RangeError(`invalid sample rate: ${sampleRate}`);
  const lim: AnalysisLimits = { ...DEFAULT_ANALYSIS_LIMITS, ...definedOnly(limits ?? {}) };
  let x = samples;
  const n = x.length;
  const duration = n / sampleRate;

  // 1. Peak, clipping, mean (a non-finite sample makes the sum non-finite: redo on a clean copy).
  let level = levels(x);
  if (!Number.isFinite(level.sum)) {
    x = finiteCopy(samples);
    level = levels(x);
  }
  const { peak, clipped } = level;
  const mean = n > 0 ? level.sum / n : 0;

  // 2–3. Frames of two hops: energy (variance) and zero-crossing rate around the global
  // mean, from per-hop block sums so that each sample is read once.
  const hop = Math.max(1, Math.round(P.hopS * sampleRate));
  const frameLen = 2 * hop;
  const nBlocks = Math.floor(n / hop);
  const nFrames = n === 0 ? 0 : n < frameLen ? 1 : nBlocks - 1;
  const energy = new Float64Array(nFrames);
  const energyDb = new Float64Array(nFrames);
  const zcr = new Float64Array(nFrames);
  const blockSum = new Float64Array(nBlocks);
  const blockSq = new Float64Array(nBlocks);
  const blockCross = new Float64Array(nBlocks); // steps into each sample of the block, the first one's included
  let totalSq = 0;
  let prevPositive = n > 0 && x[0]! - mean >= 0;
  for (let b = 0, i = 0; b <= nBlocks; b++) {
    const end = b < nBlocks ? i + hop : n;
    let s1 = 0;
    let s2 = 0;
    let crossings = 0;
    for (; i < end; i++) {
      const v = x[i]! - mean;
      s1 += v;
      s2 += v * v;
      const positive = v >= 0;
      if (positive !== prevPositive) crossings++;
      prevPositive = positive;
    }
    totalSq += s2;
    if (b < nBlocks) {
      blockSum[b] = s1;
      blockSq[b] = s2;
      blockCross[b] = crossings;
    }
  }
  if (nFrames === 1 && n < frameLen) {
    // Shorter than one frame: the whole input is the frame.
    let crossings = 0;
    for (let i = 1; i < n; i++) if ((x[i]! - mean >= 0) !== (x[i - 1]! - mean >= 0)) crossings++;
    energy[0] = totalSq / n;
    zcr[0] = n > 1 ? crossings / (n - 1) : 0;
  } else {
    for (let f = 0; f < nFrames; f++) {
      const m = (blockSum[f]! + blockSum[f + 1]!) / frameLen;
      energy[f] = Math.max(0, (blockSq[f]! + blockSq[f + 1]!) / frameLen - m * m);
      // Less the step into the frame's first sample, which lies outside the frame.
      const crossings = blockCross[f]! + blockCross[f + 1]! - crossedInto(x, mean, f * hop);
      zcr[f] = crossings / (frameLen - 1);
    }
  }
  for (let f = 0; f < nFrames; f++) energyDb[f] = toDb(energy[f]!);

  // 4. Voice activity.
  const speech = new Uint8Array(nFrames);
  let noiseDb: number = P.noiseFloorMinDb;
  if (nFrames > 0) {
    const sorted = Float64Array.from(energyDb).sort();
    noiseDb = Math.max(P.noiseFloorMinDb, percentileSorted(sorted, P.noisePercentile));
    const peakDb = percentileSorted(sorted, P.peakPercentile);
    if (peakDb - noiseDb < P.flatDb) {
      for (let f = 0; f < nFrames; f++) speech[f] = energyDb[f]! >= P.gateDbfs ? 1 : 0;
    } else {
      const margin = Math.max(P.minMarginDb, P.marginShare * (peakDb - noiseDb));
      const high = Math.max(P.gateDbfs, noiseDb + margin);
      const low = Math.max(P.gateDbfs, noiseDb + Math.max(P.minMarginDb, margin / 2));
      const floor = Math.max(P.gateDbfs, noiseDb + P.minMarginDb);
      for (let f = 0; f < nFrames; f++) speech[f] = energyDb[f]! >= high ? 1 : 0;
      dropShortRuns(speech, Math.max(1, Math.round(P.minSpeechRunS / P.hopS)));
      const zcrThreshold = noiseZcrThreshold(energyDb, zcr, noiseDb);
      extendRuns(speech, energyDb, zcr, low, floor, zcrThreshold, Math.round(P.maxZcrExtendS / P.hopS));
    }
  }
  let speechFrames = 0;
  let speechEnergy = 0;
  for (let f = 0; f < nFrames; f++) {
    if (speech[f]) {
      speechFrames++;
      speechEnergy += energy[f]!;
    }
  }
  const speechRatio = nFrames > 0 ? speechFrames / nFrames : 0;
  const speechDuration = speechRatio * duration;

  // 5. SNR.
  let snr: number | null = null;
  if (speechFrames > 0) {
    const noise = 10 ** (noiseDb / 10);
    const ratio = (speechEnergy / speechFrames - noise) / noise;
    snr = Math.max(P.minSnrDb, 10 * Math.log10(Math.max(ratio, 1e-30)));
  }

  // 6. Pitch on speech frames.
  // (Below 1 kHz there is no room for a 500 Hz voice: no pitch.)
  const f0s = speechFrames > 0 && sampleRate >= 2 * P.f0MaxHz ? trackPitch(x, mean, sampleRate, speech, hop, frameLen) : [];
  f0s.sort((a, b) => a - b);
  const pitched = f0s.length >= P.minVoicedFrames;
  const f0Median = pitched ? percentileSorted(f0s, 50) : null;
  const f0Range = pitched ? { min: percentileSorted(f0s, 5), max: percentileSorted(f0s, 95) } : null;
  const voicedRatio = speechFrames > 0 ? f0s.length / speechFrames : 0;

  const analysis: Omit<AudioAnalysis, 'suitability'> = {
    duration_s: duration,
    sample_rate: sampleRate,
    speech_ratio: speechRatio,
    speech_duration_s: speechDuration,
    clipping_ratio: n > 0 ? clipped / n : 0,
    snr_db: snr,
    rms_dbfs: n > 0 ? toDb(totalSq / n) : P.floorDb,
    peak_dbfs: toDb(peak * peak),
    f0_median_hz: f0Median,
    f0_range_hz: f0Range,
    voiced_ratio: voicedRatio,
  };
  const issues = judge(analysis, lim);
  return { ...analysis, suitability: { ok: !issues.some((i) => i.severity === 'error'), issues } };
}

function judge(a: Omit<AudioAnalysis, 'suitability'>, lim: AnalysisLimits): SuitabilityIssue[] {
  const issues: SuitabilityIssue[] = [];
  const silent = a.speech_ratio === 0;
  if (silent) {
    issues.push({
      code: 'silent',
      severity: 'error',
      message: 'No speech was detected: check the input level and record clear speech.',
    });
  }
  if (a.speech_duration_s < lim.minSpeechS && (!silent || a.duration_s < lim.minSpeechS)) {
    issues.push({
      code: 'too_short',
      severity: 'error',
      message: `Only ${fmt(a.speech_duration_s)} s of speech was found: record at least ${fmt(lim.minSpeechS)} seconds of clear speech.`,
    });
  }
  if (a.duration_s > lim.maxDurationS) {
    issues.push({
      code: 'too_long',
      severity: 'warning',
      message: `The recording is ${fmt(a.duration_s)} s long: trim it to a clean excerpt of at most ${fmt(lim.maxDurationS)} seconds.`,
    });
  }
  if (a.clipping_ratio > Math.min(lim.clipWarnRatio, lim.clipErrorRatio)) {
    const error = a.clipping_ratio > lim.clipErrorRatio;
    issues.push({
      code: 'clipped',
      severity: error ? 'error' : 'warning',
      message: `${pct(a.clipping_ratio)} of the samples are clipped: lower the recording gain so peaks stay below full scale${error ? ' and record again' : ''}.`,
    });
  }
  if (a.snr_db !== null && a.snr_db < Math.max(lim.snrWarnDb, lim.snrErrorDb)) {
    const error = a.snr_db < lim.snrErrorDb;
    issues.push({
      code: 'noisy',
      severity: error ? 'error' : 'warning',
      message: `The estimated signal-to-noise ratio is ${fmt(a.snr_db)} dB: record in a quieter place, closer to the microphone${error ? '; this is too noisy to clone from' : ''}.`,
    });
  }
  if (!silent && a.speech_ratio < lim.minSpeechRatio) {
    issues.push({
      code: 'little_speech',
      severity: 'warning',
      message: `Only ${pct(a.speech_ratio)} of the recording is speech: trim leading and trailing silence and long pauses.`,
    });
  }
  if (!silent && a.f0_median_hz === null) {
    issues.push({
      code: 'no_pitch',
      severity: 'warning',
      message: 'No voice pitch was found in the speech: use normal voiced speech (not whispering, music or noise).',
    });
  }
  return issues;
}

/**
 * F0 of the voiced speech frames (unsorted), in two passes per frame:
 * - detection: pitchfinder's YIN on a copy decimated to at most `coarseRateMaxHz`, where a
 *   window of 128 samples covers periods down to 50 Hz (YIN's cost grows with the square of
 *   the window, so this rate is what makes it fast);
 * - refinement on a copy decimated to at most `fineRateMaxHz`: the period is the
 *   parabolic vertex of the (normalised) difference function d(τ) = Σ (y[i] − y[i+τ])²
 *   around the detected one, or around a half, third or quarter of it when the signal is
 *   about as periodic there, which undoes YIN's octave-down errors for high voices at the
 *   coarse rate (and turns a tone above 500 Hz into an unvoiced frame, not a subharmonic).
 */
function trackPitch(x: Float32Array, mean: number, sampleRate: number, speech: Uint8Array, hop: number, frameLen: number): number[] {
  const fineFactor = Math.max(1, Math.ceil(sampleRate / P.fineRateMaxHz));
  const fineRate = sampleRate / fineFactor;
  const fine = fineFactor > 1 ? decimate(x, mean, fineFactor, 3) : centred(x, mean);
  const coarseFactor = Math.max(1, Math.ceil(fineRate / P.coarseRateMaxHz));
  const coarseRate = fineRate / coarseFactor;
  const coarse = coarseFactor > 1 ? decimate(fine, 0, coarseFactor, 4) : fine;
  // pitchfinder's YIN uses the largest power of two below the buffer's length and
  // searches lags up to half of that: the window must hold two periods of the lowest F0.
  let size = 4;
  while (size / 2 <= Math.ceil(coarseRate / P.f0MinHz) + 1) size *= 2;
  const detect = YIN({ sampleRate: coarseRate, threshold: P.yinThreshold });
  const scratch = new Float32Array(size + 1);
  const width = Math.round(P.refineWindowS * fineRate);
  const minPeriod = fineRate / P.f0MaxHz;
  const maxPeriod = fineRate / P.f0MinHz;
  const nFrames = speech.length;
  const pitch = new Float64Array(nFrames);
  const step = Math.max(1, Math.round(P.pitchHopS / P.hopS));
  for (let f = 0; f < nFrames; f += step) {
    if (!speech[f]) continue;
    const centre = (f * hop + frameLen / 2) / fineFactor;
    const f0 = detect(normalised(slice(coarse, Math.round(centre / coarseFactor) - size / 2, size + 1, scratch), scratch));
    if (f0 === null || !Number.isFinite(f0) || f0 < P.f0MinHz * 0.8 || f0 > P.f0MaxHz * 1.25) continue;
    let period = fineRate / f0;
    const start = Math.round(centre - (width + period) / 2);
    let best = descend(fine, start, width, period);
    // YIN can lock onto a multiple of the period (at this coarse rate, when the true period
    // is far from a whole number of samples): take the shortest sub-period T/k at which the
    // signal is about as periodic. Above f0MaxHz, the frame is then unvoiced.
    for (let k = P.maxSubPeriod; k >= 2; k--) {
      const sub = best.period / k;
      if (sub < 2 || diff(fine, start, width, Math.round(sub)) > 2 * P.subPeriodD) continue;
      const candidate = descend(fine, start, width, sub);
      if (candidate.d < P.subPeriodD && candidate.d < 2 * best.d + 0.05) {
        best = candidate;
        break;
      }
    }
    period = best.period;
    if (period >= minPeriod && period <= maxPeriod) pitch[f] = fineRate / period;
  }
  // A voiced frame needs a voiced neighbour (one pitch step away) with a similar F0: drops stray detections.
  const out: number[] = [];
  for (let f = 0; f < nFrames; f += step) {
    const v = pitch[f]!;
    if (v === 0) continue;
    if (near(v, f - step >= 0 ? pitch[f - step]! : 0) || near(v, f + step < nFrames ? pitch[f + step]! : 0)) {
      for (let k = 0; k < step && f + k < nFrames; k++) if (speech[f + k]) out.push(v);
    }
  }
  return out;
}

/**
 * From lag `guess`, walks downhill on the normalised difference function
 * d(τ) = Σ (y[i] − y[i+τ])² / Σ (y[i]² + y[i+τ]²) over `width` samples from `start` (0 for
 * a perfectly periodic signal, about 1 for noise), then takes the parabolic vertex.
 */
function descend(y: Float32Array, start: number, width: number, guess: number): { period: number; d: number } {
  const reach = Math.max(3, Math.ceil(guess * 0.1));
  let t = Math.max(1, Math.round(guess));
  let here = diff(y, start, width, t);
  let left = t > 1 ? diff(y, start, width, t - 1) : Infinity;
  let right = diff(y, start, width, t + 1);
  for (let moved = 0; moved < reach; moved++) {
    if (left < here && left <= right) {
      right = here;
      here = left;
      t--;
      left = t > 1 ? diff(y, start, width, t - 1) : Infinity;
    } else if (right < here) {
      left = here;
      here = right;
      t++;
      right = diff(y, start, width, t + 1);
    } else break;
  }
  const denom = left - 2 * here + right;
  const shift = Number.isFinite(denom) && denom > 0 ? (0.5 * (left - right)) / denom : 0;
  return { period: t + Math.max(-0.5, Math.min(0.5, shift)), d: here };
}

function diff(y: Float32Array, start: number, width: number, tau: number): number {
  let num = 0;
  let den = 0;
  if (start >= 0 && start + width + tau <= y.length) {
    for (let i = start, end = start + width; i < end; i++) {
      const a = y[i]!;
      const b = y[i + tau]!;
      const d = a - b;
      num += d * d;
      den += a * a + b * b;
    }
  } else {
    for (let i = start, end = start + width; i < end; i++) {
      const a = i >= 0 && i < y.length ? y[i]! : 0;
      const j = i + tau;
      const b = j >= 0 && j < y.length ? y[j]! : 0;
      const d = a - b;
      num += d * d;
      den += a * a + b * b;
    }
  }
  return den > 0 ? num / den : 1;
}

/** `length` samples of `y` from `start` (zero outside it), without copying when possible. */
function slice(y: Float32Array, start: number, length: number, scratch: Float32Array): Float32Array {
  if (start >= 0 && start + length <= y.length) return y.subarray(start, start + length);
  const out = scratch.subarray(0, length);
  out.fill(0);
  for (let i = 0; i < length; i++) {
    const j = start + i;
    if (j >= 0 && j < y.length) out[i] = y[j]!;
  }
  return out;
}

/**
 * `y` scaled to an RMS of 100 (into `out`, which may be `y` itself). pitchfinder's YIN seeds its
 * running sum of the difference function with 1 instead of d(1), so on quiet input its
 * normalised difference collapses at the shortest lags and it reports a spurious high pitch;
 * at this scale the seed is negligible.
 */
function normalised(y: Float32Array, out: Float32Array): Float32Array {
  let e = 0;
  for (let i = 0; i < y.length; i++) e += y[i]! * y[i]!;
  const target = out.subarray(0, y.length);
  if (e === 0) {
    target.fill(0);
    return target;
  }
  const gain = Math.sqrt((1e4 * y.length) / e);
  for (let i = 0; i < y.length; i++) target[i] = y[i]! * gain;
  return target;
}

function near(a: number, b: number): boolean {
  return b > 0 && Math.abs(Math.log2(a / b)) < 0.25;
}

/**
 * Keeps every `factor`-th sample of (x − mean) after a centred cascade of `order` moving
 * averages of `factor` samples (a CIC filter: nulls on every frequency that would alias
 * onto 0 Hz, about −12 dB at the new Nyquist frequency for order 3), which is anti-aliasing
 * enough for a pitch tracker and costs `order` × `factor` taps per output sample.
 */
function decimate(x: Float32Array, mean: number, factor: number, order: number): Float32Array {
  let taps = Float64Array.of(1);
  for (let k = 0; k < order; k++) {
    const next = new Float64Array(taps.length + factor - 1);
    for (let i = 0; i < taps.length; i++) for (let j = 0; j < factor; j++) next[i + j]! += taps[i]! / factor;
    taps = next;
  }
  const half = (taps.length - 1) >> 1;
  const n = x.length;
  const out = new Float32Array(Math.ceil(n / factor));
  for (let o = 0; o < out.length; o++) {
    const c = o * factor;
    let acc = 0;
    if (c - half >= 0 && c - half + taps.length <= n) {
      for (let k = 0, j = c - half; k < taps.length; k++, j++) acc += taps[k]! * x[j]!;
      acc -= mean;
    } else {
      for (let k = 0, j = c - half; k < taps.length; k++, j++) if (j >= 0 && j < n) acc += taps[k]! * (x[j]! - mean);
    }
    out[o] = acc;
  }
  return out;
}

function centred(x: Float32Array, mean: number): Float32Array {
  if (mean === 0) return x;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - mean;
  return out;
}

/** Zero-crossing rate above which a quiet frame looks like a fricative rather than the noise. */
function noiseZcrThreshold(energyDb: Float64Array, zcr: Float64Array, noiseDb: number): number {
  const quiet: number[] = [];
  for (let f = 0; f < energyDb.length; f++) if (energyDb[f]! <= noiseDb + P.minMarginDb) quiet.push(zcr[f]!);
  quiet.sort((a, b) => a - b);
  const typical = quiet.length > 0 ? percentileSorted(quiet, 90) : 0;
  return Math.max(0.25, typical + 0.1);
}

function dropShortRuns(flags: Uint8Array, minRun: number): void {
  let f = 0;
  while (f < flags.length) {
    if (!flags[f]) {
      f++;
      continue;
    }
    let end = f;
    while (end < flags.length && flags[end]) end++;
    if (end - f < minRun) flags.fill(0, f, end);
    f = end;
  }
}

/** Grows each speech run over frames above `low`, then (at most `maxZcr` frames) over frames above `floor` with a high ZCR. */
function extendRuns(
  flags: Uint8Array,
  energyDb: Float64Array,
  zcr: Float64Array,
  low: number,
  floor: number,
  zcrThreshold: number,
  maxZcr: number,
): void {
  const core = Uint8Array.from(flags);
  const n = flags.length;
  const grow = (from: number, step: 1 | -1): void => {
    let zcrUsed = 0;
    for (let f = from; f >= 0 && f < n && !core[f]; f += step) {
      const e = energyDb[f]!;
      if (e >= low && zcrUsed === 0) flags[f] = 1;
      else if (e >= floor && zcr[f]! >= zcrThreshold && zcrUsed < maxZcr) {
        flags[f] = 1;
        zcrUsed++;
      } else break;
    }
  };
  for (let f = 0; f < n; f++) {
    if (!core[f]) continue;
    if (f === 0 || !core[f - 1]) grow(f - 1, -1);
    if (f === n - 1 || !core[f + 1]) grow(f + 1, 1);
  }
}

/** Linear-interpolated percentile (0–100) of ascending values; NaN when empty. */
function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const t = pos - lo;
  return sorted[lo]! * (1 - t) + sorted[hi]! * t;
}

function toDb(power: number): number {
  return power > 0 ? Math.max(P.floorDb, 10 * Math.log10(power)) : P.floorDb;
}

/** Sum, peak |x| and the number of clipped samples (see `clipLevel`, `clipMinRun`, `railLevel`). */
function levels(x: Float32Array): { sum: number; peak: number; clipped: number } {
  let sum = 0;
  let peak = 0;
  let clipped = 0;
  let run = 0;
  let railInRun = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    sum += v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
    if (a >= P.clipLevel) {
      run++;
      if (a >= P.railLevel) railInRun++;
    } else if (run > 0) {
      clipped += run >= P.clipMinRun ? run : railInRun;
      run = 0;
      railInRun = 0;
    }
  }
  clipped += run >= P.clipMinRun ? run : railInRun;
  return { sum, peak, clipped };
}

/** Whether the step from sample i − 1 to sample i crosses the mean (false at the ends). */
function crossedInto(x: Float32Array, mean: number, i: number): number {
  if (i <= 0 || i >= x.length) return 0;
  return x[i]! - mean >= 0 !== x[i - 1]! - mean >= 0 ? 1 : 0;
}

function finiteCopy(samples: Float32Array): Float32Array {
  const copy = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) copy[i] = Number.isFinite(samples[i]!) ? samples[i]! : 0;
  return copy;
}

function definedOnly(limits: Partial<AnalysisLimits>): Partial<AnalysisLimits> {
  const out: Partial<AnalysisLimits> = {};
  for (const [k, v] of Object.entries(limits) as [keyof AnalysisLimits, number | undefined][]) {
    if (typeof v === 'number' && !Number.isNaN(v)) out[k] = v;
  }
  return out;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function pct(ratio: number): string {
  const p = ratio * 100;
  return `${p >= 10 ? Math.round(p) : p >= 1 ? p.toFixed(1) : p.toFixed(2)} %`;
}
