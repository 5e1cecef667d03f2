import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, rmdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FileServer, sha256 } from '../../test-support/file-server.js';
import { installVoicePacks } from '../../voices/packs.js';
import { installedModels } from './installed.js';
import { readManifest } from './manifest.js';
import type { KokoroCatalog } from './model-files.js';
import { pullModel } from './pull.js';

const server = new FileServer();
let dir = '';

before(async () => {
  await server.start();
});
after(async () => {
  await server.stop();
});
beforeEach(async () => {
  server.reset();
  dir = await mkdtemp(join(tmpdir(), 'litetts-kokoro-download-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VOICE_SIZE = 4096;

/** A small fake repository at `${server.url}/repo`. */
function fakeRepository(): { catalog: KokoroCatalog; baseUrl: string; hashes: Map<string, string> } {
  const hashes = new Map<string, string>();
  const serve = (path: string, size: number): string => {
    const hash = sha256(server.add(`/repo/${path}`, size));
    hashes.set(path, hash);
    return hash;
  };
  const catalog: KokoroCatalog = {
    repository: 'test/kokoro',
    variants: {
      'model_a.onnx': { path: 'onnx/model_a.onnx', size: 200_000, sha256: serve('onnx/model_a.onnx', 200_000) },
      'model_b.onnx': { path: 'onnx/model_b.onnx', size: 150_000, sha256: serve('onnx/model_b.onnx', 150_000) },
    },
    voiceNames: ['af_one', 'bm_two', 'zf_three'],
    voiceSize: VOICE_SIZE,
  };
  for (const name of catalog.voiceNames) serve(`voices/${name}.bin`, VOICE_SIZE);
  return { catalog, baseUrl: `${server.url}/repo`, hashes };
}

describe('pullModel and installedModels', () => {
  test('installs the variant and the voices, writing the manifest last; a second pull downloads nothing', async () => {
    const { catalog, baseUrl, hashes } = fakeRepository();
    const manifestPath = join(dir, 'manifest.json');
    let manifestSeenEarly = false;
    server.onRequest = () => {
      manifestSeenEarly ||= existsSync(manifestPath);
    };
    const files: string[] = [];
    const first = await pullModel({
      dir,
      variant: 'model_a.onnx',
      catalog,
      baseUrl,
      onProgress: (p) => {
        manifestSeenEarly ||= existsSync(manifestPath);
        if (p.done) files.push(p.file);
      },
    });
    assert.equal(manifestSeenEarly, false, 'no manifest before every file is in place');
    assert.deepEqual(first.downloaded, ['model_a.onnx', 'voices/af_one.bin', 'voices/bm_two.bin', 'voices/zf_three.bin']);
    assert.deepEqual(files, first.downloaded);
    assert.deepEqual(first.skipped, []);
    assert.equal(server.requests.length, 4);
    assert.deepEqual(await readFile(join(dir, 'model_a.onnx')), server.files.get('/repo/onnx/model_a.onnx'));
    assert.deepEqual(await readFile(join(dir, 'voices', 'bm_two.bin')), server.files.get('/repo/voices/bm_two.bin'));

    const manifest = await readManifest(dir);
    assert.deepEqual(manifest, first.manifest);
    assert.equal(manifest?.variant, 'model_a.onnx');
    assert.equal(manifest?.repository, 'test/kokoro');
    assert.deepEqual(manifest?.models, { 'model_a.onnx': { path: 'model_a.onnx', size: 200_000, sha256: hashes.get('onnx/model_a.onnx') } });
    assert.deepEqual(manifest?.voices.zf_three, { path: 'voices/zf_three.bin', size: VOICE_SIZE, sha256: hashes.get('voices/zf_three.bin') });
    assert.deepEqual(Object.keys(manifest?.voices ?? {}), ['af_one', 'bm_two', 'zf_three']);
    assert.ok(Math.abs(Date.parse(manifest?.installedAt ?? '') - Date.now()) < 60_000, 'installedAt is now');

    const second = await pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    assert.equal(server.requests.length, 4, 'nothing fetched the second time');
    assert.deepEqual(second.downloaded, []);
    assert.equal(second.skipped.length, 4);

    const installed = await installedModels(dir);
    assert.ok(installed, 'installed');
    assert.equal(installed.source, 'manifest', 'read from the manifest');
    assert.equal(installed.ok, true, 'ok');
    assert.equal(installed.installedAt, (await readManifest(dir))?.installedAt, 'the manifest install time');
    assert.equal(installed.voices[0]?.sha256, hashes.get('voices/af_one.bin'), 'the recorded hash');
    assert.equal(installed.variant, 'model_a.onnx');
    assert.deepEqual(installed.problems, []);
    assert.deepEqual(installed.models.map((m) => [m.name, m.path, m.size]), [['model_a.onnx', join(dir, 'model_a.onnx'), 200_000]]);
    assert.deepEqual(installed.voices.map((v) => v.name), ['af_one', 'bm_two', 'zf_three']);
  });

  test('missing, truncated or altered files are reported and fetched again', async () => {
    const { catalog, baseUrl } = fakeRepository();
    await pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    await rm(join(dir, 'voices', 'bm_two.bin'));
    await truncate(join(dir, 'model_a.onnx'), 1000);
    const afOne = join(dir, 'voices', 'af_one.bin');
    await writeFile(afOne, Buffer.alloc(VOICE_SIZE)); // right size, wrong bytes: caught by the recorded hash

    const broken = await installedModels(dir);
    assert.equal(broken?.ok, false);
    assert.deepEqual(broken?.problems, ['model_a.onnx: 1000 bytes, expected 200000', 'voices/bm_two.bin: missing']);
    assert.deepEqual(broken?.voices.map((v) => v.name), ['af_one', 'zf_three']);

    server.requests.length = 0;
    const repaired = await pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    assert.deepEqual(repaired.downloaded, ['model_a.onnx', 'voices/af_one.bin', 'voices/bm_two.bin']);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(await readFile(afOne), server.files.get('/repo/voices/af_one.bin'));
    assert.equal((await installedModels(dir))?.ok, true);
  });

  test('one install at a time per directory: a second pull (or a voice import) beside a running one is refused', async () => {
    const { catalog, baseUrl } = fakeRepository();
    // The first pull's model is held back until the second has been refused, so the first holds the lock meanwhile.
    let open!: () => void;
    server.behaviours.set('/repo/onnx/model_a.onnx', { kind: 'gate', until: new Promise<void>((resolve) => (open = resolve)) });
    const requested = new Promise<void>((resolve) => (server.onRequest = () => resolve()));
    const first = pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    await requested;
    await assert.rejects(
      pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl }),
      /another install into .* is running \(in this process since [^)]+\); wait for it to finish/,
      'the second pull is refused',
    );
    await assert.rejects(installVoicePacks({ dir, source: dir }), /another install into .* is running/, 'a voice import is refused too');
    open();
    await first;
    assert.equal(existsSync(join(dir, '.install.lock')), false, 'the lock goes with the install');
    const again = await pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    assert.equal(again.downloaded.length, 0, 'a later pull runs (and finds everything in place)');
  });

  test('a pull whose install lock is lost stops its download with a clear error', { timeout: 30_000 }, async () => {
    const { catalog, baseUrl } = fakeRepository();
    let open!: () => void;
    server.behaviours.set('/repo/onnx/model_a.onnx', { kind: 'gate', until: new Promise<void>((resolve) => (open = resolve)) });
    const requested = new Promise<void>((resolve) => (server.onRequest = () => resolve()));
    const pull = pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl, lock: { staleMs: 2000 } });
    await requested;
    await rmdir(join(dir, '.install.lock')); // the lock is gone: another install could start now
    try {
      await assert.rejects(pull, { name: 'InstallLockError', code: 'install-lock-lost', message: /install lock on .* was lost/ }, 'the pull stopped');
    } finally {
      open();
    }
    assert.equal(existsSync(join(dir, 'model_a.onnx')), false, 'no model placed');
    assert.equal(existsSync(join(dir, 'manifest.json')), false, 'no manifest written');
  });

  test('a subset of voices, then another variant: the manifest keeps what is still installed', async () => {
    const { catalog, baseUrl } = fakeRepository();
    const first = await pullModel({ dir, variant: 'model_a.onnx', voices: ['bm_two'], catalog, baseUrl });
    assert.deepEqual(first.downloaded, ['model_a.onnx', 'voices/bm_two.bin']);
    const second = await pullModel({ dir, variant: 'model_b.onnx', voices: [], catalog, baseUrl });
    assert.deepEqual(second.downloaded, ['model_b.onnx']);
    const installed = await installedModels(dir);
    assert.equal(installed?.variant, 'model_b.onnx');
    assert.deepEqual(installed?.models.map((m) => m.name).sort(), ['model_a.onnx', 'model_b.onnx']);
    assert.deepEqual(installed?.voices.map((v) => v.name), ['bm_two']);
  });

  test('a failed download leaves no manifest; unknown names are refused before any request', async () => {
    const { catalog, baseUrl } = fakeRepository();
    server.files.set('/repo/voices/zf_three.bin', Buffer.alloc(VOICE_SIZE - 1)); // wrong size
    await assert.rejects(pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl, retryDelayMs: 1 }), /voices\/zf_three\.bin: size mismatch/);
    assert.equal(existsSync(join(dir, 'manifest.json')), false, 'no manifest after a failed pull');
    // What did arrive is still found by scanning, but the fake packs are not Kokoro-sized.
    const scanned = await installedModels(dir, 'model_a.onnx');
    assert.equal(scanned?.source, 'scan', 'without a manifest the directory is scanned');
    assert.deepEqual(scanned?.models.map((m) => m.name), ['model_a.onnx'], 'the model that arrived is found');
    assert.deepEqual(scanned?.voices, [], 'packs of the wrong size are not voices');
    assert.equal(scanned?.problems.length, 2, `the two wrong-sized packs are problems: ${scanned?.problems.join('; ')}`);
    assert.equal(scanned?.ok, false, 'not ok');

    server.requests.length = 0;
    await assert.rejects(pullModel({ dir, variant: 'model_x.onnx', catalog, baseUrl }), /unknown Kokoro model variant "model_x\.onnx"; known: model_a\.onnx, model_b\.onnx/);
    await assert.rejects(pullModel({ dir, variant: 'model_a.onnx', voices: ['../evil'], catalog, baseUrl }), /unknown Kokoro voice\(s\): \.\.\/evil/);
    assert.equal(server.requests.length, 0);
  });
});
