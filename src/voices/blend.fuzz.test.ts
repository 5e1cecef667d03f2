import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, resultOr } from '../test-support/fuzz.js';
import { BlendError, type BlendPart, MAX_BLEND_PARTS, formatBlendFormula, isBlendFormula, normaliseBlendList, parseBlendFormula } from './blend.js';
import { isValidVoiceName, nameKey } from './names.js';

const EPS = 1e-9;

function checkParts(parts: readonly BlendPart[], subtraction: boolean): void {
  assert.ok(parts.length >= 1 && parts.length <= MAX_BLEND_PARTS, `${parts.length} parts`);
  assert.ok(parts.every((p) => isValidVoiceName(p.voice)), 'every voice is a valid name');
  assert.equal(new Set(parts.map((p) => nameKey(p.voice))).size, parts.length, 'each voice once (case-insensitively)');
  assert.ok(parts.every((p) => Number.isFinite(p.weight) && p.weight !== 0), 'weights finite and non-zero');
  assert.ok(parts.some((p) => p.weight > 0), 'some voice is added');
  const magnitude = parts.reduce((a, p) => a + Math.abs(p.weight), 0);
  // Merged added and subtracted weights can cancel, so with subtraction the magnitudes sum to at most 1.
  if (subtraction) assert.ok(magnitude <= 1 + EPS, `weights' magnitudes sum to ${magnitude}`);
  else assert.ok(Math.abs(magnitude - 1) < EPS, `weights sum to ${magnitude}`);
}

const nameArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
/** Pieces formulas are made of, so random text is often nearly a formula. */
const formulaArb = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('af_bella', 'AF_BELLA', 'am-x', 'b', 'x'.repeat(65), '_bad') },
    { weight: 3, arbitrary: fc.constantFrom('+', '-', ' - ', '(', ')', '(2)', '(0.5)', '(.5)', '(1e3)', '(0)', '(-1)', '(nan)', '(1e999)', ' ', '\t') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) },
  ),
  maxLength: 24,
});

test('parseBlendFormula: any text gives normalised parts or a BlendError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  let parsed = 0;
  fc.assert(
    fc.property(fc.oneof(formulaArb, fc.string()), (text) => {
      const formula = resultOr(BlendError, () => isBlendFormula(text));
      assert.ok(formula.ok, 'isBlendFormula never throws');
      const r = resultOr(BlendError, () => parseBlendFormula(text));
      if (!r.ok) return;
      parsed++;
      checkParts(r.value, r.value.some((p) => p.weight < 0) || /(^|[\s)])-|-(\s|$)/.test(text));
    }),
    fuzzParams(2000),
  );
  assert.ok(parsed >= 50, `the inputs reach valid formulas too (${parsed} of 2000)`);
});

const listItemArb = fc.record(
  { voice: nameArb, weight: fc.double({ min: 1e-6, max: 1e6, noNaN: true }) },
  { requiredKeys: ['voice'] },
);

test('normaliseBlendList: any value gives parts summing to 1, or a BlendError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.array(fc.oneof(listItemArb, fc.anything()), { maxLength: 20 })), (value) => {
      const r = resultOr(BlendError, () => normaliseBlendList(value));
      if (r.ok) checkParts(r.value, false);
    }),
    fuzzParams(1000),
  );
  fc.assert(
    fc.property(fc.array(listItemArb, { minLength: 1, maxLength: MAX_BLEND_PARTS }), (list) => {
      const r = resultOr(BlendError, () => normaliseBlendList(list));
      assert.ok(r.ok, `a list of valid items reads: ${r.ok ? '' : r.error.message}`);
      checkParts(r.value, false);
    }),
    fuzzParams(500),
  );
});

test('formatBlendFormula → parseBlendFormula gives the same blend, within the rounding', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const partsArb = fc
    .uniqueArray(fc.record({ voice: nameArb, weight: fc.double({ min: 0.01, max: 100, noNaN: true }), minus: fc.boolean() }), {
      minLength: 1,
      maxLength: MAX_BLEND_PARTS,
      selector: (p) => nameKey(p.voice),
    })
    .map((items) => items.map((p, i) => ({ voice: p.voice, weight: i > 0 && p.minus ? -p.weight : p.weight })));
  fc.assert(
    fc.property(partsArb, (parts) => {
      const text = formatBlendFormula(parts);
      const back = resultOr(BlendError, () => parseBlendFormula(text));
      assert.ok(back.ok, `'${text}' parses: ${back.ok ? '' : back.error.message}`);
      const total = parts.reduce((a, p) => a + Math.abs(p.weight), 0);
      const expected = new Map(parts.map((p) => [nameKey(p.voice), p.weight / total]));
      assert.equal(back.value.length, parts.length, `${text}: every voice`);
      for (const p of back.value) {
        const w = expected.get(nameKey(p.voice));
        assert.ok(w !== undefined, `${p.voice} was in the blend`);
        // Three decimals per weight, renormalised: a few thousandths at most.
        assert.ok(Math.abs(p.weight - w) < 0.005, `${text}: ${p.voice} ${p.weight} vs ${w}`);
      }
    }),
    fuzzParams(500),
  );
});
