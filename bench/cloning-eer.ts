import { resample } from '../src/audio/resample.js';
import { cepstra, cepstralStats } from '../src/cloning/features.js';
import { MIN_SPEECH_SECONDS, similarity, speakerFeatures, type SpeakerFeatures } from '../src/cloning/scorer.js';
import { cosine, equalErrorRate, median, segmentsOf, speakerTrials, type TrialScores } from '../src/cloning/verification.js';
import { decodeAll, findSpeechCorpus, listUtterances, splitReaders, type Utterance } from '../src/test-support/speech-corpus.js';
import type { BenchResult } from './report.js';

const RATE = 16_000;
const TARGET_EER = 0.05;
const MAX_MS_PER_S = 50;

/** Readers whose utterance is at least this long (3 s per half) make the second, duration-limited figure. */
const MIN_SECONDS = 6;

interface Scored {
  sex: string;
  seconds: number;
  halves: [SpeakerFeatures, SpeakerFeatures];
  thirds: SpeakerFeatures[];
  baseline: [Float64Array, Float64Array];
}

/**
 * Speaker verification on real speech (the 251 LibriSpeech readers of shared/data/speech, one
 * utterance each): same-speaker trials are the two halves of one utterance, different-speaker
 * trials the halves of two readers. The scorer was tuned on the tuning readers only
 * (scripts/tune-scorer.ts); its EER is measured on the held-out ones, next to a plain baseline
 * with nothing learned (cosine of the MFCC c1–c19 means and standard deviations over the same
 * speech frames), on the same trials, in the same run.
 */
export async function benchScorer(): Promise<BenchResult[]> {
  const dir = findSpeechCorpus();
  if (!dir) {
    process.stdout.write('\nscorer: the speech corpus (shared/data/speech) is not here; skipped\n');
    return [];
  }
  const { tuning, heldOut } = splitReaders(listUtterances(dir));
  const [tuned, held] = [await scoreAll(tuning), await scoreAll(heldOut)];

  const score = (a: SpeakerFeatures, b: SpeakerFeatures) => similarity(a, b);
  const heldHalves = speakerTrials(held.scored.map((r) => ({ sex: r.sex, segments: r.halves })), score);
  const longEnough = held.scored.filter((r) => r.seconds >= MIN_SECONDS);
  const heldLong = speakerTrials(longEnough.map((r) => ({ sex: r.sex, segments: r.halves })), score);
  const heldThirds = speakerTrials(held.scored.map((r) => ({ sex: r.sex, segments: r.thirds })), score);
  const tuningHalves = speakerTrials(tuned.scored.map((r) => ({ sex: r.sex, segments: r.halves })), score);
  const baseline = speakerTrials(held.scored.map((r) => ({ sex: r.sex, segments: r.baseline })), cosine);

  const eer = equalErrorRate(heldHalves.targets, heldHalves.nontargets).eer;
  const sameSex = equalErrorRate(heldHalves.targets, heldHalves.sameSexNontargets).eer;
  const long = equalErrorRate(heldLong.targets, heldLong.nontargets).eer;
  const thirds = equalErrorRate(heldThirds.targets, heldThirds.nontargets).eer;
  const tuningEer = equalErrorRate(tuningHalves.targets, tuningHalves.nontargets).eer;
  const base = equalErrorRate(baseline.targets, baseline.nontargets).eer;
  const baseSameSex = equalErrorRate(baseline.targets, baseline.sameSexNontargets).eer;
  const cost48 = await costAt48k(heldOut.slice(0, 12));
  const counts = (t: TrialScores) => `${t.targets.length} same / ${t.nontargets.length} different-speaker trials`;
  const above = (scores: number[]) => scores.filter((s) => s >= 0.5).length / scores.length;
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  // Halves with too little speech score 0 against everything (a miss in their same-speaker trial).
  const short = held.scored.filter((r) => r.halves.some((h) => h.speechSeconds < MIN_SPEECH_SECONDS)).length;

  return [
    {
      name: 'held-out EER, halves',
      ratio: eer,
      target: `<= ${TARGET_EER}`,
      pass: eer <= TARGET_EER,
      detail: `${pct(eer)}; ${held.scored.length} held-out readers, ${counts(heldHalves)}; ${short} reader(s) with a half under ${MIN_SPEECH_SECONDS} s of speech`,
    },
    {
      name: 'held-out EER, same-sex pairs only',
      ratio: sameSex,
      target: 'report',
      pass: true,
      detail: `${pct(sameSex)}; ${heldHalves.sameSexNontargets.length} different-speaker trials of one sex (baseline ${pct(baseSameSex)})`,
    },
    {
      name: `held-out EER, utterances >= ${MIN_SECONDS} s`,
      ratio: long,
      target: 'report',
      pass: true,
      detail: `${pct(long)}; ${longEnough.length} of the ${held.scored.length} held-out readers`,
    },
    { name: 'held-out EER, thirds (shorter)', ratio: thirds, target: 'report', pass: true, detail: `${pct(thirds)}; ${counts(heldThirds)}` },
    {
      name: 'baseline EER, MFCC mean+sd cosine',
      ratio: base,
      target: 'report',
      pass: true,
      detail: `${pct(base)}; held-out halves, nothing learned`,
    },
    { name: 'scorer EER / baseline EER', ratio: eer / base, target: '< 1', pass: eer < base, detail: 'held-out halves, same trials' },
    {
      name: 'tuning EER, halves (in sample)',
      ratio: tuningEer,
      target: 'report',
      pass: true,
      detail: `${pct(tuningEer)}; the ${tuned.scored.length} readers the projection was fitted on: optimistic`,
    },
    {
      name: 'held-out median score, same speaker',
      ratio: median(heldHalves.targets),
      target: 'report',
      pass: true,
      detail: `${pct(above(heldHalves.targets))} of same-speaker trials score >= 0.5`,
    },
    {
      name: 'held-out median score, different',
      ratio: median(heldHalves.nontargets),
      target: 'report',
      pass: true,
      detail: `${pct(above(heldHalves.nontargets))} of different-speaker trials score >= 0.5; same-sex median ${median(heldHalves.sameSexNontargets).toFixed(3)}`,
    },
    {
      name: 'cost, 16 kHz input (ms per s of audio)',
      ratio: held.msPerSecond,
      target: `< ${MAX_MS_PER_S}`,
      pass: held.msPerSecond < MAX_MS_PER_S,
      detail: `speakerFeatures over ${held.seconds.toFixed(0)} s of held-out halves`,
    },
    {
      name: 'cost, 48 kHz input (ms per s of audio)',
      ratio: cost48.msPerSecond,
      target: `< ${MAX_MS_PER_S}`,
      pass: cost48.msPerSecond < MAX_MS_PER_S,
      detail: `${cost48.seconds.toFixed(0)} s of speech upsampled to 48 kHz beforehand; includes resampling to 16 kHz`,
    },
  ];
}

async function scoreAll(utterances: Utterance[]): Promise<{ scored: Scored[]; msPerSecond: number; seconds: number }> {
  const audio = await decodeAll(utterances.map((u) => u.path), RATE);
  let ms = 0;
  let seconds = 0;
  const scored = utterances.map((u, i) => {
    const x = audio[i]!;
    const halves = segmentsOf(x, 2);
    const start = performance.now();
    const features = halves.map((h) => speakerFeatures(h, RATE)) as [SpeakerFeatures, SpeakerFeatures];
    ms += performance.now() - start;
    seconds += (halves[0]!.length + halves[1]!.length) / RATE;
    return {
      sex: u.sex,
      seconds: x.length / RATE,
      halves: features,
      thirds: segmentsOf(x, 3).map((s) => speakerFeatures(s, RATE)),
      baseline: halves.map(baselineVector) as [Float64Array, Float64Array],
    };
  });
  return { scored, msPerSecond: ms / seconds, seconds };
}

async function costAt48k(utterances: Utterance[]): Promise<{ msPerSecond: number; seconds: number }> {
  const audio = (await decodeAll(utterances.map((u) => u.path), RATE)).map((x) => resample(x, RATE, 48_000));
  const start = performance.now();
  for (const x of audio) speakerFeatures(x, 48_000);
  const seconds = audio.reduce((s, x) => s + x.length / 48_000, 0);
  return { msPerSecond: (performance.now() - start) / seconds, seconds };
}

/** The baseline: MFCC c1–c19 means and standard deviations over the speech frames, nothing learned. */
function baselineVector(samples: Float32Array): Float64Array {
  const { mean, sd } = cepstralStats(cepstra(samples));
  return Float64Array.from([...mean, ...sd]);
}

