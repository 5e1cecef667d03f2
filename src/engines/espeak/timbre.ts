/**
 * espeak-ng voice-file settings ("timbre") of an espeak voice: their limits, espeak's own
 * defaults, and the variant file that carries them to the engine.
 *
 * Facts from espeak-ng's docs/voices.md and src/libespeak-ng/voices.c (VoiceReset, LoadVoice):
 * `pitch base max` in Hz (default 82 118); `formant n freq height width` in percent for
 * formants 0–8 (default 100 100 100); `tone` up to 6 pairs of frequency (Hz, below 8 kHz, the
 * end of espeak's tone table) and amplitude (0–255) (default 600 170 1200 135 2000 110 3000 110);
 * `breath` and `breathw` 8 values for formants 1–8 (breath off by default); `roughness` 0–7
 * (default 2); `flutter` (default 2: espeak stores 32 × n); `voicing` percent (default 100);
 * `echo delay amplitude` in ms and percent (default 0 0; espeak's echo buffer holds about 250 ms).
 * espeak reads every value as an integer, so values are rounded when the file is written.
 */
import { createHash } from 'node:crypto';
import type { EspeakFormant, EspeakVoiceData } from '../engine.js';

/** The timbre keys of EspeakVoiceData, in the order a voice file and the JSON write them. */
export const TIMBRE_KEYS = ['pitchHz', 'formants', 'tone', 'breath', 'breathw', 'roughness', 'flutter', 'voicing', 'echo'] as const;
export type TimbreKey = (typeof TIMBRE_KEYS)[number];

/** Inclusive limits of every timbre number. */
export const TIMBRE_LIMITS = Object.freeze({
  pitchBaseHz: [20, 400],
  pitchMaxHz: [20, 800],
  formantN: [0, 8],
  formantFreq: [40, 250],
  formantHeight: [0, 300],
  formantWidth: [20, 400],
  toneHz: [0, 7999],
  toneAmplitude: [0, 255],
  tonePoints: [1, 6],
  breath: [0, 20],
  breathw: [10, 2000],
  roughness: [0, 7],
  flutter: [0, 20],
  voicing: [0, 200],
  echoDelayMs: [0, 250],
  echoAmplitude: [0, 100],
} as const satisfies Record<string, readonly [number, number]>);

/** Eight values, one per formant 1–8, for `breath` and `breathw`. */
export const BREATH_VALUES = 8;

/** What espeak uses when a voice file says nothing (see the module comment). */
export const TIMBRE_DEFAULTS = Object.freeze({
  pitchHz: Object.freeze({ base: 82, max: 118 }),
  formant: Object.freeze({ freq: 100, height: 100, width: 100 }),
  tone: Object.freeze([
    { hz: 600, amplitude: 170 },
    { hz: 1200, amplitude: 135 },
    { hz: 2000, amplitude: 110 },
    { hz: 3000, amplitude: 110 },
  ]),
  breath: Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]),
  /** voices.c's breath widths for formants 1–8, used while `breathw` is absent. */
  breathw: Object.freeze([200, 200, 400, 400, 400, 600, 600, 600]),
  roughness: 2,
  flutter: 2,
  voicing: 100,
  echo: Object.freeze({ delayMs: 0, amplitude: 0 }),
});

/** Whether the voice sets any voice-file parameter (otherwise the engine selects base+variant as is). */
export function hasTimbre(voice: EspeakVoiceData): boolean {
  return TIMBRE_KEYS.some((key) => voice[key] !== undefined);
}

/** The voice-file lines of the voice's timbre (rounded to espeak's integers). */
export function timbreLines(voice: EspeakVoiceData): string[] {
  const r = Math.round;
  const lines: string[] = [];
  if (voice.pitchHz) lines.push(`pitch ${r(voice.pitchHz.base)} ${r(Math.max(voice.pitchHz.base, voice.pitchHz.max))}`);
  for (const f of sortedFormants(voice.formants ?? [])) lines.push(`formant ${f.n} ${r(f.freq)} ${r(f.height)} ${r(f.width)}`);
  if (voice.tone) lines.push(`tone ${voice.tone.map((p) => `${r(p.hz)} ${r(p.amplitude)}`).join(' ')}`);
  if (voice.breath) lines.push(`breath ${voice.breath.map(r).join(' ')}`);
  if (voice.breathw) lines.push(`breathw ${voice.breathw.map(r).join(' ')}`);
  if (voice.roughness !== undefined) lines.push(`roughness ${r(voice.roughness)}`);
  if (voice.flutter !== undefined) lines.push(`flutter ${r(voice.flutter)}`);
  if (voice.voicing !== undefined) lines.push(`voicing ${r(voice.voicing)}`);
  if (voice.echo) lines.push(`echo ${r(voice.echo.delayMs)} ${r(voice.echo.amplitude)}`);
  return lines;
}

export function sortedFormants(formants: readonly EspeakFormant[]): EspeakFormant[] {
  return [...formants].sort((a, b) => a.n - b.n);
}

/**
 * A variant file for the voice: the chosen variant's own settings (its `name` and `language`
 * lines dropped) with the timbre lines after them, so that the voice's settings win (espeak
 * applies a file's lines in order), and its name, unique per content so a file once written is
 * reused and never changes under a name espeak may have read.
 */
export function variantFile(voice: EspeakVoiceData, variantText: string | null): { name: string; text: string } {
  const inherited = (variantText ?? '')
    .split(/\r?\n/)
    .filter((line) => !/^\s*(name|language)\b/.test(line) && line.trim() !== '' && !line.trim().startsWith('//'));
  const body = [...inherited, ...timbreLines(voice)].join('\n');
  const name = `litetts${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
  return { name, text: `name ${name}\nlanguage variant\n${body}\n` };
}
