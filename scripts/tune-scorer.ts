/**
 * Makes src/cloning/scorer-params.ts: the speaker scorer's LDA projection and calibration,
 * learned on the TUNING readers of the development corpus only (src/test-support/speech-corpus.ts
 * says which; the held-out readers are never decoded here).
 *
 *   node --import tsx scripts/tune-scorer.ts [--speaker-model model.onnx] [--dry-run]
 *
 * 1. Each tuning utterance is cut into halves, and separately into thirds and into quarters; every
 *    segment gets the hand-made features (features.ts). A reader's nine segments are the examples
 *    of one class (the quarters add examples of the within-speaker spread: they lowered the
 *    cross-validated rank error from 1.26 % to 1.04 %; fifths and sixths as well raised it again).
 * 2. The LDA's shrinkage α and dimensions k are chosen by two-fold cross-validation over the
 *    tuning readers (alternate readers within each sex): a projection fitted on one fold scores
 *    the other's trials (halves and thirds, cosine), and the grid point with the lowest pooled
 *    rank error (1 − AUC, smoother than the EER on this few trials) wins.
 * 3. Calibration: on the out-of-fold cosines of the halves, the EER threshold and the
 *    maximum-likelihood slope (verification.ts); see scorer.ts for the meaning of the score.
 * 4. The projection is refitted with the chosen α and k on all tuning readers and written out.
 *
 * With --speaker-model, the model's embeddings of the tuning halves are calibrated the same way
 * and its weight in the fused score is chosen (0, 0.1, …, 1; the lowest rank error of the fused
 * logits, the hand-made ones out of fold); the result goes to `<model>.calibration.json`, which
 * speaker-model.ts reads next to the model.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FEATURE_NAMES, utteranceFeatures } from '../src/cloning/features.js';
import { fitLda, project, type Projection } from '../src/cloning/lda.js';
import { calibrationSlope, cosine, equalErrorRate, rankError, segmentsOf, speakerTrials, type TrialScores } from '../src/cloning/verification.js';
import { decodeAll, findSpeechCorpus, listUtterances, splitReaders, type Utterance } from '../src/test-support/speech-corpus.js';

const SHRINKS = [0.01, 0.02, 0.05, 0.1, 0.2];
const DIMS = [10, 15, 20, 25, 30, 40, FEATURE_NAMES.length];
const OUTPUT = fileURLToPath(new URL('../src/cloning/scorer-params.ts', import.meta.url));

interface Reader {
  speaker: string;
  sex: string;
  halves: Float64Array[];
  thirds: Float64Array[];
  quarters: Float64Array[];
  audioHalves: Float32Array[];
}

const args = process.argv.slice(2);
const modelAt = args.indexOf('--speaker-model');
const modelPath = modelAt >= 0 ? args[modelAt + 1] : undefined;
const dryRun = args.includes('--dry-run');

const dir = findSpeechCorpus();
if (!dir) {
  process.stderr.write('The speech corpus (shared/data/speech/librispeech-train-clean) is not here; nothing to tune on.\n');
  process.exit(1);
}
const { tuning } = splitReaders(listUtterances(dir));
const started = performance.now();
const audio = await decodeAll(tuning.map((u) => u.path));
const readers: Reader[] = tuning.map((u: Utterance, i) => {
  const x = audio[i]!;
  const audioHalves = segmentsOf(x, 2);
  return {
    speaker: u.speaker,
    sex: u.sex,
    halves: audioHalves.map((s) => utteranceFeatures(s).values),
    thirds: segmentsOf(x, 3).map((s) => utteranceFeatures(s).values),
    quarters: segmentsOf(x, 4).map((s) => utteranceFeatures(s).values),
    audioHalves,
  };
});
log(`${readers.length} tuning readers (${readers.filter((r) => r.sex === 'F').length} F), features in ${((performance.now() - started) / 1000).toFixed(1)} s`);

// Folds: alternate readers within each sex (the tuning list is sorted by sex, then id).
const folds: [Reader[], Reader[]] = [[], []];
for (const sex of ['F', 'M']) readers.filter((r) => r.sex === sex).forEach((r, i) => folds[i % 2]!.push(r));

const fit = (set: Reader[], shrink: number, dims: number) => fitLda(set.map((r) => [...r.halves, ...r.thirds, ...r.quarters]), { shrink, dims });
const cosineOf = (p: Projection) => (a: Float64Array, b: Float64Array) => cosine(project(p, a), project(p, b));
function pooled(parts: TrialScores[]): { targets: number[]; nontargets: number[] } {
  return { targets: parts.flatMap((p) => p.targets), nontargets: parts.flatMap((p) => p.nontargets) };
}

let best: { shrink: number; dims: number; rank: number; eer: number; oof: TrialScores[] } | null = null;
for (const shrink of SHRINKS) {
  for (const dims of DIMS) {
    const halves: TrialScores[] = [];
    const all: TrialScores[] = [];
    for (const k of [0, 1] as const) {
      const score = cosineOf(fit(folds[k], shrink, dims));
      const other = folds[1 - k]!;
      const h = speakerTrials(other.map((r) => ({ sex: r.sex, segments: r.halves })), score);
      halves.push(h);
      all.push(h, speakerTrials(other.map((r) => ({ sex: r.sex, segments: r.thirds })), score));
    }
    const p = pooled(all);
    const rank = rankError(p.targets, p.nontargets);
    const ph = pooled(halves);
    const eer = equalErrorRate(ph.targets, ph.nontargets).eer;
    log(`  α ${shrink.toFixed(3)}  k ${String(dims).padStart(2)}  cv rank error ${(rank * 100).toFixed(3)} %  cv halves EER ${(eer * 100).toFixed(2)} %`);
    if (!best || rank < best.rank) best = { shrink, dims, rank, eer, oof: halves };
  }
}
if (!best) throw new Error('empty grid');

const oof = pooled(best.oof);
const { threshold } = equalErrorRate(oof.targets, oof.nontargets);
const slope = calibrationSlope(oof.targets, oof.nontargets, threshold);
const final = fit(readers, best.shrink, best.dims);
const inSample = speakerTrials(
  readers.map((r) => ({ sex: r.sex, segments: r.halves })),
  cosineOf(final),
);
const tuningEer = equalErrorRate(inSample.targets, inSample.nontargets).eer;
log(`chosen α ${best.shrink}, k ${best.dims}: cv rank error ${(best.rank * 100).toFixed(3)} %, cv halves EER ${(best.eer * 100).toFixed(2)} %`);
log(`calibration: threshold ${threshold.toFixed(4)}, slope ${slope.toFixed(3)}; tuning-set EER of the final projection (in sample) ${(tuningEer * 100).toFixed(2)} %`);

const tuningInfo = {
  readers: readers.length,
  segments: 'halves, thirds and quarters of one utterance per reader',
  shrink: best.shrink,
  dims: best.dims,
  cvRankError: round(best.rank),
  cvHalvesEer: round(best.eer),
  tuningHalvesEerInSample: round(tuningEer),
};
const text = renderParams(final, { threshold, slope }, tuningInfo);
if (dryRun) log('--dry-run: scorer-params.ts left as it is');
else {
  writeFileSync(OUTPUT, text);
  log(`wrote ${OUTPUT} (${(text.length / 1024).toFixed(1)} KiB)`);
}

if (modelPath) await calibrateModel(modelPath, best.oof);

async function calibrateModel(path: string, handOof: TrialScores[]): Promise<void> {
  const { SpeakerEmbeddingModel, calibrationPathFor } = await import('../src/cloning/speaker-model.js');
  const model = await SpeakerEmbeddingModel.load(path);
  try {
    // The folds in the order their out-of-fold hand scores were made: fold 1, then fold 0.
    const parts: TrialScores[] = [];
    for (const k of [1, 0] as const) {
      const embedded = [];
      for (const r of folds[k]) embedded.push({ sex: r.sex, segments: await Promise.all(r.audioHalves.map((a) => model.embed(a, 16_000))) });
      // No embedding (under 0.1 s of audio) scores 0, as the scorer does below its minimum of speech.
      parts.push(speakerTrials(embedded, (a, b) => (a && b ? cosine(a, b) : 0)));
    }
    const m = pooled(parts);
    const calibration = { threshold: equalErrorRate(m.targets, m.nontargets).threshold, slope: 0 };
    calibration.slope = calibrationSlope(m.targets, m.nontargets, calibration.threshold);
    const hand = pooled(handOof);
    const fused = (w: number, model: number[], handScores: number[]) =>
      model.map((c, i) => w * calibration.slope * (c - calibration.threshold) + (1 - w) * slope * (handScores[i]! - threshold));
    let weight = 1;
    let bestRank = Infinity;
    for (let w = 0; w <= 1.0001; w += 0.1) {
      const rank = rankError(fused(w, m.targets, hand.targets), fused(w, m.nontargets, hand.nontargets));
      if (rank < bestRank - 1e-12) {
        bestRank = rank;
        weight = Math.round(w * 10) / 10;
      }
    }
    const out = { ...calibration, weight, window: model.window, tuning: { readers: readers.length, modelEer: round(equalErrorRate(m.targets, m.nontargets).eer), fusedRankError: round(bestRank) } };
    log(`speaker model: threshold ${calibration.threshold.toFixed(4)}, slope ${calibration.slope.toFixed(3)}, weight ${weight}, model-only EER (tuning) ${(out.tuning.modelEer * 100).toFixed(2)} %`);
    if (!dryRun) {
      writeFileSync(calibrationPathFor(path), `${JSON.stringify(out, null, 2)}\n`);
      log(`wrote ${calibrationPathFor(path)}`);
    }
  } finally {
    await model.release();
  }
}

function renderParams(p: Projection, calibration: { threshold: number; slope: number }, tuningInfo: Record<string, number | string>): string {
  const nums = (v: readonly number[]) => `[${v.map((x) => String(round(x))).join(', ')}]`;
  return `// Generated by scripts/tune-scorer.ts from the tuning readers of the development corpus
// (see src/test-support/speech-corpus.ts for the split); do not edit by hand, rerun the script.
// The LDA projection (lda.ts) of the hand-made features (features.ts) and the calibration of its
// cosine (scorer.ts).
import type { ScorerParams } from './scorer.js';

export const SCORER_PARAMS: ScorerParams = {
  version: 1,
  features: ${JSON.stringify(FEATURE_NAMES)},
  mean: ${nums(p.mean)},
  scale: ${nums(p.scale)},
  matrix: [
${p.matrix.map((row) => `    ${nums(row)},`).join('\n')}
  ],
  calibration: { threshold: ${round(calibration.threshold)}, slope: ${round(calibration.slope)} },
  tuning: ${JSON.stringify(tuningInfo)},
};
`;
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}


function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
