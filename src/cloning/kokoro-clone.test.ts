import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LiteTtsError } from '../errors.js';
import { installTinyKokoroVoice, tinyVoicePacks, tinyVoiceRenderer, voiceControls, type TinyVoiceRenderer } from '../test-support/tiny-kokoro-voice.js';
import { buildAtlas, cloneKokoro, KOKORO_CLONE_TEXTS, type KokoroCloneDeps } from './kokoro-clone.js';
import { similarity, speakerFeatures } from './scorer.js';

const RATE = 24_000;
const REFERENCE_TEXT =
  'A reference recording has many words in it, spoken one after the other by the hidden voice, so that the clone has enough to hear.';
const logit = (p: number): number => Math.log(p / (1 - p));
const packs = tinyVoicePacks();
/** The hidden voice: a blend of two packs, itself in no atlas. */
const HIDDEN = { a: 0, b: 2, weight: 0.55 };
const hiddenTensor = packs[HIDDEN.a]!.tensor.map((v, i) => HIDDEN.weight * v + (1 - HIDDEN.weight) * packs[HIDDEN.b]!.tensor[i]!);

describe('the fast Kokoro clone with the voice-like tiny model', () => {
  let modelDir: string;
  let cacheDir: string;
  let renderer: TinyVoiceRenderer;
  let deps: KokoroCloneDeps;
  let reference: { samples: Float32Array; sampleRate: number };

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-clone-model-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'litetts-clone-cache-'));
    installTinyKokoroVoice(modelDir, packs);
    renderer = tinyVoiceRenderer(modelDir);
    deps = { packs, modelHash: 'tiny-voice-1', render: renderer.render, cacheDir };
    reference = { samples: await renderer.render(hiddenTensor, REFERENCE_TEXT), sampleRate: RATE };
    // As the server does after install: the atlas is ready before the first clone.
    const started = performance.now();
    const atlas = await buildAtlas(deps);
    console.log(`atlas of ${packs.length} packs built in ${(performance.now() - started).toFixed(0)} ms (${atlas.rendered} renders)`);
  });
  after(async () => {
    await renderer?.close();
    rmSync(modelDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('a clone of a hidden blend of two packs lands within its budget, favours them, and beats every single pack on the held-out text', async () => {
    const ref = speakerFeatures(reference.samples, reference.sampleRate);
    const singles = [];
    for (const p of packs) singles.push({ name: p.name, score: similarity(ref, speakerFeatures(await renderer.render(p.tensor, KOKORO_CLONE_TEXTS.heldOut), RATE)) });
    const bestSingle = singles.reduce((a, b) => (b.score > a.score ? b : a));

    const budgetMs = 5000;
    const progress: string[] = [];
    const rendersBefore = renderer.texts.length;
    const started = performance.now();
    const clone = await cloneKokoro(reference, deps, { quality: 'fast', budgetMs, onProgress: (p) => progress.push(p.step) });
    const ms = performance.now() - started;
    const texts = renderer.texts.slice(rendersBefore);

    const hiddenShare = clone.weights.filter((w) => w.name === packs[HIDDEN.a]!.name || w.name === packs[HIDDEN.b]!.name).reduce((s, w) => s + w.weight, 0);
    const controls = (t: Float32Array) => voiceControls(t.subarray(60 * 256, 61 * 256));
    console.log(
      `fast clone: ${ms.toFixed(0)} ms of a ${budgetMs} ms budget, ${clone.steps} renders; weights ${clone.weights.map((w) => `${w.name} ${w.weight.toFixed(3)}`).join(', ')}; ` +
        `held-out ${clone.similarity.toFixed(4)} (logit ${logit(clone.similarity).toFixed(2)}) vs best single pack ${bestSingle.name} ${bestSingle.score.toFixed(4)} (logit ${logit(bestSingle.score).toFixed(2)}); ` +
        `search ${clone.searchScore.toFixed(4)}; F0 hidden ${controls(hiddenTensor).f0Hz.toFixed(1)} Hz, clone ${controls(clone.tensor).f0Hz.toFixed(1)} Hz; ${clone.gender} ${clone.language}`,
    );
    assert.ok(ms < budgetMs + 1500, `within the budget (${ms.toFixed(0)} ms)`);
    assert.equal(clone.steps, texts.length, 'steps count the renders (the atlas was ready: none for it)');
    assert.ok(clone.steps >= 3, 'the blend was rendered and refined');
    assert.ok(hiddenShare > 0.6, `the hidden packs hold most of the weight (${hiddenShare.toFixed(3)})`);
    assert.ok([packs[HIDDEN.a]!.name, packs[HIDDEN.b]!.name].includes(clone.weights[0]!.name), 'and the heaviest is one of them');
    assert.ok(Math.abs(clone.weights.reduce((s, w) => s + w.weight, 0) - 1) < 1e-9, 'weights sum to 1');
    assert.ok(clone.similarity > bestSingle.score, 'the clone beats the best single pack on the held-out text');
    assert.equal(clone.gender, 'female', 'a blend of female packs');
    assert.ok(['en-us', 'en-gb'].includes(clone.language));
    assert.ok(progress.includes('blend') && progress.at(-1) === 'held-out', `progress steps: ${progress.join(', ')}`);
  });

  test('similarity is measured on the held-out text, which the search never used', async () => {
    const rendersBefore = renderer.texts.length;
    const clone = await cloneKokoro(reference, deps, { quality: 'fast', budgetMs: 3000 });
    const texts = renderer.texts.slice(rendersBefore);
    assert.notEqual(KOKORO_CLONE_TEXTS.heldOut, KOKORO_CLONE_TEXTS.search);
    assert.equal(texts.at(-1), KOKORO_CLONE_TEXTS.heldOut, 'the last render, the scored one, speaks the held-out text');
    assert.equal(texts.filter((t) => t === KOKORO_CLONE_TEXTS.heldOut).length, 1, 'and only it');
    assert.ok(texts.slice(0, -1).every((t) => t === KOKORO_CLONE_TEXTS.search), 'the search renders the search text');
    const ref = speakerFeatures(reference.samples, reference.sampleRate);
    const onHeldOut = similarity(ref, speakerFeatures(await renderer.render(clone.tensor, KOKORO_CLONE_TEXTS.heldOut), RATE));
    const onSearch = similarity(ref, speakerFeatures(await renderer.render(clone.tensor, KOKORO_CLONE_TEXTS.search), RATE));
    console.log(`the clone scores ${onHeldOut.toFixed(5)} on the held-out text, ${onSearch.toFixed(5)} on the search text; reported ${clone.similarity.toFixed(5)}`);
    assert.equal(clone.similarity, onHeldOut, 'the reported similarity is the held-out render’s');
    assert.equal(clone.searchScore, onSearch, 'the search score is the search text’s');
  });

  test('bad input is refused with domain errors; a cancelled clone ends with the signal’s reason', async () => {
    const code = (c: string) => (e: unknown) => e instanceof LiteTtsError && e.code === c;
    await assert.rejects(cloneKokoro({ samples: new Float32Array(RATE * 3), sampleRate: RATE }, deps, { quality: 'fast', budgetMs: 1000 }), code('reference_no_speech'));
    await assert.rejects(cloneKokoro({ samples: reference.samples, sampleRate: 3 }, deps, { quality: 'fast', budgetMs: 1000 }), (e: unknown) => e instanceof LiteTtsError && e.kind === 'invalid' && e.param === 'reference');
    for (const budgetMs of [0, -1, Number.NaN, Infinity]) {
      await assert.rejects(cloneKokoro(reference, deps, { quality: 'fast', budgetMs }), (e: unknown) => e instanceof LiteTtsError && e.param === 'max_seconds', `budget ${budgetMs}`);
    }
    await assert.rejects(cloneKokoro(reference, { ...deps, packs: [] }, { quality: 'fast', budgetMs: 1000 }), code('engine_unavailable'));
    const controller = new AbortController();
    const rendersBefore = renderer.texts.length;
    const render: KokoroCloneDeps['render'] = async (tensor, text, signal) => {
      const out = await renderer.render(tensor, text, signal);
      controller.abort(new Error('client went away'));
      return out;
    };
    await assert.rejects(cloneKokoro(reference, { ...deps, render }, { quality: 'fast', budgetMs: 5000, signal: controller.signal }), /client went away/);
    assert.equal(renderer.texts.length - rendersBefore, 1, 'no render after the abort');
  });
});
