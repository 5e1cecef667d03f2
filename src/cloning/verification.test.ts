import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calibrationSlope, equalErrorRate, rankError, segmentsOf, speakerTrials } from './verification.js';

describe('verification measures', () => {
  test('EER: separated scores 0, one crossing each way 1/3, identical scores 1/2', () => {
    assert.equal(equalErrorRate([0.8, 0.9], [0.1, 0.2]).eer, 0, 'separated');
    const t = equalErrorRate([0.9, 0.8, 0.3], [0.1, 0.2, 0.85]);
    assert.ok(Math.abs(t.eer - 1 / 3) < 1e-12, `one miss in three and one false alarm in three: ${t.eer}`);
    assert.ok(t.threshold > 0.3 && t.threshold <= 0.8, `threshold ${t.threshold} between the miss and the lowest accepted target`);
    assert.equal(equalErrorRate([0.5, 0.5], [0.5, 0.5]).eer, 0.5, 'no separation');
    assert.throws(() => equalErrorRate([], [1]), RangeError, 'needs both kinds of trial');
  });

  test('rank error is 1 − AUC, ties counting half', () => {
    assert.equal(rankError([2, 3], [0, 1]), 0, 'separated');
    assert.equal(rankError([0], [1]), 1, 'reversed');
    assert.equal(rankError([1], [1]), 0.5, 'tied');
    assert.equal(rankError([1, 3], [2]), 0.5, 'one of two above');
  });

  test('calibration slope grows with the separation and keeps 0.5 at the threshold', () => {
    const near = calibrationSlope([0.6, 0.7, 0.4], [0.4, 0.3, 0.6], 0.5);
    const far = calibrationSlope([0.6, 0.7, 0.65], [0.4, 0.3, 0.35], 0.5);
    assert.ok(near > 0 && far > near, `overlapping ${near} < separated ${far}`);
  });

  test('trials: one target per pair of a reader\'s segments, ordered pairs of readers as non-targets', () => {
    const readers = [
      { sex: 'F', segments: ['a0', 'a1', 'a2'] },
      { sex: 'F', segments: ['b0', 'b1', 'b2'] },
      { sex: 'M', segments: ['c0', 'c1', 'c2'] },
    ];
    const seen: string[] = [];
    const t = speakerTrials(readers, (x, y) => (seen.push(`${x}-${y}`), x[0] === y[0] ? 1 : 0));
    assert.equal(t.targets.length, 9, 'three pairs per reader');
    assert.equal(t.nontargets.length, 6, 'six ordered pairs of readers');
    assert.equal(t.sameSexNontargets.length, 2, 'a-b and b-a are same-sex');
    assert.ok(seen.includes('a0-b1') && seen.includes('b0-a1'), `first segment vs second: ${seen.join(' ')}`);
    assert.deepEqual(segmentsOf(Float32Array.of(1, 2, 3, 4, 5), 2).map((s) => [...s]), [[1, 2], [3, 4]], 'equal halves, remainder dropped');
  });
});
