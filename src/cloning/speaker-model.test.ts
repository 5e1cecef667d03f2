import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { LiteTtsError } from '../errors.js';
import { synthesize, vowel, VOWEL_A, VOWEL_I, VOWEL_U } from '../test-support/synthetic-voice.js';
import { projectedCosine, similarity, speakerFeatures } from './scorer.js';
import { calibrationPathFor, DEFAULT_EMBEDDING_CALIBRATION, embeddingFbank, EMBEDDING_BINS, SpeakerEmbeddingModel } from './speaker-model.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/**
 * A tiny "speaker encoder": the embedding is the mean over time of the squared fbank values,
 * ReduceMean(x · x, axis 1) → (batch, bins). Deterministic, so a test can compute it in JS.
 * (The plain mean would be zero: the plugin removes the mean over time first.)
 */
function tinyEncoder(bins = EMBEDDING_BINS, outputRank: 2 | 3 = 2): Uint8Array {
  const dims = (shape: (number | string)[]) => ({ dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) });
  const nodes = [
    onnx.NodeProto.create({ opType: 'Mul', input: ['feats', 'feats'], output: ['squared'], name: 'square' }),
    onnx.NodeProto.create({
      opType: 'ReduceMean',
      input: ['squared'],
      output: ['embs'],
      name: 'mean',
      attribute: [
        onnx.AttributeProto.create({ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }),
        onnx.AttributeProto.create({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: outputRank === 3 ? 1 : 0 }),
      ],
    }),
  ];
  const graph = onnx.GraphProto.create({
    name: 'tiny_speaker_encoder',
    node: nodes,
    input: [onnx.ValueInfoProto.create({ name: 'feats', type: { tensorType: { elemType: FLOAT, shape: dims(['B', 'T', bins]) } } })],
    output: [onnx.ValueInfoProto.create({ name: 'embs', type: { tensorType: { elemType: FLOAT, shape: dims(outputRank === 3 ? ['B', 1, bins] : ['B', bins]) } } })],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'litetts-test', graph });
  return onnx.ModelProto.encode(model).finish();
}

/** What the tiny encoder must return for `samples` (16 kHz), computed here from the plugin's fbank. */
function expectedEmbedding(samples: Float32Array): Float32Array {
  const { frames, data } = embeddingFbank(samples);
  const out = new Float64Array(EMBEDDING_BINS);
  for (let t = 0; t < frames; t++) for (let m = 0; m < EMBEDDING_BINS; m++) out[m]! += data[t * EMBEDDING_BINS + m]! ** 2 / frames;
  const norm = Math.hypot(...out);
  return Float32Array.from(out, (v) => v / norm);
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);
const [A, I, U] = [VOWEL_A, VOWEL_I, VOWEL_U].map((v) => vowel(v.hz, 0.4)) as [ReturnType<typeof vowel>, ReturnType<typeof vowel>, ReturnType<typeof vowel>];
const voiceA = synthesize({ f0: 120, vowels: [A, I, U, A, I, U], noise: 1e-4 }, 16_000);
const voiceB = synthesize({ f0: 200, vowels: [I, A, U, I, A, U].map((v) => vowel(v.formants.map((f) => f.hz * 1.15), 0.4)), noise: 1e-4 }, 16_000);

describe('speaker-embedding model plugin', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-speaker-model-'));
    path = join(dir, 'encoder.onnx');
    writeFileSync(path, tinyEncoder());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the embedding is what the model computes from the documented fbank', async () => {
    const model = await SpeakerEmbeddingModel.load(path);
    try {
      assert.equal(model.inputName, 'feats', 'input name read from the session');
      assert.deepEqual({ ...model.calibration }, { ...DEFAULT_EMBEDDING_CALIBRATION }, 'no calibration file: the default');
      const e = await model.embed(voiceA, 16_000);
      assert.ok(e, 'an embedding');
      const expected = expectedEmbedding(voiceA);
      assert.equal(e.length, EMBEDDING_BINS, 'one value per bin');
      for (let i = 0; i < e.length; i++) assert.ok(Math.abs(e[i]! - expected[i]!) < 1e-5, `value ${i}: ${e[i]} vs ${expected[i]}`);
      // At 48 kHz the plugin resamples to 16 kHz first: nearly the same embedding.
      const { resample } = await import('../audio/resample.js');
      const e48 = await model.embed(resample(voiceA, 16_000, 48_000, { quality: 'high' }), 48_000);
      assert.ok(e48 && dot(e, e48) > 0.999, `16 vs 48 kHz cosine ${e48 && dot(e, e48)}`);
    } finally {
      await model.release();
    }
    assert.equal(model.released, true, 'released');
  });

  test("with weight 1 the score is the model's calibrated cosine; with a calibration file the two are fused", async () => {
    const model = await SpeakerEmbeddingModel.load(path);
    let fa;
    let fb;
    try {
      fa = await model.speakerFeatures(voiceA, 16_000);
      fb = await model.speakerFeatures(voiceB, 16_000);
    } finally {
      await model.release();
    }
    const c = dot(expectedEmbedding(voiceA), expectedEmbedding(voiceB));
    const { threshold, slope } = DEFAULT_EMBEDDING_CALIBRATION;
    const modelOnly = 1 / (1 + Math.exp(-slope * (c - threshold)));
    assert.ok(Math.abs(similarity(fa, fb) - modelOnly) < 1e-5, `score ${similarity(fa, fb)} = σ(slope·(cos − threshold)) = ${modelOnly}`);
    const hand = similarity(speakerFeatures(voiceA, 16_000), speakerFeatures(voiceB, 16_000));
    assert.ok(Math.abs(hand - modelOnly) > 1e-3, `the hand-made score (${hand}) differs, so the test can tell them apart`);

    writeFileSync(calibrationPathFor(path), JSON.stringify({ threshold: 0.9, slope: 20, weight: 0.25 }));
    try {
      const calibrated = await SpeakerEmbeddingModel.load(path);
      const [ca, cb] = [await calibrated.speakerFeatures(voiceA, 16_000), await calibrated.speakerFeatures(voiceB, 16_000)];
      await calibrated.release();
      assert.deepEqual({ ...calibrated.calibration }, { threshold: 0.9, slope: 20, weight: 0.25 }, 'read from the file');
      const { SCORER_PARAMS } = await import('./scorer-params.js');
      const handLogit = SCORER_PARAMS.calibration.slope * (projectedCosine(ca, cb) - SCORER_PARAMS.calibration.threshold);
      const fused = 1 / (1 + Math.exp(-(0.25 * 20 * (c - 0.9) + 0.75 * handLogit)));
      assert.ok(Math.abs(similarity(ca, cb) - fused) < 1e-5, `fused score ${similarity(ca, cb)} vs ${fused}`);
      // Embeddings of different models are not compared: the hand-made score alone.
      const foreign = { ...cb, embedding: { ...cb.embedding!, model: 'another-model' } };
      assert.ok(Math.abs(similarity(ca, foreign) - hand) < 1e-9, 'another model: hand-made score only');
    } finally {
      rmSync(calibrationPathFor(path), { force: true });
    }
  });

  test('a (batch, 1, D) output is accepted; too little audio gives no embedding', async () => {
    const rank3 = join(dir, 'rank3.onnx');
    writeFileSync(rank3, tinyEncoder(EMBEDDING_BINS, 3));
    const model = await SpeakerEmbeddingModel.load(rank3);
    try {
      const e = await model.embed(voiceA, 16_000);
      assert.ok(e && Math.abs(dot(e, expectedEmbedding(voiceA)) - 1) < 1e-5, 'same embedding from a rank-3 output');
      assert.equal(await model.embed(new Float32Array(800), 16_000), null, '50 ms: no embedding');
      const f = await model.speakerFeatures(new Float32Array(800), 16_000);
      assert.equal(f.embedding, undefined, 'features without an embedding');
    } finally {
      await model.release();
    }
  });

  test('unusable models and calibration files are refused with speaker_model_unusable', async () => {
    const wrongBins = join(dir, 'bins40.onnx');
    writeFileSync(wrongBins, tinyEncoder(40));
    const garbage = join(dir, 'garbage.onnx');
    writeFileSync(garbage, 'not a model');
    const badSidecar = join(dir, 'sidecar.onnx');
    writeFileSync(badSidecar, tinyEncoder());
    writeFileSync(calibrationPathFor(badSidecar), JSON.stringify({ threshold: 3, slope: 1, weight: 1 }));
    const notJson = join(dir, 'notjson.onnx');
    writeFileSync(notJson, tinyEncoder());
    writeFileSync(calibrationPathFor(notJson), '{');
    for (const [label, p, pattern] of [
      ['40 mel bins', wrongBins, /expected \(batch, frames, 80\)/],
      ['not ONNX', garbage, /not a loadable ONNX model/],
      ['missing', join(dir, 'absent.onnx'), /cannot read it/],
      ['threshold out of range', badSidecar, /invalid at 'threshold'/],
      ['calibration not JSON', notJson, /is not JSON/],
    ] as const) {
      await assert.rejects(
        SpeakerEmbeddingModel.load(p),
        (err: unknown) => err instanceof LiteTtsError && err.code === 'speaker_model_unusable' && err.kind === 'unavailable' && pattern.test(err.message),
        `${label}: refused with speaker_model_unusable matching ${pattern}`,
      );
    }
  });
});
