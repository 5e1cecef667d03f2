import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installTinyKokoroVoice, tensorHash, tinyVoicePacks, tinyVoiceRenderer, type TinyVoiceRenderer } from '../test-support/tiny-kokoro-voice.js';
import { FEATURE_NAMES } from './features.js';
import { ATLAS_FILE, ATLAS_TEXT, buildAtlas, clearAtlasMemory, fitBlendWeights, nearestPacks, type AtlasEntry } from './kokoro-atlas.js';
import type { KokoroPack } from './kokoro-clone.js';
import { featuresFromValues, ldaCoordinates, speakerFeatures } from './scorer.js';
import { SCORER_PARAMS } from './scorer-params.js';

/** Features whose measured values are the scorer's population mean plus `z` standard deviations. */
function featuresAt(z: (i: number) => number, speechSeconds = 5) {
  return featuresFromValues(Float64Array.from(FEATURE_NAMES, (_, i) => SCORER_PARAMS.mean[i]! + z(i) * SCORER_PARAMS.scale[i]!), speechSeconds);
}
const entryOf = (name: string, features: ReturnType<typeof featuresAt>): AtlasEntry => ({
  pack: { name, language: 'en-us', gender: null, hash: name, tensor: new Float32Array(0) },
  features,
});
const seeded = (seed: number) => (i: number) => Math.sin(seed * 12.9898 + i * 78.233) * 1.5;

describe('fitting blend weights in the scorer’s LDA space', () => {
  const entries = [1, 2, 3, 4].map((s) => entryOf(`p${s}`, featuresAt(seeded(s))));
  const mix = (w: number[]) => featuresFromValues(Float64Array.from(FEATURE_NAMES, (_, i) => w.reduce((sum, wk, k) => sum + wk * entries[k]!.features.values[i]!, 0)), 5);
  const cost = (w: number[], ref: ReturnType<typeof mix>) => {
    const r = ldaCoordinates(ref);
    const p = entries.map((e) => ldaCoordinates(e.features));
    return r.reduce((s, rv, d) => s + (w.reduce((a, wk, k) => a + wk * p[k]![d]!, 0) - rv) ** 2, 0);
  };

  test('recovers the weights of a blend of the packs’ features exactly', () => {
    const hidden = [0.7, 0, 0.3, 0];
    const w = fitBlendWeights(entries, mix(hidden));
    console.log(`hidden ${hidden.join(', ')} → fitted ${w.map((x) => x.toFixed(6)).join(', ')}`);
    w.forEach((x, i) => assert.ok(Math.abs(x - hidden[i]!) < 1e-6, `weight ${i}: ${x}`));
  });

  test('outside the packs’ hull: non-negative weights summing to 1, no worse than any point of a fine simplex grid', () => {
    const outside = featuresAt(seeded(9));
    const w = fitBlendWeights(entries, outside);
    assert.ok(w.every((x) => x >= 0), `non-negative: ${w.join(', ')}`);
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'sums to 1');
    let gridBest = Infinity;
    const step = 0.05;
    for (let a = 0; a <= 1 + 1e-9; a += step) for (let b = 0; a + b <= 1 + 1e-9; b += step) for (let c = 0; a + b + c <= 1 + 1e-9; c += step) {
      gridBest = Math.min(gridBest, cost([a, b, c, Math.max(0, 1 - a - b - c)], outside));
    }
    const fitted = cost(w, outside);
    console.log(`outside the hull: fitted cost ${fitted.toFixed(4)}, best of the 0.05 grid ${gridBest.toFixed(4)}, weights ${w.map((x) => x.toFixed(3)).join(', ')}`);
    assert.ok(fitted <= gridBest + 1e-9, 'the exact optimum is at least as good as the grid');
  });

  test('nearest packs: by the scorer, nearest first, packs without speech left out', () => {
    const silent = entryOf('silent', featuresAt(seeded(1), 0));
    const atlas = { modelHash: 'm', text: ATLAS_TEXT, entries: [...entries, silent], rendered: 0 };
    const near = nearestPacks(atlas, mix([0, 0, 0.9, 0.1]), 3);
    assert.equal(near[0]!.pack.name, 'p3');
    assert.equal(near.length, 3);
    assert.ok(!near.some((e) => e.pack.name === 'silent'));
    assert.throws(() => fitBlendWeights([], entries[0]!.features), /no packs/);
  });
});

describe('the atlas with the tiny model: built, cached, rebuilt for what changed', () => {
  let modelDir: string;
  let cacheDir: string;
  let renderer: TinyVoiceRenderer;
  const packs = tinyVoicePacks().slice(0, 3);

  before(() => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-atlas-model-'));
    cacheDir = join(mkdtempSync(join(tmpdir(), 'litetts-atlas-cache-')), 'nested');
    installTinyKokoroVoice(modelDir, packs);
    renderer = tinyVoiceRenderer(modelDir);
  });
  after(async () => {
    await renderer?.close();
    rmSync(modelDir, { recursive: true, force: true });
    rmSync(join(cacheDir, '..'), { recursive: true, force: true });
  });

  const build = async (ps: readonly KokoroPack[], modelHash = 'model-1', dir: string | null = cacheDir) => {
    const before = renderer.texts.length;
    const started = performance.now();
    const atlas = await buildAtlas({ packs: ps, modelHash, render: renderer.render, cacheDir: dir });
    const renders = renderer.texts.length - before;
    assert.equal(atlas.rendered, renders, 'the atlas counts what it rendered');
    return { atlas, renders, ms: performance.now() - started };
  };

  test('first build renders every pack on the atlas text; the second renders nothing and gives the same features', async () => {
    const first = await build(packs);
    assert.equal(first.renders, packs.length);
    assert.ok(renderer.texts.slice(-packs.length).every((t) => t === ATLAS_TEXT), 'on the atlas text');
    const second = await build(packs);
    console.log(`atlas of ${packs.length} packs: built in ${first.ms.toFixed(0)} ms (${first.renders} renders), from the cache in ${second.ms.toFixed(1)} ms (${second.renders} renders)`);
    assert.equal(second.renders, 0);
    first.atlas.entries.forEach((e, i) => {
      const c = second.atlas.entries[i]!;
      assert.equal(c.pack.name, e.pack.name);
      assert.deepEqual(Array.from(c.features.projected), Array.from(e.features.projected), `${e.pack.name}: same projection`);
    });
    // And what was cached is what a render measures.
    const fresh = speakerFeatures(await renderer.render(packs[1]!.tensor, ATLAS_TEXT), 24_000);
    assert.deepEqual(Array.from(second.atlas.entries[1]!.features.projected), Array.from(fresh.projected));
    assert.deepEqual(readdirSync(cacheDir), [ATLAS_FILE], 'one file, no temporary left behind');
  });

  test('a changed pack is rendered again alone; a removed one leaves the file; a changed model renders all', async () => {
    const changedTensor = packs[2]!.tensor.map((v, i) => (i % 256 < 4 ? v + 0.5 : v));
    const changed = [packs[0]!, packs[1]!, { ...packs[2]!, tensor: changedTensor, hash: tensorHash(changedTensor) }];
    const one = await build(changed);
    assert.equal(one.renders, 1, 'only the changed pack');
    assert.notDeepEqual(Array.from(one.atlas.entries[2]!.features.values), Array.from((await build(packs)).atlas.entries[2]!.features.values));
    await build(packs.slice(0, 2));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(cacheDir, ATLAS_FILE), 'utf8')).packs), [packs[0]!.name, packs[1]!.name]);
    assert.equal((await build(packs)).renders, 1, 'the removed pack, back, is rendered again');
    const other = await build(packs, 'model-2');
    assert.equal(other.renders, packs.length, 'a new model: every pack');
    assert.equal((await build(packs, 'model-2')).renders, 0);
  });

  test('a corrupt cache file is rebuilt, never trusted', async () => {
    // One pack, to keep the renders few: each case must render it again.
    const one = packs.slice(0, 1);
    await build(one, 'model-3');
    const path = join(cacheDir, ATLAS_FILE);
    const good = JSON.parse(readFileSync(path, 'utf8'));
    const firstPack = packs[0]!.name;
    const corrupt: [string, string][] = [
      ['not JSON', '{"format": "litetts-kokoro-atl'],
      ['binary', '\u0000\u0001\u00ff'],
      ['a wrong format', JSON.stringify({ ...good, format: 'something-else' })],
      ['a value of the wrong type', JSON.stringify({ ...good, packs: { ...good.packs, [firstPack]: { ...good.packs[firstPack], values: ['x'] } } })],
      ['too few values', JSON.stringify({ ...good, packs: { ...good.packs, [firstPack]: { ...good.packs[firstPack], values: [1, 2] } } })],
      ['negative speech', JSON.stringify({ ...good, packs: { ...good.packs, [firstPack]: { ...good.packs[firstPack], speechSeconds: -1 } } })],
    ];
    for (const [what, text] of corrupt) {
      writeFileSync(path, text);
      assert.equal((await build(one, 'model-3')).renders, 1, `${what}: nothing of it trusted`);
      assert.equal((await build(one, 'model-3')).renders, 0, `${what}: and the rebuilt file is good`);
    }
    writeFileSync(path, 'x'.repeat(5 * 1024 * 1024));
    assert.equal((await build(one, 'model-3')).renders, 1, 'an oversized file is not even read');
  });

  test('a cache that cannot be written is reported, and the atlas is complete all the same', async () => {
    const blocker = join(cacheDir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const { atlas } = await build(packs.slice(0, 1), 'model-4', blocker);
    assert.match(atlas.cacheError ?? '', /EEXIST|ENOTDIR/);
    assert.ok(atlas.entries[0]!.features.speechSeconds > 5);
  });

  test('without a cache directory the atlas lives in memory, by model', async () => {
    clearAtlasMemory();
    assert.equal((await build(packs, 'memory-model', null)).renders, packs.length);
    assert.equal((await build(packs, 'memory-model', null)).renders, 0);
    assert.equal((await build(packs, 'another-model', null)).renders, packs.length);
    clearAtlasMemory();
  });
});
