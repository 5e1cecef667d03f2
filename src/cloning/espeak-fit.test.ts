import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EspeakVoiceData } from '../engines/engine.js';
import { LiteTtsError } from '../errors.js';
import { renderEspeak } from '../test-support/espeak-render.js';
import { measure } from './espeak-fit-calibration.js';
import { FIT_TEXTS, fitEspeakVoice, RENDER_RATE } from './espeak-fit.js';
import { similarity, speakerFeatures } from './scorer.js';

const DEFAULT: EspeakVoiceData = { engine: 'espeak', base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 };
/** Far from the defaults: a low, slow voice with a long vocal tract. */
const HIDDEN: EspeakVoiceData = {
  ...DEFAULT,
  variant: 'm3',
  rate: 120,
  pitchHz: { base: 62, max: 90 },
  formants: [1, 2, 3, 4, 5].map((n) => ({ n, freq: 88, height: 100, width: 100 })),
};
const REFERENCE_TEXT =
  'A reference recording has many words in it, spoken one after the other by the hidden voice, so that the fit has enough to hear. It goes on for a while longer, about ten seconds in all.';
const logit = (p: number): number => Math.log(p / (1 - p));

test('round trip: a hidden espeak voice is recovered in pitch and pace, and the clone beats the default voice', { timeout: 60_000 }, async () => {
  const reference = await renderEspeak(HIDDEN, REFERENCE_TEXT);
  const started = performance.now();
  const fit = await fitEspeakVoice({ samples: reference, sampleRate: RENDER_RATE }, { language: 'en-us', render: renderEspeak, budgetMs: 3000 });
  const ms = performance.now() - started;
  const ref = measure(reference, RENDER_RATE);
  const clone = measure(await renderEspeak(fit.voice, FIT_TEXTS.heldOut), RENDER_RATE);
  const baseline = similarity(ref.features, speakerFeatures(await renderEspeak(DEFAULT, FIT_TEXTS.heldOut), RENDER_RATE));
  console.log(
    `round trip: F0 ref ${ref.f0Hz.toFixed(1)} Hz, clone ${clone.f0Hz.toFixed(1)} Hz; rate hidden ${HIDDEN.rate}, fitted ${fit.voice.rate} wpm; ` +
      `variant ${fit.voice.variant}, formants ${fit.voice.formants?.[0]?.freq} %; held-out score ${fit.score.toFixed(4)} vs default ${baseline.toFixed(4)}; ` +
      `${fit.steps} renders in ${ms.toFixed(0)} ms`,
  );
  assert.ok(Math.abs(clone.f0Hz / ref.f0Hz - 1) < 0.1, `clone's median F0 ${clone.f0Hz.toFixed(1)} within 10 % of the reference's ${ref.f0Hz.toFixed(1)}`);
  assert.ok(Math.abs(fit.voice.rate / HIDDEN.rate - 1) < 0.15, `fitted rate ${fit.voice.rate} within 15 % of the hidden ${HIDDEN.rate} wpm`);
  assert.ok(logit(fit.score) - logit(baseline) > 1, `held-out score ${fit.score} clearly above the default voice's ${baseline} (by more than 1 in logit)`);
  assert.ok(fit.steps > 5, `the search tried candidates (${fit.steps} renders)`);
  assert.ok(ms < 6000, `the fit keeps near its 3 s budget (${ms.toFixed(0)} ms)`);
});

test('the score is measured on the held-out text, never the search text', { timeout: 60_000 }, async () => {
  const texts: string[] = [];
  const render = (voice: EspeakVoiceData, text: string): Promise<Float32Array> => {
    texts.push(text);
    return renderEspeak(voice, text);
  };
  const reference = await renderEspeak(HIDDEN, REFERENCE_TEXT);
  const fit = await fitEspeakVoice({ samples: reference, sampleRate: RENDER_RATE }, { language: 'en-us', render, budgetMs: 1500 });
  assert.equal(texts.at(-1), FIT_TEXTS.heldOut, 'the last render, the scored one, speaks the held-out text');
  assert.equal(texts.filter((t) => t === FIT_TEXTS.heldOut).length, 1, 'and only it does');
  assert.equal(texts.length, fit.steps, 'steps count the renders');
  await assert.rejects(
    fitEspeakVoice({ samples: reference, sampleRate: RENDER_RATE }, { language: 'en-us', render, budgetMs: 1000, texts: { search: 'Same.', heldOut: 'Same.' } }),
    (e: unknown) => e instanceof LiteTtsError && e.kind === 'invalid',
    'one text for both is refused',
  );
});

test('the budget bounds the search, a signal cancels it, silence is refused', { timeout: 60_000 }, async () => {
  const reference = await renderEspeak(HIDDEN, REFERENCE_TEXT);
  const ref = { samples: reference, sampleRate: RENDER_RATE };
  const started = performance.now();
  const quick = await fitEspeakVoice(ref, { language: 'en-us', render: renderEspeak, budgetMs: 400 });
  const ms = performance.now() - started;
  assert.ok(quick.steps <= 5, `a small budget makes few renders (${quick.steps})`);
  assert.ok(ms < 1500, `and returns soon (${ms.toFixed(0)} ms)`);
  assert.ok(quick.score >= 0 && quick.score <= 1, 'with a score all the same');

  const controller = new AbortController();
  let renders = 0;
  const render = (voice: EspeakVoiceData, text: string): Promise<Float32Array> => {
    if (++renders === 3) controller.abort(new Error('client went away'));
    return renderEspeak(voice, text);
  };
  await assert.rejects(
    fitEspeakVoice(ref, { language: 'en-us', render, budgetMs: 3000, signal: controller.signal }),
    /client went away/,
    'an abort ends the fit with its reason',
  );
  assert.equal(renders, 3, 'no render after the abort');

  await assert.rejects(
    fitEspeakVoice({ samples: new Float32Array(RENDER_RATE * 5), sampleRate: RENDER_RATE }, { language: 'en-us', render: renderEspeak, budgetMs: 1000 }),
    (e: unknown) => e instanceof LiteTtsError && e.code === 'reference_no_speech',
    'a silent reference is refused with its own code',
  );
});
