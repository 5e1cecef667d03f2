import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FileServer, sha256 } from '../../../test-support/file-server.js';
import { MISAKI_LEXICON_DIR } from '../../../test-support/fixtures.js';
import { pullModel } from '../pull.js';
import type { KokoroCatalog } from '../model-files.js';
import { LEXICON_FILES, importLexicon, lexiconDir, lexiconHealth, lexiconPresent } from './lexicon-files.js';
import { Lexicons } from './lexicons.js';

const skip = MISAKI_LEXICON_DIR === undefined ? 'misaki lexicons not on this machine (../shared/data/misaki)' : false;

describe('lexicon install: pull from a server, import from a folder, verified', { skip }, () => {
  const server = new FileServer();
  let dir = '';
  before(async () => server.start());
  after(async () => server.stop());
  beforeEach(() => {
    server.reset();
    dir = mkdtempSync(join(tmpdir(), 'litetts-lexicon-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A one-voice repository and the four real lexicon files at `${server.url}/misaki`. */
  function serve(): KokoroCatalog {
    const model = server.add('/repo/model.onnx', 1000);
    const voice = server.add('/repo/voices/af_one.bin', 64);
    for (const f of LEXICON_FILES) server.files.set(`/misaki/${f.name}`, readFileSync(join(MISAKI_LEXICON_DIR!, f.name)));
    return {
      repository: 'test/kokoro',
      variants: { 'model.onnx': { path: 'model.onnx', size: model.length, sha256: sha256(model) } },
      voiceNames: ['af_one'],
      voiceSize: voice.length,
    };
  }

  test('`models pull` fetches the four files into <dir>/lexicon beside the model; a second pull fetches none', async () => {
    const catalog = serve();
    const first = await pullModel({ dir, catalog, variant: 'model.onnx', baseUrl: `${server.url}/repo`, lexiconBaseUrl: `${server.url}/misaki`, retryDelayMs: 1 });
    assert.deepEqual(first.downloaded.filter((p) => p.startsWith('lexicon/')).sort(), LEXICON_FILES.map((f) => `lexicon/${f.name}`).sort());
    assert.ok(lexiconPresent(lexiconDir(dir), 'en-us') && lexiconPresent(lexiconDir(dir), 'en-gb'));
    const lexicon = new Lexicons(lexiconDir(dir)).get('en-us');
    assert.equal(lexicon?.entry('sheikh'), 'ʃˈik');
    server.requests.length = 0;
    const second = await pullModel({ dir, catalog, variant: 'model.onnx', baseUrl: `${server.url}/repo`, lexiconBaseUrl: `${server.url}/misaki`, retryDelayMs: 1 });
    assert.equal(second.downloaded.length, 0);
    assert.equal(server.requests.length, 0);
  });

  test('a served file that is not the pinned one is refused and not installed', async () => {
    const catalog = serve();
    server.behaviours.set('/misaki/us_gold.json', { kind: 'corrupt' });
    await assert.rejects(
      pullModel({ dir, catalog, variant: 'model.onnx', baseUrl: `${server.url}/repo`, lexiconBaseUrl: `${server.url}/misaki`, retries: 0, retryDelayMs: 1 }),
      /SHA-256|hash/i,
    );
    assert.equal(existsSync(join(lexiconDir(dir), 'us_gold.json')), false);
    assert.equal(lexiconPresent(lexiconDir(dir), 'en-us'), false);
    assert.ok(existsSync(join(dir, 'manifest.json')), 'the model install stands');
  });

  test('with an injected catalog and no lexicon URL nothing is fetched from anywhere', async () => {
    const catalog = serve();
    const result = await pullModel({ dir, catalog, variant: 'model.onnx', baseUrl: `${server.url}/repo`, retryDelayMs: 1 });
    assert.ok(result.downloaded.every((p) => !p.startsWith('lexicon/')));
    assert.ok(server.requests.every((r) => !r.path.startsWith('/misaki/')));
  });

  test('`import-lexicon` copies verified files; a folder with a wrong file installs nothing', async () => {
    const installed = await importLexicon(MISAKI_LEXICON_DIR!, lexiconDir(dir));
    assert.equal(installed.length, 4);
    assert.ok(lexiconPresent(lexiconDir(dir), 'en-gb'));

    const bad = mkdtempSync(join(tmpdir(), 'litetts-lexicon-bad-'));
    const other = join(dir, 'other');
    try {
      for (const f of LEXICON_FILES) copyFileSync(join(MISAKI_LEXICON_DIR!, f.name), join(bad, f.name));
      writeFileSync(join(bad, 'gb_silver.json'), '{"tampered": "tˈæmpəɹd"}');
      await assert.rejects(importLexicon(bad, other), /gb_silver\.json: \d+ bytes, expected/);
      assert.equal(existsSync(other), false);
      await assert.rejects(importLexicon(join(bad, 'nowhere'), other), /us_gold\.json: missing/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('lexiconHealth', () => {
  test('says per language whether the lexicon is installed and what reads English without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-lexicon-health-'));
    try {
      const none = lexiconHealth(dir);
      assert.equal(none['en-us'].installed, false);
      assert.equal(none['en-us'].reading, 'espeak-ng only');
      assert.match(none['en-gb'].install ?? '', /models pull/);
      if (MISAKI_LEXICON_DIR === undefined) return;
      mkdirSync(lexiconDir(dir));
      for (const f of LEXICON_FILES.filter((f) => f.language === 'en-us')) copyFileSync(join(MISAKI_LEXICON_DIR, f.name), join(lexiconDir(dir), f.name));
      const us = lexiconHealth(dir);
      assert.equal(us['en-us'].installed, true);
      assert.equal(us['en-gb'].installed, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Lexicons', () => {
  test('files of the pinned size that do not parse are read as no lexicon, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-lexicon-damaged-'));
    try {
      for (const f of LEXICON_FILES.filter((f) => f.language === 'en-gb')) writeFileSync(join(dir, f.name), Buffer.alloc(f.size, 0x20).fill('[', 0, 1));
      const lexicons = new Lexicons(dir);
      assert.equal(lexicons.get('en-gb'), null);
      assert.match(lexicons.failed.get('en-gb') ?? '', /JSON|not a JSON object/);
      assert.equal(lexicons.get('en-gb'), null);
      assert.equal(lexicons.loads.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
