import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EspeakVoiceData } from '../engines/engine.js';
import { renderEspeak } from '../test-support/espeak-render.js';
import { hasPraat, praatMedianF0 } from '../test-support/praat.js';
import { decodeFile, findSpeechCorpus, listUtterances, type Utterance } from '../test-support/speech-corpus.js';
import { measure } from './espeak-fit-calibration.js';
import { FIT_TEXTS, fitEspeakVoice, RENDER_RATE } from './espeak-fit.js';
import { similarity, speakerFeatures } from './scorer.js';

const corpus = findSpeechCorpus();
const DEFAULT: EspeakVoiceData = { engine: 'espeak', base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 };
const RATE = 16_000;
/** A 10 s reference, as a clone request would send. */
const REFERENCE_SECONDS = 10;
/** Readers per sex among which the lowest and the highest voice are taken. */
const CANDIDATES = 6;

test('real speech: clones of 4 readers (low and high, women and men) keep their pitch and beat the default voice', {
  skip: corpus === null ? 'speech corpus absent' : !hasPraat() ? 'praat absent' : false,
  timeout: 300_000,
}, async () => {
  const utterances = listUtterances(corpus!);
  const readers: { u: Utterance; samples: Float32Array; f0: number }[] = [];
  for (const sex of ['F', 'M'] as const) {
    const first = [...new Map(utterances.filter((u) => u.sex === sex).map((u) => [u.speaker, u])).values()].slice(0, CANDIDATES);
    const measured = [];
    for (const u of first) {
      const samples = (await decodeFile(u.path, RATE)).subarray(0, REFERENCE_SECONDS * RATE);
      measured.push({ u, samples, f0: measure(samples, RATE).f0Hz });
    }
    measured.sort((a, b) => a.f0 - b.f0);
    readers.push(measured[0]!, measured.at(-1)!);
  }
  const defaultHeldOut = speakerFeatures(await renderEspeak(DEFAULT, FIT_TEXTS.heldOut), RENDER_RATE);
  const results = [];
  for (const { u, samples } of readers) {
    const started = performance.now();
    const fit = await fitEspeakVoice({ samples, sampleRate: RATE }, { language: 'en-us', render: renderEspeak, budgetMs: 3000 });
    const ms = performance.now() - started;
    const clone = await renderEspeak(fit.voice, FIT_TEXTS.heldOut);
    const refF0 = await praatMedianF0(samples, RATE);
    const cloneF0 = await praatMedianF0(clone, RENDER_RATE);
    const baseline = similarity(speakerFeatures(samples, RATE), defaultHeldOut);
    results.push({ u, refF0, cloneF0, score: fit.score, baseline });
    console.log(
      `reader ${u.speaker} (${u.sex}): praat F0 ref ${refF0.toFixed(1)} Hz, clone ${cloneF0.toFixed(1)} Hz (${(100 * (cloneF0 / refF0 - 1)).toFixed(1)} %); ` +
        `held-out score ${fit.score.toFixed(3)} vs default ${baseline.toFixed(3)}; fit ${ms.toFixed(0)} ms, ${fit.steps} renders; ` +
        `variant ${fit.voice.variant}, pitch ${fit.voice.pitchHz?.base}–${fit.voice.pitchHz?.max} Hz, rate ${fit.voice.rate} wpm`,
    );
  }
  for (const r of results) {
    assert.ok(Math.abs(r.cloneF0 / r.refF0 - 1) < 0.1, `reader ${r.u.speaker}: clone's praat median F0 ${r.cloneF0.toFixed(1)} within 10 % of ${r.refF0.toFixed(1)} Hz`);
    assert.ok(r.score > r.baseline, `reader ${r.u.speaker}: the clone (${r.score.toFixed(3)}) scores above the default voice (${r.baseline.toFixed(3)})`);
  }
  const byRef = [...results].sort((a, b) => a.refF0 - b.refF0).map((r) => r.u.speaker);
  const byClone = [...results].sort((a, b) => a.cloneF0 - b.cloneF0).map((r) => r.u.speaker);
  assert.deepEqual(byClone, byRef, 'the clones keep their references\' pitch order');
});
