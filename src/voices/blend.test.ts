import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { EspeakVoiceData, KokoroVoiceData, VoiceData } from '../engines/engine.js';
import { KOKORO_PACKS_DIR } from '../test-support/fixtures.js';
import {
  BlendError,
  KOKORO_TENSOR_LENGTH,
  blendVoices,
  formatBlendFormula,
  isBlendFormula,
  normaliseBlendList,
  parseBlendFormula,
  type BlendPart,
} from './blend.js';

const EPS = 1e-12;

/** Asserts parts match voice by voice with weights within EPS. */
function assertParts(actual: BlendPart[], expected: readonly [string, number][]): void {
  assert.deepEqual(
    actual.map((p) => p.voice),
    expected.map(([v]) => v),
  );
  actual.forEach((p, i) => {
    const w = expected[i]![1];
    assert.ok(Math.abs(p.weight - w) < EPS, `weight of ${p.voice}: ${p.weight} != ${w}`);
  });
}

/** Asserts `fn` throws a BlendError with the code and a message matching every pattern. */
function assertBlendError(fn: () => unknown, code: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BlendError, `expected a BlendError, got ${String(err)}`);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'BlendError');
    assert.equal(err.code, code);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

const formulaError = (text: string, ...patterns: RegExp[]): void =>
  assertBlendError(() => parseBlendFormula(text), 'invalid_blend', ...patterns);
const listError = (list: unknown, ...patterns: RegExp[]): void =>
  assertBlendError(() => normaliseBlendList(list), 'invalid_blend', ...patterns);

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomKokoro(seed: number): KokoroVoiceData {
  const next = rng(seed);
  const tensor = new Float32Array(KOKORO_TENSOR_LENGTH);
  for (let i = 0; i < tensor.length; i++) tensor[i] = (next() - 0.5) * 4;
  return { engine: 'kokoro', tensor };
}

function espeak(overrides: Partial<EspeakVoiceData> = {}): EspeakVoiceData {
  return { engine: 'espeak', base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100, ...overrides };
}

describe('isBlendFormula', () => {
  it('recognises formulas', () => {
    for (const text of ['a+b', 'af_bella(2)+af_sky(1)', 'a(2)', ' a ( 0.5 ) ', 'a - b', 'a -b', 'a(1)-b', 'a+b+c']) {
      assert.equal(isBlendFormula(text), true, text);
    }
  });
  it('says malformed formulas are formulas, so parsing can explain them', () => {
    for (const text of ['a+', '+a', 'a(2', 'a)', '-a', 'a -']) assert.equal(isBlendFormula(text), true, text);
  });
  it('does not take plain voice names for formulas', () => {
    for (const text of ['af_bella', 'my-voice', 'a-b', 'a-', 'A1', '  af_sky  ', 'espeak-en-us-female-2', '']) {
      assert.equal(isBlendFormula(text), false, text);
    }
  });
});

describe('parseBlendFormula: syntax', () => {
  it('a+b gives equal weights', () => {
    assertParts(parseBlendFormula('af_bella+af_sky'), [
      ['af_bella', 0.5],
      ['af_sky', 0.5],
    ]);
  });
  it('a(2)+b(1) normalises to sum 1', () => {
    assertParts(parseBlendFormula('af_bella(2)+af_sky(1)'), [
      ['af_bella', 2 / 3],
      ['af_sky', 1 / 3],
    ]);
  });
  it('mixes weighted and unweighted parts (missing weight is 1)', () => {
    assertParts(parseBlendFormula('a(3)+b+c'), [
      ['a', 0.6],
      ['b', 0.2],
      ['c', 0.2],
    ]);
  });
  it('accepts decimals, leading-dot and exponent weights', () => {
    assertParts(parseBlendFormula('a(0.7)+b(0.3)'), [
      ['a', 0.7],
      ['b', 0.3],
    ]);
    assertParts(parseBlendFormula('a(.5)+b(1.5)'), [
      ['a', 0.25],
      ['b', 0.75],
    ]);
    assertParts(parseBlendFormula('a(1e-1)+b(3.)'), [
      ['a', 0.1 / 3.1],
      ['b', 3 / 3.1],
    ]);
  });
  it('allows whitespace around every token', () => {
    assertParts(parseBlendFormula('  af_bella ( 2 )  +\taf_sky( 1)\n'), [
      ['af_bella', 2 / 3],
      ['af_sky', 1 / 3],
    ]);
  });
  it('a single part with a weight is that voice at weight 1', () => {
    assertParts(parseBlendFormula('af_bella(2)'), [['af_bella', 1]]);
    assertParts(parseBlendFormula('af_bella'), [['af_bella', 1]]);
  });
  it('subtracts the Kokoro-FastAPI way: divided by the sum of all written weights', () => {
    assertParts(parseBlendFormula('a - b'), [
      ['a', 0.5],
      ['b', -0.5],
    ]);
    assertParts(parseBlendFormula('a(3)-b(1)+c'), [
      ['a', 0.6],
      ['b', -0.2],
      ['c', 0.2],
    ]);
    assertParts(parseBlendFormula('a(2) -b'), [
      ['a', 2 / 3],
      ['b', -1 / 3],
    ]);
  });
  it('keeps hyphens between name characters in the name', () => {
    assertParts(parseBlendFormula('my-voice(2)+espeak-en-us-female-2'), [
      ['my-voice', 2 / 3],
      ['espeak-en-us-female-2', 1 / 3],
    ]);
    assertParts(parseBlendFormula('a+b-a'), [
      ['a', 0.5],
      ['b-a', 0.5],
    ]);
    assertParts(parseBlendFormula('a--b+c'), [
      ['a--b', 0.5],
      ['c', 0.5],
    ]);
  });
  it('merges a repeated voice (case-insensitively, first spelling kept)', () => {
    assertParts(parseBlendFormula('af_bella+af_sky+AF_BELLA'), [
      ['af_bella', 2 / 3],
      ['af_sky', 1 / 3],
    ]);
    assertParts(parseBlendFormula('a+a'), [['a', 1]]);
    // Kokoro-FastAPI: 2/3·a − 1/3·a = 1/3·a
    assertParts(parseBlendFormula('a(2)-a'), [['a', 1 / 3]]);
  });
  it('accepts 16 parts', () => {
    const text = Array.from({ length: 16 }, (_, i) => `v${i}`).join('+');
    const parts = parseBlendFormula(text);
    assert.equal(parts.length, 16);
    for (const p of parts) assert.ok(Math.abs(p.weight - 1 / 16) < EPS);
  });
  it('weights of an additive formula sum to 1', () => {
    const parts = parseBlendFormula('a(0.1)+b(0.2)+c(0.3)+d(7)+e(1e3)');
    assert.ok(Math.abs(parts.reduce((s, p) => s + p.weight, 0) - 1) < EPS);
  });
});

describe('parseBlendFormula: errors', () => {
  it('empty formula', () => {
    formulaError('', /empty/);
    formulaError('   ', /empty/);
  });
  it('empty parts', () => {
    formulaError('+a', /starts with '\+' at character 1/, /part 1 is empty/);
    formulaError(' -a', /starts with '-' at character 2/);
    formulaError('a+', /ends with '\+' at character 2/, /part 2/);
    formulaError('a(2)-', /ends with '-' at character 5/);
    formulaError('a++b', /part 2 is empty/, /'\+' at character 2 and '\+' at character 3/);
    formulaError('a+ -b', /part 2 is empty/, /'\+' at character 2 and '-' at character 4/);
    formulaError('a-+b', /part 2 is empty/, /'-' at character 2 and '\+' at character 3/);
  });
  it('bad weights', () => {
    formulaError('a()', /empty weight in part 1 \('a'\) at character 2/);
    formulaError('a( )+b', /empty weight/);
    formulaError('a+b(abc)', /weight 'abc' in part 2 \('b'\) at character 4 is not a number/);
    formulaError('a(1.2.3)', /weight '1.2.3'.* is not a number/);
    formulaError('a(2x)', /weight '2x'/);
  });
  it('zero, negative and non-finite weights', () => {
    formulaError('a(0)+b', /weight '0' in part 1 \('a'\) at character 2 must be greater than zero/);
    formulaError('a(1)+b(0)', /weight '0' in part 2 .* must be greater than zero/);
    formulaError('a(0)', /must be greater than zero/);
    formulaError('a(0)+b(0)', /must be greater than zero/);
    formulaError('a(-1)+b', /weight '-1' .* must be greater than zero/);
    formulaError('a(nan)+b', /weight 'nan' .* is not a finite number/);
    formulaError('a(NaN)', /not a finite number/);
    formulaError('a(inf)', /not a finite number/);
    formulaError('a(1e999)', /weight '1e999' .* is not a finite number/);
  });
  it('unbalanced parentheses', () => {
    formulaError('af_bella(', /unbalanced parentheses/, /'\(' at character 9/, /never closed/);
    formulaError('af_bella(2', /never closed/);
    formulaError('af_bella)', /unbalanced parentheses: '\)' at character 9 has no matching '\('/);
    formulaError('af_bella(2))', /'\)' at character 12 has no matching/);
    formulaError('a((2))', /'\(' at character 3 inside the weight of part 1/);
    formulaError('a(2)(3)', /second '\(' at character 5/);
    formulaError('(2)+a', /part 1 has no voice name/, /character 1/);
    formulaError(')a', /'\)' at character 1/);
  });
  it('invalid voice names', () => {
    formulaError('af.bella+b', /part 1: 'af\.bella' at character 1 is not a valid voice name/);
    formulaError('a+_b', /part 2: '_b' at character 3 is not a valid voice name/);
    formulaError(`a+${'x'.repeat(65)}`, /part 2: 'x{65}' .* not a valid voice name/);
    formulaError('a+b\u00e9', /'bé' .* not a valid voice name/);
  });
  it('spaces inside a name', () => {
    formulaError('af bella+b', /expected '\+' or '-' after part 1 \('af'\) at character 4, found 'b'/, /cannot contain spaces/);
  });
  it('too many parts', () => {
    const text = Array.from({ length: 17 }, (_, i) => `v${i}`).join('+');
    formulaError(text, /too many parts/, /part 17/, /at most 16/);
  });
  it('a voice cancelling itself out', () => {
    formulaError('a+b - a', /'a' \(character 1\) appears more than once/, /cancel out/);
    formulaError('a(2)+b(1)-a(1)-a(1)', /cancel out/);
  });
  it('no voice left at a positive weight', () => {
    formulaError('a - b(2) - a(2)', /no voice with a positive weight/);
  });
});

describe('normaliseBlendList', () => {
  it('normalises weights to sum 1', () => {
    assertParts(
      normaliseBlendList([
        { voice: 'af_bella', weight: 2 },
        { voice: 'af_sky', weight: 1 },
      ]),
      [
        ['af_bella', 2 / 3],
        ['af_sky', 1 / 3],
      ],
    );
  });
  it('weight is optional (default 1)', () => {
    assertParts(normaliseBlendList([{ voice: 'a' }, { voice: 'b', weight: 3 }]), [
      ['a', 0.25],
      ['b', 0.75],
    ]);
    assertParts(normaliseBlendList([{ voice: 'a' }]), [['a', 1]]);
  });
  it('merges repeated voices', () => {
    assertParts(normaliseBlendList([{ voice: 'a' }, { voice: 'b' }, { voice: 'A', weight: 2 }]), [
      ['a', 0.75],
      ['b', 0.25],
    ]);
  });
  it('agrees with the formula', () => {
    assert.deepEqual(
      normaliseBlendList([{ voice: 'x', weight: 0.7 }, { voice: 'y', weight: 0.3 }]),
      parseBlendFormula('x(0.7)+y(0.3)'),
    );
  });
  it('rejects what is not a list of voices', () => {
    listError('a+b', /must be an array/, /the string "a\+b"/);
    listError({ voice: 'a' }, /must be an array/, /an object/);
    listError(null, /must be an array/, /null/);
    listError([], /blend list is empty/);
    listError(
      Array.from({ length: 17 }, (_, i) => ({ voice: `v${i}` })),
      /17 items; at most 16/,
    );
  });
  it('rejects bad items', () => {
    listError([{ voice: 'a' }, 'b'], /item 2 .* must be an object/);
    listError([[]], /item 1 .* must be an object/, /an array/);
    listError([{ voice: 'a', wieght: 2 }], /item 1 .* unknown field 'wieght'/);
    listError([{ weight: 2 }], /item 1 .*"voice" must be a string, got undefined/);
    listError([{ voice: 3 }], /"voice" must be a string, got number 3/);
    listError([{ voice: 'a' }, { voice: 'b c' }], /item 2 .*'b c' is not a valid voice name/);
  });
  it('rejects bad weights', () => {
    listError([{ voice: 'a', weight: '2' }], /item 1 .*\('a'\): "weight" must be a number, got the string "2"/);
    listError([{ voice: 'a', weight: null }], /"weight" must be a number, got null/);
    listError([{ voice: 'a' }, { voice: 'b', weight: 0 }], /item 2 .*\('b'\): weight 0 must be greater than zero/);
    listError([{ voice: 'a', weight: -1 }], /weight -1 must be greater than zero/);
    listError([{ voice: 'a', weight: Number.NaN }], /weight NaN is not a finite number/);
    listError([{ voice: 'a', weight: Number.POSITIVE_INFINITY }], /not a finite number/);
  });
});

describe('blendVoices: Kokoro', () => {
  const a = randomKokoro(1);
  const b = randomKokoro(2);
  const c = randomKokoro(3);

  it('is the weighted sum over the whole tensor', () => {
    const parts = parseBlendFormula('a(2)+b(1)');
    const out = blendVoices([
      { data: a, weight: parts[0]!.weight },
      { data: b, weight: parts[1]!.weight },
    ]);
    assert.equal(out.engine, 'kokoro');
    const tensor = (out as KokoroVoiceData).tensor;
    assert.ok(tensor instanceof Float32Array);
    assert.equal(tensor.length, 510 * 256);
    for (let i = 0; i < tensor.length; i++) {
      const expected = Math.fround((2 / 3) * a.tensor[i]! + (1 / 3) * b.tensor[i]!);
      if (tensor[i] !== expected) assert.fail(`index ${i}: ${tensor[i]} != ${expected}`);
    }
    assert.notDeepEqual(tensor, a.tensor);
  });

  it('matches hand-computed values, including subtraction and three voices', () => {
    const x: KokoroVoiceData = { engine: 'kokoro', tensor: new Float32Array(KOKORO_TENSOR_LENGTH) };
    const y: KokoroVoiceData = { engine: 'kokoro', tensor: new Float32Array(KOKORO_TENSOR_LENGTH) };
    x.tensor[0] = 1;
    y.tensor[0] = 4;
    x.tensor[KOKORO_TENSOR_LENGTH - 1] = 3;
    y.tensor[KOKORO_TENSOR_LENGTH - 1] = -1;
    const mix = blendVoices([
      { data: x, weight: 0.75 },
      { data: y, weight: 0.25 },
    ]) as KokoroVoiceData;
    assert.equal(mix.tensor[0], 1.75);
    assert.equal(mix.tensor[KOKORO_TENSOR_LENGTH - 1], 2);
    assert.equal(mix.tensor[1], 0);
    const diff = blendVoices([
      { data: x, weight: 0.5 },
      { data: y, weight: -0.5 },
    ]) as KokoroVoiceData;
    assert.equal(diff.tensor[0], -1.5);
    assert.equal(diff.tensor[KOKORO_TENSOR_LENGTH - 1], 2);

    const three = blendVoices([
      { data: a, weight: 0.5 },
      { data: b, weight: 0.3 },
      { data: c, weight: 0.2 },
    ]) as KokoroVoiceData;
    for (let i = 0; i < KOKORO_TENSOR_LENGTH; i += 997) {
      const expected = 0.5 * a.tensor[i]! + 0.3 * b.tensor[i]! + 0.2 * c.tensor[i]!;
      assert.ok(Math.abs(three.tensor[i]! - expected) <= 1e-6, `index ${i}`);
    }
  });

  it('blending a voice with itself gives that voice', () => {
    for (const [w1, w2] of [
      [0.5, 0.5],
      [0.3, 0.7],
      [1 / 3, 2 / 3],
    ] as const) {
      const out = blendVoices([
        { data: a, weight: w1 },
        { data: a, weight: w2 },
      ]) as KokoroVoiceData;
      assert.deepEqual(out.tensor, a.tensor);
    }
    const merged = parseBlendFormula('a(3)+A(2)');
    assert.deepEqual((blendVoices([{ data: a, weight: merged[0]!.weight }]) as KokoroVoiceData).tensor, a.tensor);
  });

  it('does not modify its inputs and returns a new tensor', () => {
    const before = Float32Array.from(a.tensor);
    const out = blendVoices([{ data: a, weight: 1 }]) as KokoroVoiceData;
    assert.notEqual(out.tensor, a.tensor);
    assert.deepEqual(a.tensor, before);
  });

  it('rejects zero and non-finite weights (1:0 is not a blend)', () => {
    assertBlendError(
      () =>
        blendVoices([
          { data: a, weight: 1 },
          { data: b, weight: 0 },
        ]),
      'invalid_blend',
      /part 2 .* weight 0/,
    );
    assertBlendError(() => blendVoices([{ data: a, weight: Number.NaN }]), 'invalid_blend', /weight NaN/);
    formulaError('a(1)+b(0)', /must be greater than zero/);
  });

  it('rejects tensors of the wrong size, non-finite results and empty blends', () => {
    const short: KokoroVoiceData = { engine: 'kokoro', tensor: new Float32Array(256) };
    assertBlendError(
      () =>
        blendVoices([
          { data: a, weight: 0.5 },
          { data: short, weight: 0.5 },
        ]),
      'invalid_blend',
      /part 2 .* 256 floats; expected 130560/,
    );
    const bad: KokoroVoiceData = { engine: 'kokoro', tensor: new Float32Array(KOKORO_TENSOR_LENGTH) };
    bad.tensor[300] = Number.NaN;
    assertBlendError(() => blendVoices([{ data: bad, weight: 1 }]), 'invalid_blend', /not finite at index 300 \(row 1, column 44\)/);
    const big: KokoroVoiceData = { engine: 'kokoro', tensor: new Float32Array(KOKORO_TENSOR_LENGTH).fill(3e38) };
    assertBlendError(
      () =>
        blendVoices([
          { data: big, weight: 1 },
          { data: big, weight: 1 },
        ]),
      'invalid_blend',
      /not finite/,
    );
    assertBlendError(() => blendVoices([]), 'invalid_blend', /at least one voice/);
  });
});

describe('blendVoices: real Kokoro packs', () => {
  const dir = KOKORO_PACKS_DIR ?? '/nonexistent';
  const bellaPath = `${dir}/af_bella.bin`;
  const skyPath = `${dir}/af_sky.bin`;
  const present = existsSync(bellaPath) && existsSync(skyPath);

  const load = (path: string): KokoroVoiceData => {
    const buf = readFileSync(path);
    assert.equal(buf.length, 522_240);
    const tensor = new Float32Array(KOKORO_TENSOR_LENGTH);
    for (let i = 0; i < tensor.length; i++) tensor[i] = buf.readFloatLE(i * 4);
    return { engine: 'kokoro', tensor };
  };

  it('af_bella(2)+af_sky(1) is the elementwise weighted sum', { skip: present ? false : 'voice packs absent' }, () => {
    const bella = load(bellaPath);
    const sky = load(skyPath);
    const parts = parseBlendFormula('af_bella(2)+af_sky(1)');
    const byName: Record<string, VoiceData> = { af_bella: bella, af_sky: sky };
    const out = blendVoices(parts.map((p) => ({ data: byName[p.voice]!, weight: p.weight }))) as KokoroVoiceData;
    let differsFromBoth = 0;
    for (let i = 0; i < KOKORO_TENSOR_LENGTH; i++) {
      const expected = Math.fround((2 / 3) * bella.tensor[i]! + (1 / 3) * sky.tensor[i]!);
      if (out.tensor[i] !== expected) assert.fail(`index ${i}: ${out.tensor[i]} != ${expected}`);
      if (out.tensor[i] !== bella.tensor[i] && out.tensor[i] !== sky.tensor[i]) differsFromBoth++;
      assert.ok(Number.isFinite(out.tensor[i]));
    }
    assert.ok(differsFromBoth > KOKORO_TENSOR_LENGTH / 2, 'the blend should differ from both sources');
    assert.equal(formatBlendFormula(parts), 'af_bella(0.667)+af_sky(0.333)');
  });
});

describe('blendVoices: espeak', () => {
  it('interpolates the numbers and rounds them', () => {
    const out = blendVoices([
      { data: espeak({ pitch: 40, range: 20, rate: 150, volume: 80 }), weight: 2 / 3 },
      { data: espeak({ pitch: 71, range: 90, rate: 200, volume: 140 }), weight: 1 / 3 },
    ]);
    assert.deepEqual(out, {
      engine: 'espeak',
      base: 'en-us',
      variant: null,
      pitch: 50, // 26.67 + 23.67 = 50.33
      range: 43, // 13.33 + 30 = 43.33
      rate: 167, // 100 + 66.67 = 166.67
      volume: 100, // 53.33 + 46.67
    });
  });
  it('does not need normalised weights', () => {
    const a = espeak({ pitch: 10 });
    const b = espeak({ pitch: 90 });
    assert.equal(
      (
        blendVoices([
          { data: a, weight: 3 },
          { data: b, weight: 1 },
        ]) as EspeakVoiceData
      ).pitch,
      30,
    );
  });
  it('takes base and variant from the part with the largest weight (first on a tie)', () => {
    const fr = espeak({ base: 'fr', variant: 'm1' });
    const en = espeak({ base: 'en-us', variant: 'f3' });
    const heavyEn = blendVoices([
      { data: fr, weight: 0.4 },
      { data: en, weight: 0.6 },
    ]) as EspeakVoiceData;
    assert.equal(heavyEn.base, 'en-us');
    assert.equal(heavyEn.variant, 'f3');
    const tie = blendVoices([
      { data: fr, weight: 0.5 },
      { data: en, weight: 0.5 },
    ]) as EspeakVoiceData;
    assert.equal(tie.base, 'fr');
    assert.equal(tie.variant, 'm1');
  });
  it('clamps to espeak ranges', () => {
    const wild = espeak({ pitch: 150, range: -20, rate: -5, volume: 400 });
    assert.deepEqual(blendVoices([{ data: wild, weight: 1 }]), {
      engine: 'espeak',
      base: 'en-us',
      variant: null,
      pitch: 99,
      range: 0,
      rate: 1,
      volume: 200,
    });
  });
  it('blending a voice with itself gives that voice', () => {
    const v = espeak({ base: 'de', variant: 'klatt', pitch: 37, range: 61, rate: 190, volume: 120 });
    assert.deepEqual(
      blendVoices([
        { data: v, weight: 0.3 },
        { data: v, weight: 0.7 },
      ]),
      v,
    );
  });
  it('rejects subtraction and non-finite parameters', () => {
    assertBlendError(
      () =>
        blendVoices([
          { data: espeak(), weight: 0.5 },
          { data: espeak(), weight: -0.5 },
        ]),
      'invalid_blend',
      /part 2 .* subtracted; espeak voices can only be added/,
    );
    assertBlendError(() => blendVoices([{ data: espeak({ pitch: Number.NaN }), weight: 1 }]), 'invalid_blend', /non-finite pitch/);
  });
});

describe('blendVoices: mixed engines', () => {
  it('rejects a blend of kokoro and espeak voices', () => {
    assertBlendError(
      () =>
        blendVoices([
          { data: randomKokoro(7), weight: 0.5 },
          { data: espeak(), weight: 0.5 },
        ]),
      'mixed_engines',
      /part 1 is kokoro, part 2 is espeak/,
    );
    assertBlendError(
      () =>
        blendVoices([
          { data: espeak(), weight: 0.5 },
          { data: espeak(), weight: 0.25 },
          { data: randomKokoro(8), weight: 0.25 },
        ]),
      'mixed_engines',
      /part 1 is espeak, part 3 is kokoro/,
    );
  });
});

describe('formatBlendFormula', () => {
  it('writes the canonical formula', () => {
    assert.equal(
      formatBlendFormula([
        { voice: 'af_bella', weight: 2 / 3 },
        { voice: 'af_sky', weight: 1 / 3 },
      ]),
      'af_bella(0.667)+af_sky(0.333)',
    );
    assert.equal(formatBlendFormula(parseBlendFormula('a+b')), 'a(0.5)+b(0.5)');
    assert.equal(formatBlendFormula(parseBlendFormula('a(7)')), 'a(1)');
  });
  it('normalises unnormalised weights', () => {
    assert.equal(
      formatBlendFormula([
        { voice: 'a', weight: 2 },
        { voice: 'b', weight: 1 },
        { voice: 'c', weight: 1 },
      ]),
      'a(0.5)+b(0.25)+c(0.25)',
    );
  });
  it('writes subtracted parts after the added ones', () => {
    assert.equal(formatBlendFormula(parseBlendFormula('a(1) - b(1) + c(2)')), 'a(0.25)+c(0.5)-b(0.25)');
  });
  it('keeps tiny weights non-zero', () => {
    const text = formatBlendFormula([
      { voice: 'a', weight: 1 },
      { voice: 'b', weight: 0.0001 },
    ]);
    assert.equal(text, 'a(1)+b(0.0001)');
    assert.doesNotThrow(() => parseBlendFormula(text));
  });
  it('writes names that end in "-" so that they parse back', () => {
    const text = formatBlendFormula([
      { voice: 'a-', weight: 1 },
      { voice: 'B--', weight: -1 },
    ]);
    assert.equal(text, 'a-(0.5)-B--(0.5)', 'the canonical text');
    assertParts(parseBlendFormula(text), [
      ['a-', 0.5],
      ['B--', -0.5],
    ]);
  });
  it('round-trips through the parser within the rounding', () => {
    for (const formula of ['a(2)+b(1)', 'x(0.7)+y(0.3)', 'p(5)+q(3)-r(1)+s', 'v-1(1)+v-2(9)']) {
      const parts = parseBlendFormula(formula);
      const again = parseBlendFormula(formatBlendFormula(parts));
      const byKey = new Map(again.map((p) => [p.voice, p.weight]));
      assert.equal(again.length, parts.length, formula);
      for (const p of parts) assert.ok(Math.abs((byKey.get(p.voice) ?? Number.NaN) - p.weight) < 1e-3, `${formula}: ${p.voice}`);
    }
  });
  it('rejects blends it cannot write', () => {
    assertBlendError(() => formatBlendFormula([]), 'invalid_blend', /at least one voice/);
    assertBlendError(() => formatBlendFormula([{ voice: 'a', weight: -1 }]), 'invalid_blend', /no voice at a positive weight/);
    assertBlendError(() => formatBlendFormula([{ voice: 'a', weight: 0 }]), 'invalid_blend', /weight 0/);
  });
});
