import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { OUTPUT_SAMPLE_RATE, concatFloat32 } from '../../audio/pcm.js';
import type { EspeakVoiceData, SynthesisInput } from '../engine.js';
import { renderPiece } from '../render.js';
import { ESPEAK_SAMPLE_RATE } from './constants.js';
import { EspeakEngine } from './engine.js';
import { ESPEAK_BUILTIN_VOICES, ESPEAK_DEFAULTS } from './voices.js';

/** A short sentence in each builtin voice's language. */
const SENTENCES: Readonly<Record<string, string>> = {
  'en-us': 'Hello, how are you today?',
  'en-gb': 'Good morning, shall we have some tea?',
  es: 'Hola, ¿cómo estás hoy?',
  'fr-fr': "Bonjour, comment allez-vous aujourd'hui ?",
  de: 'Guten Tag, wie geht es Ihnen heute?',
  it: 'Buongiorno, come stai oggi?',
  'pt-br': 'Olá, como você está hoje?',
  hi: 'नमस्ते, आप कैसे हैं?',
  ja: 'こんにちは、おげんきですか。',
  cmn: '你好，今天天气很好。',
};

const ENGLISH = 'The quick brown fox jumps over the lazy dog.';

function voice(name: string): EspeakVoiceData {
  const builtin = ESPEAK_BUILTIN_VOICES.find((v) => v.name === name);
  assert.ok(builtin, `no builtin voice ${name}`);
  assert.equal(builtin.data.engine, 'espeak');
  return builtin.data as EspeakVoiceData;
}

function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/**
 * Median F0 over voiced frames, by normalised autocorrelation on the signal decimated by 2
 * (pairs averaged: enough for voices under 500 Hz, and four times cheaper): 40 ms frames every 10 ms,
 * frames quieter than a quarter of the loudest skipped, a frame counts as voiced when its
 * best correlation (60–500 Hz) is at least 0.6, and its period is the shortest lag that
 * reaches 90 % of that best (which avoids picking a multiple of the period).
 */
function medianF0(pcm: Int16Array, fullRate: number): number {
  const rate = fullRate / 2;
  const x = new Float64Array(Math.floor(pcm.length / 2));
  for (let i = 0; i < x.length; i++) x[i] = (pcm[2 * i]! + pcm[2 * i + 1]!) / 65536;
  const frame = Math.round(rate * 0.04);
  const hop = Math.round(rate * 0.01);
  const minLag = Math.floor(rate / 500);
  const maxLag = Math.ceil(rate / 60);
  const frames: { start: number; rms: number }[] = [];
  for (let start = 0; start + frame + maxLag <= x.length; start += hop) frames.push({ start, rms: rms(x.subarray(start, start + frame)) });
  const loud = Math.max(...frames.map((f) => f.rms)) * 0.25;
  const f0s: number[] = [];
  const corr = new Float64Array(maxLag + 2);
  for (const { start, rms: level } of frames) {
    if (level < loud) continue;
    let best = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = start; i < start + frame; i++) {
        const a = x[i]!;
        const b = x[i + lag]!;
        xy += a * b;
        xx += a * a;
        yy += b * b;
      }
      corr[lag] = xy / (Math.sqrt(xx * yy) || 1);
      best = Math.max(best, corr[lag]!);
    }
    if (best < 0.6) continue;
    for (let lag = minLag + 1; lag < maxLag; lag++) {
      if (corr[lag]! >= 0.9 * best && corr[lag]! >= corr[lag - 1]! && corr[lag]! >= corr[lag + 1]!) {
        f0s.push(rate / lag);
        break;
      }
    }
  }
  assert.ok(f0s.length >= 10, `only ${f0s.length} voiced frames`);
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)]!;
}

describe('EspeakEngine', () => {
  let engine: EspeakEngine;

  async function synth(input: SynthesisInput): Promise<Float32Array> {
    const chunks: Float32Array[] = [];
    for await (const chunk of engine.synthesize(input)) chunks.push(chunk);
    return concatFloat32(chunks);
  }

  before(async () => {
    engine = await EspeakEngine.load();
  });

  test('identity and variants', () => {
    assert.equal(engine.id, 'espeak');
    assert.equal(engine.sampleRate, 22050);
    assert.equal(ESPEAK_SAMPLE_RATE, 22050);
    for (const builtin of ESPEAK_BUILTIN_VOICES) {
      const data = builtin.data as EspeakVoiceData;
      assert.ok(data.variant === null || engine.variants.has(data.variant), `${builtin.name}: variant ${data.variant} not in espeak-ng`);
    }
  });

  test('every builtin voice speaks its language', async () => {
    assert.ok(ESPEAK_BUILTIN_VOICES.length > 0);
    for (const builtin of ESPEAK_BUILTIN_VOICES) {
      const text = SENTENCES[builtin.language];
      assert.ok(text, `no test sentence for language ${builtin.language} (${builtin.name})`);
      const pcm = await synth({ text, voice: builtin.data, speed: 1 });
      const seconds = pcm.length / engine.sampleRate;
      assert.ok(seconds > 0.5 && seconds < 10, `${builtin.name}: ${seconds.toFixed(2)} s`);
      assert.ok(rms(pcm) > 0.02, `${builtin.name}: RMS ${rms(pcm).toFixed(4)}, silent`);
      let peak = 0;
      for (const s of pcm) peak = Math.max(peak, Math.abs(s));
      assert.ok(peak <= 1, `${builtin.name}: samples outside [-1, 1]`);
    }
  });

  test('a variant that does not exist is a clear error', async () => {
    await assert.rejects(
      synth({ text: 'Hello', voice: { ...voice('espeak-en-us-female'), variant: 'zz9' }, speed: 1 }),
      /no voice variant 'zz9'/,
    );
    // Path-like variants cannot reach outside the variants directory either.
    await assert.rejects(synth({ text: 'Hello', voice: { ...voice('espeak-en-us-female'), variant: '../en' }, speed: 1 }), /variant/);
  });

  test('a base voice that does not exist is a clear error', async () => {
    await assert.rejects(
      synth({ text: 'Hello', voice: { ...voice('espeak-en-us-female'), base: 'xx-nowhere' }, speed: 1 }),
      /no voice 'xx-nowhere\+f3'/,
    );
    await assert.rejects(
      synth({ text: 'Hello', voice: { ...voice('espeak-en-us-female'), base: 'xx-nowhere', variant: null }, speed: 1 }),
      /no voice 'xx-nowhere'/,
    );
  });

  test('a failed voice switch leaves the engine speaking the right voice', async () => {
    const male = voice('espeak-en-us-male');
    const before = medianF0(await renderPiece(engine, { text: ENGLISH, voice: male, speed: 1 }), OUTPUT_SAMPLE_RATE);
    await assert.rejects(synth({ text: 'Hello', voice: { ...voice('espeak-en-us-female'), base: 'xx-nowhere' }, speed: 1 }));
    const after = medianF0(await renderPiece(engine, { text: ENGLISH, voice: male, speed: 1 }), OUTPUT_SAMPLE_RATE);
    assert.ok(Math.abs(after / before - 1) < 0.1, `male F0 ${before.toFixed(0)} Hz before, ${after.toFixed(0)} Hz after`);
  });

  test('a voice of another engine is refused', async () => {
    await assert.rejects(synth({ text: 'Hello', voice: { engine: 'kokoro', tensor: new Float32Array(0) }, speed: 1 }), /kokoro/);
  });

  test('residualSpeed: 1 inside espeak-ng’s 80–450 wpm, the rest outside', () => {
    const data = voice('espeak-en-us-female');
    assert.equal(data.rate, ESPEAK_DEFAULTS.rate);
    assert.equal(data.rate, 175);
    const residual = (speed: number) => engine.residualSpeed({ text: 'x', voice: data, speed });
    for (const speed of [0.5, 0.75, 1, 1.5, 2, 2.5]) assert.equal(residual(speed), 1, `speed ${speed}`);
    // At the bounds themselves (up to float rounding: 450 / 175 * 175 is 450.00000000000006).
    for (const speed of [450 / 175, 80 / 175]) assert.ok(Math.abs(residual(speed) - 1) < 1e-9, `speed ${speed}: ${residual(speed)}`);
    // 0.25 × 175 = 43.75 wpm, espeak speaks 80: the renderer stretches by 43.75 / 80.
    assert.equal(residual(0.25), 0.546875);
    // 4 × 175 = 700 wpm, espeak speaks 450: the renderer speeds up by 700 / 450.
    assert.ok(Math.abs(residual(4) - 700 / 450) < 1e-12, String(residual(4)));
    assert.ok(Math.abs(residual(3) - 525 / 450) < 1e-12);
    // A voice with its own rate clamps on its own numbers.
    assert.equal(engine.residualSpeed({ text: 'x', voice: { ...data, rate: 100 }, speed: 0.4 }), 0.5);
  });

  test('renderPiece gives 24 kHz Int16 whose length scales with speed', async () => {
    const data = voice('espeak-en-us-male');
    const slow = await renderPiece(engine, { text: ENGLISH, voice: data, speed: 0.25 });
    const normal = await renderPiece(engine, { text: ENGLISH, voice: data, speed: 1 });
    const fast = await renderPiece(engine, { text: ENGLISH, voice: data, speed: 4 });
    for (const pcm of [slow, normal, fast]) {
      assert.ok(pcm instanceof Int16Array);
      assert.ok(rms(pcm) > 500, 'silent');
    }
    // At speed 1 the output is espeak's own audio resampled 22050 → 24000.
    const native = await synth({ text: ENGLISH, voice: data, speed: 1 });
    const expected = (native.length * OUTPUT_SAMPLE_RATE) / ESPEAK_SAMPLE_RATE;
    assert.ok(Math.abs(normal.length / expected - 1) < 0.02, `${normal.length} samples at 24 kHz for ${native.length} at 22.05 kHz`);
    const slowRatio = slow.length / normal.length;
    const fastRatio = fast.length / normal.length;
    assert.ok(slowRatio > 3 && slowRatio < 5, `speed 0.25 is ×${slowRatio.toFixed(2)} as long`);
    assert.ok(fastRatio > 0.18 && fastRatio < 0.33, `speed 4 is ×${fastRatio.toFixed(3)} as long`);
    // Time-stretching keeps the pitch.
    const f0 = medianF0(normal, OUTPUT_SAMPLE_RATE);
    for (const [name, pcm] of [['0.25', slow], ['4', fast]] as const) {
      const other = medianF0(pcm, OUTPUT_SAMPLE_RATE);
      assert.ok(Math.abs(other / f0 - 1) < 0.12, `speed ${name}: F0 ${other.toFixed(0)} Hz vs ${f0.toFixed(0)} Hz at speed 1`);
    }
  });

  test('higher-pitched voices have a higher F0', async () => {
    const f0 = async (data: EspeakVoiceData) => medianF0(await renderPiece(engine, { text: ENGLISH, voice: data, speed: 1 }), OUTPUT_SAMPLE_RATE);
    const female = await f0(voice('espeak-en-us-female'));
    const male = await f0(voice('espeak-en-us-male'));
    assert.ok(female > male * 1.4, `female ${female.toFixed(0)} Hz vs male ${male.toFixed(0)} Hz`);
    assert.ok(female > 150 && female < 350, `female F0 ${female.toFixed(0)} Hz`);
    assert.ok(male > 70 && male < 160, `male F0 ${male.toFixed(0)} Hz`);
    // The deeper male voice (pitch 40) is deeper than the default one.
    const deeper = await f0(voice('espeak-en-us-male-2'));
    assert.ok(deeper < male, `male-2 ${deeper.toFixed(0)} Hz vs male ${male.toFixed(0)} Hz`);
    // The pitch setting itself reaches espeak.
    const low = await f0({ ...voice('espeak-en-us-female'), pitch: 10 });
    const high = await f0({ ...voice('espeak-en-us-female'), pitch: 90 });
    assert.ok(low < female * 0.9 && high > female * 1.1, `pitch 10: ${low.toFixed(0)} Hz, 50: ${female.toFixed(0)} Hz, 90: ${high.toFixed(0)} Hz`);
  });

  test('an aborted signal stops a long synthesis early, and the engine recovers', async () => {
    const data = voice('espeak-en-us-female');
    const text = `${ENGLISH} ${'It was a bright cold day in April, and the clocks were striking thirteen. '.repeat(4)}`;
    const full = await synth({ text, voice: data, speed: 1 });
    assert.ok(full.length / engine.sampleRate > 10, `full: ${(full.length / engine.sampleRate).toFixed(1)} s`);
    const controller = new AbortController();
    controller.abort();
    const started = process.cpuUsage();
    const cut = await synth({ text, voice: data, speed: 1, signal: controller.signal });
    const used = process.cpuUsage(started);
    const ms = (used.user + used.system) / 1000; // CPU time: a loaded machine must not fail it
    assert.ok(cut.length < full.length * 0.05, `aborted: ${cut.length} samples of ${full.length}`);
    assert.ok(ms < 500, `aborted synthesis took ${ms.toFixed(0)} ms of CPU`);
    // The next utterance is whole: nothing of the cut one is left over.
    const again = await synth({ text: ENGLISH, voice: data, speed: 1 });
    const reference = await synth({ text: ENGLISH, voice: data, speed: 1 });
    assert.ok(Math.abs(again.length / reference.length - 1) < 0.02, `${again.length} vs ${reference.length} samples`);
    // A signal that is not aborted changes nothing.
    const live = await synth({ text: ENGLISH, voice: data, speed: 1, signal: new AbortController().signal });
    assert.ok(Math.abs(live.length / reference.length - 1) < 0.02);
  });

  test('phonemize gives IPA with stress marks', () => {
    const ipa = engine.phonemize('Hello world', 'en-us');
    assert.match(ipa, /h/);
    assert.match(ipa, /w/);
    assert.match(ipa, /[ˈˌ]/u);
    assert.match(ipa, /[əɜːʊ]/u, `no IPA vowels in ${ipa}`);
    // British and American English differ.
    assert.notEqual(engine.phonemize('tomato', 'en-gb-x-rp'), engine.phonemize('tomato', 'en-us'));
    assert.throws(() => engine.phonemize('Hello', 'xx-nowhere'), /no voice 'xx-nowhere'/);
    // Phonemising between syntheses does not change the voice that speaks.
    assert.equal(engine.phonemize('Hello world', 'en-us'), ipa);
  });
});
