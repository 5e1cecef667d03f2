/**
 * Blending the timbre fields of espeak voices (engines/espeak/timbre.ts). A field that no part
 * sets stays absent (the blend then speaks with its variant's own setting, as its parts do); one
 * that some part sets is the weighted mean over all parts, a part without it counting with
 * espeak's default, which is what that part sounds with. Pitch in Hz is mixed geometrically
 * (pitch is heard on a log scale: a mean of 100 and 200 Hz is 141, not 150); the rest
 * arithmetically. Tone curves are mixed point by point on the heaviest tone's frequencies, every
 * curve read there by linear interpolation (flat beyond its end points, as espeak reads it).
 * Results are rounded to the integers espeak reads and kept within the limits.
 */
import type { EspeakFormant, EspeakVoiceData } from '../engines/engine.js';
import { TIMBRE_DEFAULTS, TIMBRE_LIMITS, type TimbreKey } from '../engines/espeak/timbre.js';

type Timbre = Pick<EspeakVoiceData, TimbreKey>;
type Part = { data: EspeakVoiceData; weight: number };

const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, v));

/** The blended timbre of parts with positive weights summing to `total`. */
export function blendTimbre(parts: readonly Part[], total: number): Timbre {
  const L = TIMBRE_LIMITS;
  const D = TIMBRE_DEFAULTS;
  const mean = (value: (d: EspeakVoiceData) => number): number => {
    let sum = 0;
    for (const p of parts) sum += p.weight * value(p.data);
    return sum / total;
  };
  const geoMean = (value: (d: EspeakVoiceData) => number): number => Math.exp(mean((d) => Math.log(value(d))));
  const any = (key: TimbreKey): boolean => parts.some((p) => p.data[key] !== undefined);
  const out: Timbre = {};

  if (any('pitchHz')) {
    const base = clamp(Math.round(geoMean((d) => (d.pitchHz ?? D.pitchHz).base)), L.pitchBaseHz);
    const max = clamp(Math.round(geoMean((d) => (d.pitchHz ?? D.pitchHz).max)), L.pitchMaxHz);
    out.pitchHz = { base, max: Math.max(base, max) };
  }
  if (any('formants')) {
    const ns = [...new Set(parts.flatMap((p) => (p.data.formants ?? []).map((f) => f.n)))].sort((a, b) => a - b);
    const field = (d: EspeakVoiceData, n: number): Omit<EspeakFormant, 'n'> => d.formants?.find((f) => f.n === n) ?? D.formant;
    out.formants = ns.map((n) => ({
      n,
      freq: clamp(Math.round(mean((d) => field(d, n).freq)), L.formantFreq),
      height: clamp(Math.round(mean((d) => field(d, n).height)), L.formantHeight),
      width: clamp(Math.round(mean((d) => field(d, n).width)), L.formantWidth),
    }));
  }
  if (any('tone')) {
    let heaviest: Part | undefined;
    for (const p of parts) if (p.data.tone && (!heaviest || p.weight > heaviest.weight)) heaviest = p;
    out.tone = heaviest!.data.tone!.map(({ hz }) => ({
      hz,
      amplitude: clamp(Math.round(mean((d) => toneAt(d.tone ?? D.tone, hz))), L.toneAmplitude),
    }));
  }
  for (const key of ['breath', 'breathw'] as const) {
    if (!any(key)) continue;
    out[key] = D[key].map((_, i) => clamp(Math.round(mean((d) => (d[key] ?? D[key])[i]!)), L[key]));
  }
  for (const key of ['roughness', 'flutter', 'voicing'] as const) {
    if (any(key)) out[key] = clamp(Math.round(mean((d) => d[key] ?? D[key])), L[key]);
  }
  if (any('echo')) {
    out.echo = {
      delayMs: clamp(Math.round(mean((d) => (d.echo ?? D.echo).delayMs)), L.echoDelayMs),
      amplitude: clamp(Math.round(mean((d) => (d.echo ?? D.echo).amplitude)), L.echoAmplitude),
    };
  }
  return out;
}

/** The tone curve's amplitude at `hz`: linear between its points, flat beyond its ends. */
export function toneAt(tone: readonly { hz: number; amplitude: number }[], hz: number): number {
  const first = tone[0]!;
  if (hz <= first.hz) return first.amplitude;
  for (let i = 1; i < tone.length; i++) {
    const a = tone[i - 1]!;
    const b = tone[i]!;
    if (hz <= b.hz) return a.amplitude + ((b.amplitude - a.amplitude) * (hz - a.hz)) / (b.hz - a.hz);
  }
  return tone[tone.length - 1]!.amplitude;
}
