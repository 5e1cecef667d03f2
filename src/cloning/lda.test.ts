import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { random } from '../test-support/synthetic-voice.js';
import { eigenSymmetric, fitLda, project } from './lda.js';

describe('LDA', () => {
  test('eigendecomposition reconstructs a symmetric matrix, values descending', () => {
    const a = [
      [4, 1, 0.5],
      [1, 3, 0.2],
      [0.5, 0.2, 1],
    ];
    const { values, vectors } = eigenSymmetric(a);
    assert.ok(values[0]! >= values[1]! && values[1]! >= values[2]!, `descending: ${values}`);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const r = values.reduce((s, l, k) => s + l * vectors[k]![i]! * vectors[k]![j]!, 0);
        assert.ok(Math.abs(r - a[i]![j]!) < 1e-9, `A[${i}][${j}] = ${a[i]![j]}, rebuilt ${r}`);
      }
    }
  });

  test('the first direction follows the feature that tells speakers apart, not the noisy one', () => {
    const rand = random(7);
    const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    // Feature 0: speaker offset ±1, within-speaker noise 0.1. Feature 1: no offset, noise 3. Feature 2: a missing value now and then.
    const groups = Array.from({ length: 20 }, (_, s) => {
      const offset = s % 2 ? 1 : -1;
      return Array.from({ length: 6 }, (_, k) => [offset + 0.1 * gauss(), 3 * gauss(), k === 0 ? Number.NaN : gauss()]);
    });
    const p = fitLda(groups, { shrink: 0.01, dims: 2 });
    const w = p.matrix[0]!.map((v, i) => Math.abs(v * p.scale[i]!));
    assert.ok(w[0]! > 5 * w[1]!, `weight on the speaker feature ${w[0]} vs noise ${w[1]}`);
    const a = project(p, [1, 0, 0])[0]!;
    const b = project(p, [-1, 0, 0])[0]!;
    assert.ok(Math.sign(a) !== Math.sign(b), 'the two speaker groups land on opposite sides');
    assert.ok(project(p, [1, 0, Number.NaN]).every(Number.isFinite), 'a missing value is imputed, not propagated');
  });
});
