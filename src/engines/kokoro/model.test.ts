import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KOKORO_PACKS_DIR, sampleTensor } from '../../test-support/fixtures.js';
import {
  TINY_SAMPLES_PER_ID,
  closestStyleRow,
  decodeTinyWaveform,
  expectedTinyWaveform,
  makeTinyKokoroModel,
  styleMaxAbsDiff,
  type TinyKokoroOptions,
} from '../../test-support/tiny-kokoro.js';
import { KOKORO_MAX_IDS, KokoroModel } from './model.js';

let dir = '';
const PACK = sampleTensor(7); // 510 × 256, rows all distinct

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'litetts-kokoro-model-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function writeModel(options: TinyKokoroOptions = {}): Promise<string> {
  const path = join(dir, `tiny-${counter++}.onnx`);
  await writeFile(path, makeTinyKokoroModel(options));
  return path;
}

/** [0, …phoneme ids, 0] with deterministic ids in Kokoro's range 1–177. */
function paddedIds(phonemes: number, seed = 1): BigInt64Array {
  const ids = new BigInt64Array(phonemes + 2);
  for (let i = 1; i <= phonemes; i++) ids[i] = BigInt(1 + ((i * 37 + seed * 11) % 177));
  return ids;
}

function row(pack: Float32Array, r: number): Float32Array {
  return pack.subarray(r * 256, (r + 1) * 256);
}

/** Runs and checks that the waveform proves exactly these ids, this style and this speed reached the model. */
async function runAndProve(model: KokoroModel, ids: BigInt64Array, style: Float32Array, speed: number): Promise<Float32Array> {
  const wave = await model.run(ids, style, speed);
  assert.ok(wave instanceof Float32Array);
  assert.equal(wave.length, ids.length * TINY_SAMPLES_PER_ID, 'flat waveform of 240 samples per id');
  const evidence = decodeTinyWaveform(wave);
  assert.deepEqual(evidence.ids, Array.from(ids, Number), 'ids in order');
  assert.equal(evidence.styleCoverage, ids.length >= 3 ? 256 : ids.length * 120);
  assert.ok(styleMaxAbsDiff(evidence.style, style) <= 1e-6, `style differs by ${styleMaxAbsDiff(evidence.style, style)}`);
  assert.ok(Math.abs(evidence.speed - speed) <= 1e-6, `speed decoded as ${evidence.speed}, sent ${speed}`);
  const expected = expectedTinyWaveform(ids, style, speed);
  for (let i = 0; i < wave.length; i++) {
    if (Math.abs(wave[i]! - expected[i]!) > 1e-6) assert.fail(`sample ${i}: ${wave[i]} vs expected ${expected[i]}`);
  }
  return wave;
}

describe('KokoroModel with the tiny model', () => {
  const variants: { names: 'onnx-community' | 'kokoro-onnx'; outputRank: 1 | 2; ids: string; out: string }[] = [
    { names: 'onnx-community', outputRank: 1, ids: 'input_ids', out: 'waveform' },
    { names: 'onnx-community', outputRank: 2, ids: 'input_ids', out: 'waveform' },
    { names: 'kokoro-onnx', outputRank: 1, ids: 'tokens', out: 'audio' },
    { names: 'kokoro-onnx', outputRank: 2, ids: 'tokens', out: 'audio' },
  ];
  for (const v of variants) {
    test(`${v.names} names, rank-${v.outputRank} output: ids, style and speed reach the model`, async () => {
      const model = await KokoroModel.load(await writeModel({ names: v.names, outputRank: v.outputRank }));
      try {
        assert.deepEqual({ ...model.names }, { ids: v.ids, style: 'style', speed: 'speed', waveform: v.out });
        await runAndProve(model, paddedIds(20, 1), row(PACK, 22), 1);
        await runAndProve(model, paddedIds(57, 2), row(PACK, 59), 1.25);
        await runAndProve(model, BigInt64Array.of(0n, 177n, 0n), row(PACK, 1), 0.25);
        await runAndProve(model, BigInt64Array.of(0n, 0n), row(PACK, 0), 4);
      } finally {
        await model.release();
      }
    });
  }

  test('the decoded style identifies the voice pack row (real packs too, where neighbouring rows are close)', async () => {
    const model = await KokoroModel.load(await writeModel());
    try {
      for (const r of [0, 1, 100, 101, 509]) {
        const evidence = decodeTinyWaveform(await model.run(paddedIds(r), row(PACK, r), 1));
        const match = closestStyleRow(evidence.style, PACK);
        assert.equal(match.row, r);
        assert.ok(match.distance <= 1e-6 && match.runnerUp > 5e-4, JSON.stringify(match));
      }
      const packs = KOKORO_PACKS_DIR;
      if (packs !== undefined) {
        // Real packs: neighbouring rows differ by as little as ~3e-5 in their most different dimension.
        const bytes = await readFile(join(packs, 'bf_emma.bin'));
        const real = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        for (const r of [300, 364, 365, 366, 509]) {
          const match = closestStyleRow(decodeTinyWaveform(await model.run(paddedIds(3), row(real, r), 1)).style, real);
          assert.equal(match.row, r);
          assert.ok(match.distance <= 1e-6 && match.runnerUp > 1e-5, JSON.stringify(match));
        }
      }
    } finally {
      await model.release();
    }
  });

  test('different inputs give different evidence (the checks can fail)', async () => {
    const model = await KokoroModel.load(await writeModel());
    try {
      const ids = paddedIds(10);
      const a = decodeTinyWaveform(await model.run(ids, row(PACK, 12), 1));
      const swapped = ids.slice();
      [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
      assert.notDeepEqual(decodeTinyWaveform(await model.run(swapped, row(PACK, 12), 1)).ids, a.ids);
      assert.ok(styleMaxAbsDiff(decodeTinyWaveform(await model.run(ids, row(PACK, 11), 1)).style, row(PACK, 12)) > 1e-3);
      assert.ok(Math.abs(decodeTinyWaveform(await model.run(ids, row(PACK, 12), 1.01)).speed - a.speed) > 5e-3);
    } finally {
      await model.release();
    }
  });

  test('exactly 512 ids run; 513 are rejected with a clear error, as is an empty input', async () => {
    const model = await KokoroModel.load(await writeModel());
    try {
      assert.equal(KOKORO_MAX_IDS, 512);
      await runAndProve(model, paddedIds(510), row(PACK, 509), 1);
      await assert.rejects(model.run(paddedIds(511), row(PACK, 509), 1), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.match(err.message, /513 ids/);
        assert.match(err.message, /at most 512/);
        return true;
      });
      await assert.rejects(model.run(new BigInt64Array(0), row(PACK, 0), 1), /no ids/);
    } finally {
      await model.release();
    }
  });

  test('a style vector that is not 256 values long is rejected', async () => {
    const model = await KokoroModel.load(await writeModel());
    try {
      for (const length of [0, 255, 257, 510 * 256]) {
        await assert.rejects(model.run(paddedIds(5), new Float32Array(length), 1), (err: Error) => {
          assert.ok(err instanceof RangeError);
          assert.match(err.message, new RegExp(`style vector has ${length} values; the model expects 256`));
          return true;
        });
      }
      for (const speed of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(model.run(paddedIds(5), row(PACK, 5), speed), /speed must be a positive finite number/);
      }
    } finally {
      await model.release();
    }
  });

  test('a model with other input or output names is rejected, naming what it has', async () => {
    const cases: [TinyKokoroOptions, RegExp][] = [
      [{ rename: { ids: 'phonemes' } }, /no ids input.*found inputs \[phonemes, style, speed\] and outputs \[waveform\]/],
      [{ names: 'kokoro-onnx', rename: { style: 'ref_s' } }, /no style input.*found inputs \[tokens, ref_s, speed\]/],
      [{ rename: { speed: 'rate' } }, /no speed input.*found inputs \[input_ids, style, rate\]/],
      [{ rename: { output: 'wav' } }, /no waveform output.*outputs \[wav\]/],
    ];
    for (const [options, pattern] of cases) {
      const path = await writeModel(options);
      await assert.rejects(KokoroModel.load(path), (err: Error) => {
        assert.match(err.message, /is not a Kokoro model/);
        assert.match(err.message, /expected inputs input_ids \(or tokens\), style, speed and an output waveform \(or audio\)/);
        assert.match(err.message, pattern);
        assert.ok(err.message.includes(path));
        return true;
      });
    }
  });

  test('a missing or corrupt file is rejected with the path in the message', async () => {
    const missing = join(dir, 'missing.onnx');
    await assert.rejects(KokoroModel.load(missing), (err: Error) => err.message.startsWith(`Cannot load the Kokoro model ${missing}:`));
    const corrupt = join(dir, 'corrupt.onnx');
    await writeFile(corrupt, 'not a model');
    await assert.rejects(KokoroModel.load(corrupt), (err: Error) => err.message.startsWith(`Cannot load the Kokoro model ${corrupt}:`));
  });

  test('thread options are applied and validated', async () => {
    const path = await writeModel();
    const model = await KokoroModel.load(path, { intraOpThreads: 1, interOpThreads: 1 });
    try {
      await runAndProve(model, paddedIds(30), row(PACK, 30), 1);
    } finally {
      await model.release();
    }
    await assert.rejects(KokoroModel.load(path, { intraOpThreads: -1 }), /intraOpThreads must be a non-negative integer/);
    await assert.rejects(KokoroModel.load(path, { interOpThreads: 1.5 }), /interOpThreads must be a non-negative integer/);
  });

  test('concurrent runs each get their own result', async () => {
    const model = await KokoroModel.load(await writeModel({ outputRank: 2 }));
    try {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => runAndProve(model, paddedIds(5 + i * 13, i), row(PACK, 5 + i * 13), 0.5 + i * 0.25)),
      );
    } finally {
      await model.release();
    }
  });

  test('release: idempotent, later runs fail, earlier waveforms stay valid', async () => {
    const model = await KokoroModel.load(await writeModel());
    const ids = paddedIds(8);
    const wave = await runAndProve(model, ids, row(PACK, 8), 1);
    const copy = wave.slice();
    assert.equal(model.released, false);
    await model.release();
    await model.release();
    assert.equal(model.released, true);
    assert.deepEqual(wave, copy);
    await assert.rejects(model.run(ids, row(PACK, 8), 1), /has been released/);
  });

  test('a run of 100 ids is fast', async (t) => {
    const model = await KokoroModel.load(await writeModel());
    try {
      const ids = paddedIds(98);
      const style = row(PACK, 98);
      for (let i = 0; i < 3; i++) await model.run(ids, style, 1);
      const times: number[] = [];
      // CPU time of the process (all of onnxruntime's threads), not wall time: other work on a shared machine does not count.
      for (let i = 0; i < 20; i++) {
        const start = process.cpuUsage();
        await model.run(ids, style, 1);
        const used = process.cpuUsage(start);
        times.push((used.user + used.system) / 1000);
      }
      times.sort((a, b) => a - b);
      const median = times[times.length >> 1]!;
      t.diagnostic(`100 ids: median ${median.toFixed(3)} ms, max ${times[times.length - 1]!.toFixed(3)} ms of CPU over 20 runs`);
      assert.ok(median < 50, `median run took ${median} ms of CPU`);
    } finally {
      await model.release();
    }
  });
});

describe('tiny Kokoro waveform', () => {
  test('survives silence trimming: the ends are loud, no sample is near silent, all within [-1, 1]', () => {
    // Extremes: id 0 then 177, the slowest and fastest speeds, the real packs' style range.
    const style = new Float32Array(256).map((_, i) => (i % 2 === 0 ? -1.6 : 1.8));
    for (const speed of [0.25, 4]) {
      const wave = expectedTinyWaveform(BigInt64Array.of(0n, 177n, 0n), style, speed);
      const mags = Array.from(wave, Math.abs);
      const peak = Math.max(...mags);
      assert.ok(peak <= 1);
      assert.ok(Math.min(...mags) >= 0.05 * peak, `quietest sample ${Math.min(...mags)} vs peak ${peak}`);
      assert.ok(mags[0]! >= 0.19 * peak && mags[mags.length - 1]! >= 0.19 * peak);
    }
  });

  test('the decoder rejects lengths that are not whole segments', () => {
    assert.throws(() => decodeTinyWaveform(new Float32Array(0)), /not a positive multiple of 240/);
    assert.throws(() => decodeTinyWaveform(new Float32Array(239)), /not a positive multiple of 240/);
  });
});
