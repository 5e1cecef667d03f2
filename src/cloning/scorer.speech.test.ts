import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { decodeAll, findSpeechCorpus, listUtterances, splitReaders } from '../test-support/speech-corpus.js';
import { cepstra, cepstralStats } from './features.js';
import { similarity, speakerFeatures, type SpeakerFeatures } from './scorer.js';
import { cosine, equalErrorRate, median, rankError, segmentsOf, speakerTrials, type TrialScores } from './verification.js';

// Real speech: 40 held-out readers (20 women, 20 men; never seen by the tuning), each
// utterance's two halves. A few of the corpus's utterances last only 1–5 s; readers with less
// than 6 s (3 s per half) are passed over, as a verification protocol sets a least duration
// (the benchmark counts them all). Skips where the shared corpus is absent.
const dir = findSpeechCorpus();
const READERS_PER_SEX = 20;
const MIN_SECONDS = 6;

describe('speaker similarity on real speech (held-out readers)', { skip: dir ? false : 'shared/data/speech is not here' }, () => {
  let scorer: TrialScores;
  let baseline: TrialScores;
  before(async () => {
    const { heldOut } = splitReaders(listUtterances(dir!));
    const candidates = (['F', 'M'] as const).flatMap((sex) => heldOut.filter((u) => u.sex === sex).slice(0, READERS_PER_SEX + 8));
    const decoded = await decodeAll(candidates.map((u) => u.path));
    const long = candidates.map((u, i) => ({ ...u, audio: decoded[i]! })).filter((u) => u.audio.length >= MIN_SECONDS * 16_000);
    const chosen = (['F', 'M'] as const).flatMap((sex) => long.filter((u) => u.sex === sex).slice(0, READERS_PER_SEX));
    assert.equal(chosen.length, 2 * READERS_PER_SEX, `${READERS_PER_SEX} readers of each sex with at least ${MIN_SECONDS} s`);
    const readers = chosen.map((u) => {
      const halves = segmentsOf(u.audio, 2);
      return {
        sex: u.sex,
        features: halves.map((h) => speakerFeatures(h, 16_000)) as [SpeakerFeatures, SpeakerFeatures],
        plain: halves.map((h) => {
          const { mean, sd } = cepstralStats(cepstra(h));
          return [...mean, ...sd];
        }) as [number[], number[]],
      };
    });
    scorer = speakerTrials(readers.map((r) => ({ sex: r.sex, segments: r.features })), (a, b) => similarity(a, b));
    baseline = speakerTrials(readers.map((r) => ({ sex: r.sex, segments: r.plain })), cosine);
  });

  test('same-speaker halves outscore different speakers in nearly every comparison', () => {
    const ordered = 1 - rankError(scorer.targets, scorer.nontargets);
    assert.ok(ordered >= 0.99, `share of (same, different) pairs in the right order: ${ordered.toFixed(4)}`);
    assert.ok(median(scorer.targets) > 0.5, `median same-speaker score ${median(scorer.targets)} is above 0.5`);
    assert.ok(median(scorer.nontargets) < 0.5, `median different-speaker score ${median(scorer.nontargets)} is below 0.5`);
  });

  test('EER is below 6 %, and below the plain MFCC baseline on the same trials', () => {
    const eer = equalErrorRate(scorer.targets, scorer.nontargets).eer;
    const plain = equalErrorRate(baseline.targets, baseline.nontargets).eer;
    assert.ok(eer <= 0.06, `EER ${(eer * 100).toFixed(2)} % over ${scorer.targets.length} same / ${scorer.nontargets.length} different-speaker trials`);
    assert.ok(eer < plain, `scorer EER ${(eer * 100).toFixed(2)} % vs baseline ${(plain * 100).toFixed(2)} %`);
  });
});

