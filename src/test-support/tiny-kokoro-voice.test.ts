import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KOKORO_CLONE_TEXTS } from '../cloning/kokoro-clone.js';
import { similarity, speakerFeatures, type SpeakerFeatures } from '../cloning/scorer.js';
import { KokoroModel } from '../engines/kokoro/model.js';
import {
  installTinyKokoroVoice,
  TINY_VOICE_SAMPLES_PER_ID,
  tinyVoicePacks,
  tinyVoiceRenderer,
  voiceControls,
  type TinyVoiceRenderer,
} from './tiny-kokoro-voice.js';

const RATE = 24_000;
const packs = tinyVoicePacks();

describe('the voice-like tiny Kokoro model', () => {
  let dir: string;
  let modelPath: string;
  let model: KokoroModel;
  let renderer: TinyVoiceRenderer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-tiny-voice-'));
    modelPath = installTinyKokoroVoice(dir, packs);
    model = await KokoroModel.load(modelPath);
    renderer = tinyVoiceRenderer(dir);
  });
  after(async () => {
    await model?.release();
    await renderer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('loads in onnxruntime with Kokoro’s signature; one slot per id, speed shortens the slots, silent ids are silent', async () => {
    assert.deepEqual({ ...model.names }, { ids: 'input_ids', style: 'style', speed: 'speed', waveform: 'waveform' });
    const style = packs[0]!.tensor.subarray(20 * 256, 21 * 256);
    // pad, a vowel, the space, a consonant, pad
    const ids = BigInt64Array.from([0n, 43n, 16n, 61n, 0n]);
    const a = await model.run(ids, style, 1);
    assert.equal(a.length, 5 * TINY_VOICE_SAMPLES_PER_ID);
    const again = await model.run(ids, style, 1);
    assert.deepEqual(again, a, 'deterministic');
    const slot = (w: Float32Array, i: number, n: number) => w.subarray(i * n, (i + 1) * n);
    const peak = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const n = TINY_VOICE_SAMPLES_PER_ID;
    assert.equal(peak(slot(a, 0, n)), 0, 'the pad is silent');
    assert.equal(peak(slot(a, 2, n)), 0, 'the space is silent');
    assert.ok(peak(slot(a, 1, n)) > 0.1 && peak(a) <= 0.51 + 1e-6, `a vowel is loud, nothing above 0.51 (${peak(a).toFixed(3)})`);
    assert.ok(peak(slot(a, 3, n)) > 0 && peak(slot(a, 3, n)) < peak(slot(a, 1, n)), 'an /s/ is softer than a vowel');
    const fast = await model.run(ids, style, 2);
    assert.equal(fast.length, 5 * (n / 2), 'speed 2: half-length slots');
  });

  test('the measured pitch follows the F0 control of the style', async () => {
    // The text's intonation (ρ of its ids) lifts or lowers every voice alike: the offset is the same for all.
    const offsets: number[] = [];
    for (const p of packs) {
      const samples = await renderer.render(p.tensor, KOKORO_CLONE_TEXTS.search);
      const f = speakerFeatures(samples, RATE);
      const measured = 100 * 2 ** (f.values[38]! / 12); // f0_median_st
      const wanted = voiceControls(p.tensor.subarray(60 * 256, 61 * 256)).f0Hz;
      offsets.push(12 * Math.log2(measured / wanted));
      console.log(`${p.name}: control F0 ${wanted.toFixed(1)} Hz, measured median ${measured.toFixed(1)} Hz (${offsets.at(-1)!.toFixed(2)} st), ${f.speechSeconds.toFixed(1)} s of speech`);
      assert.ok(f.speechSeconds > 5, 'the scorer hears speech');
    }
    const spread = Math.max(...offsets) - Math.min(...offsets);
    assert.ok(spread < 0.6, `one offset for every voice, to within 0.6 semitones (spread ${spread.toFixed(2)})`);
    assert.ok(Math.abs(offsets[0]!) < 2.5, 'and a small one');
  });

  test('the scorer separates the packs: a pack’s renders of two texts score higher together than with any other pack', async () => {
    const a: SpeakerFeatures[] = [];
    const b: SpeakerFeatures[] = [];
    for (const p of packs) {
      a.push(speakerFeatures(await renderer.render(p.tensor, KOKORO_CLONE_TEXTS.search), RATE));
      b.push(speakerFeatures(await renderer.render(p.tensor, KOKORO_CLONE_TEXTS.heldOut), RATE));
    }
    console.log(`similarity(search text of row, held-out text of column):\n${' '.repeat(11)}${packs.map((p) => p.name.padStart(11)).join('')}`);
    for (let i = 0; i < packs.length; i++) {
      const row = b.map((bj) => similarity(a[i]!, bj));
      console.log(`${packs[i]!.name.padEnd(11)}${row.map((s) => s.toFixed(4).padStart(11)).join('')}`);
      const others = Math.max(...row.filter((_, j) => j !== i));
      assert.ok(row[i]! > others, `${packs[i]!.name}: itself ${row[i]!.toFixed(4)} above every other pack (best ${others.toFixed(4)})`);
      assert.ok(row[i]! > 0.99, `${packs[i]!.name} is one speaker across texts`);
    }
    const cross = packs.flatMap((_, i) => packs.map((__, j) => (i === j ? 1 : similarity(a[i]!, b[j]!))));
    assert.ok(Math.min(...cross) < 0.05, 'and far-apart packs are told apart clearly');
  });
});
