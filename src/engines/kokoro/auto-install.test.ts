import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { sampleTensor } from '../../test-support/fixtures.js';
import { makeTinyKokoroModel } from '../../test-support/tiny-kokoro.js';
import { toBin } from '../../voices/formats/index.js';
import { autoInstallKokoro } from './auto-install.js';
import { withModelDirLock } from './install-lock.js';
import { KokoroInstall } from './install.js';
import { KOKORO_VOICE_SIZE, type KokoroCatalog } from './model-files.js';

/** A repository on a local port serving a tiny model and two voice packs. */
describe('autoInstallKokoro', () => {
  const model = makeTinyKokoroModel();
  const files = new Map<string, Uint8Array>([
    ['onnx/model_quantized.onnx', model],
    ['voices/af_heart.bin', toBin(sampleTensor(1))],
    ['voices/am_echo.bin', toBin(sampleTensor(2))],
  ]);
  const catalog: KokoroCatalog = {
    repository: 'test/kokoro',
    variants: { 'model_quantized.onnx': { path: 'onnx/model_quantized.onnx', size: model.length, sha256: createHash('sha256').update(model).digest('hex') } },
    voiceNames: ['af_heart', 'am_echo'],
    voiceSize: KOKORO_VOICE_SIZE,
  };
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];
  const holds = new Map<string, { after: number; until: Promise<void> }>();
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-auto-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname.replace(/^\/repo\//, ''));
      requests.push(path);
      const body = files.get(path);
      if (!body) return void res.writeHead(404).end();
      const held = holds.get(path);
      if (!held) return void res.writeHead(200, { 'content-length': body.length }).end(body);
      // Part of the file, the rest once the test lets it go: a download caught in the middle.
      res.writeHead(200, { 'content-length': body.length }).write(body.subarray(0, held.after));
      void held.until.then(() => res.end(body.subarray(held.after)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/`;
  });
  after(() => {
    server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('installs the variant and the voices, verified, and the install sees them at once', async () => {
    const install = new KokoroInstall(tempDir(), 'model_quantized.onnx');
    assert.equal(install.modelInstalled(), false, 'not installed before');
    const drawn: string[] = [];
    const terminal = { isTTY: true, columns: 100, write: (text: string) => drawn.push(text) > 0 };
    const installed = await autoInstallKokoro({ install, baseUrl, logger, catalog, terminal });
    assert.equal(installed, true, 'installed');
    assert.ok(drawn.some((t) => /^\rmodel_quantized\.onnx +100\.0%/.test(t)), `a progress bar on a terminal: ${JSON.stringify(drawn.slice(0, 3))}`);
    assert.equal(install.modelInstalled(), true, 'model seen without waiting for the rescan');
    assert.deepEqual([...install.installedVoices()].sort(), ['af_heart', 'am_echo'], 'voices seen');
    assert.equal(install.downloading, null, 'no download under way any more');
    assert.ok(lines.some((l) => l.event === 'model.download.done'), 'done logged');
    assert.ok(lines.some((l) => l.event === 'model.download.progress' && l.done === true), 'progress logged');
  });

  test('while it runs, the install says how far the file under way and the whole install are; files already there count', async () => {
    const dir = tempDir();
    await mkdir(join(dir, 'voices'));
    await writeFile(join(dir, 'voices/af_heart.bin'), files.get('voices/af_heart.bin')!);
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    let release = (): void => {};
    holds.set('voices/am_echo.bin', { after: 1000, until: new Promise<void>((resolve) => (release = resolve)) });
    try {
      const installing = autoInstallKokoro({ install, baseUrl, logger, catalog });
      const deadline = Date.now() + 10_000;
      while (install.downloading?.received !== 1000 || install.downloading.file !== 'voices/am_echo.bin') {
        assert.ok(Date.now() < deadline, `caught mid-file within 10 s: ${JSON.stringify(install.downloading)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.deepEqual(install.downloading, {
        file: 'voices/am_echo.bin',
        received: 1000,
        total: KOKORO_VOICE_SIZE,
        overall: { received: model.length + KOKORO_VOICE_SIZE + 1000, total: model.length + 2 * KOKORO_VOICE_SIZE, files: 3, filesDone: 2 },
      });
      release();
      assert.equal(await installing, true, 'installed');
      assert.equal(install.downloading, null, 'nothing under way once it ends');
    } finally {
      release();
      holds.clear();
    }
  });

  test('does nothing when Kokoro is already installed', async () => {
    const dir = tempDir();
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    await autoInstallKokoro({ install, baseUrl, logger, catalog });
    const before = requests.length;
    assert.equal(await autoInstallKokoro({ install, baseUrl, logger, catalog }), false, 'nothing to do');
    assert.equal(requests.length, before, 'no request made');
  });

  test('a download of someone’s own with several models and none configured is not added to: a warning names them', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'kokoro-v1.0.onnx'), model);
    await writeFile(join(dir, 'kokoro-v1.0.int8.onnx'), model);
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    lines.length = 0;
    const before = requests.length;
    assert.equal(await autoInstallKokoro({ install, baseUrl, logger, catalog }), false, 'nothing installed');
    assert.equal(requests.length, before, 'nothing downloaded');
    const warning = lines.find((l) => l.event === 'model.ambiguous');
    assert.match(String(warning?.msg), /which holds kokoro-v1\.0\.int8\.onnx, kokoro-v1\.0\.onnx: set LITETTS_MODEL_VARIANT/, String(warning?.msg));
    assert.equal(existsSync(join(dir, 'model_quantized.onnx')), false, 'no file added');
  });

  test('offline or failing: resolves false, logs how to install, leaves no partial file', async () => {
    const dir = tempDir();
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    lines.length = 0;
    const unreachable = await autoInstallKokoro({ install, baseUrl: 'http://127.0.0.1:9/', logger, catalog, retries: 1, retryDelayMs: 1 });
    assert.equal(unreachable, false, 'not installed');
    const failed = lines.find((l) => l.event === 'model.download.failed');
    assert.ok(failed, 'failure logged');
    assert.match(String(failed.msg), /litetts models pull/, 'says how to install');
    assert.equal(existsSync(join(dir, 'model_quantized.onnx')), false, 'no model file');
    assert.equal(install.downloading, null, 'no download under way after a failure');

    // A repository whose model does not match the published hash: refused, nothing placed.
    const wrong: KokoroCatalog = { ...catalog, variants: { 'model_quantized.onnx': { ...catalog.variants['model_quantized.onnx']!, sha256: '0'.repeat(64) } } };
    assert.equal(await autoInstallKokoro({ install, baseUrl, logger, catalog: wrong, retries: 0, retryDelayMs: 1 }), false, 'hash mismatch refused');
    assert.equal(install.modelInstalled(), false, 'no model after a hash mismatch');
  });

  test('restarted right after a kill, with the same pid (PID 1 in a container): the old lock is waited out and taken over', async () => {
    const dir = tempDir();
    // What the killed run left: its lock folder, last refreshed a moment ago, and a note naming this pid.
    await mkdir(join(dir, '.install.lock'));
    await writeFile(join(dir, '.install.owner'), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const refreshed = new Date(Date.now() - 1000);
    await utimes(join(dir, '.install.lock'), refreshed, refreshed);
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    const started = performance.now();
    assert.equal(await autoInstallKokoro({ install, baseUrl, logger, catalog, lockStaleMs: 2000 }), true, 'installed');
    assert.ok(performance.now() - started >= 500, 'only once the old lock had gone stale');
    assert.equal(install.modelInstalled(), true, 'the model is in place');
  });

  test('beside a live install (a `models pull`), it gives up after one stale window and says why', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    let finish!: () => void;
    const holder = withModelDirLock(dir, () => new Promise<void>((resolve) => (finish = resolve)), { staleMs: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    lines.length = 0;
    const before = requests.length;
    try {
      assert.equal(await autoInstallKokoro({ install, baseUrl, logger, catalog, lockStaleMs: 2000 }), false, 'not installed');
    } finally {
      finish();
      await holder;
    }
    const failed = lines.find((l) => l.event === 'model.download.failed');
    assert.match(String(failed?.msg), /another install into .* is running \(in this process since/, `the log says who holds the lock: ${String(failed?.msg)}`);
    assert.equal(requests.length, before, 'nothing was downloaded beside the other install');
  });

  test('an abort (server shutting down) stops quietly', async () => {
    const install = new KokoroInstall(tempDir(), 'model_quantized.onnx');
    const controller = new AbortController();
    controller.abort();
    lines.length = 0;
    assert.equal(await autoInstallKokoro({ install, baseUrl, logger, catalog, signal: controller.signal }), false, 'aborted');
    assert.equal(lines.filter((l) => l.event === 'model.download.failed').length, 0, 'no failure logged');
  });
});
