import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createProgressBar,
  downloadFile,
  installedModels,
  pullModel,
  readManifest,
  type DownloadProgress,
} from './download.js';
import { KOKORO_VOICE_SIZE, type KokoroCatalog } from './model-files.js';

// ---------------------------------------------------------------------------------------------
// A local file server that misbehaves on request

/** Deterministic bytes: SHA-256 of seed:counter, concatenated. */
function bytes(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < length; i++) blocks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, length);
}

/** A copy with one byte changed. */
function flipMiddleByte(data: Buffer): Buffer {
  const copy = Buffer.from(data);
  const middle = copy.length >> 1;
  copy.writeUInt8(copy.readUInt8(middle) ^ 0xff, middle);
  return copy;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

type Behaviour =
  | { kind: 'resized'; delta: number; chunked: boolean } // `delta` bytes more (or fewer); no Content-Length when chunked
  | { kind: 'corrupt' } // right size, one byte flipped
  | { kind: 'drop'; after: number; times: number } // close the connection after `after` bytes
  | { kind: 'ignore-range' }
  | { kind: 'redirect'; to: string }
  | { kind: 'status'; status: number }
  | { kind: 'stall' }; // send a little, then nothing

interface Request {
  path: string;
  range: string | undefined;
}

class FileServer {
  readonly files = new Map<string, Buffer>();
  readonly behaviours = new Map<string, Behaviour>();
  readonly requests: Request[] = [];
  onRequest: (path: string) => void = () => {};
  url = '';
  private server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  reset(): void {
    this.files.clear();
    this.behaviours.clear();
    this.requests.length = 0;
    this.onRequest = () => {};
  }

  /** Serves `length` deterministic bytes at `path`; returns them. */
  add(path: string, length: number): Buffer {
    const data = bytes(path, length);
    this.files.set(path, data);
    return data;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.url).pathname);
    this.requests.push({ path, range: req.headers.range });
    this.onRequest(path);
    const behaviour = this.behaviours.get(path);
    if (behaviour?.kind === 'status') return void res.writeHead(behaviour.status).end();
    if (behaviour?.kind === 'redirect') return void res.writeHead(302, { location: behaviour.to }).end();
    let data = this.files.get(path);
    if (!data) return void res.writeHead(404).end('not found');
    if (behaviour?.kind === 'resized') {
      data = behaviour.delta < 0 ? data.subarray(0, data.length + behaviour.delta) : Buffer.concat([data, Buffer.alloc(behaviour.delta)]);
      if (behaviour.chunked) {
        res.writeHead(200);
        res.write(data.subarray(0, 1000));
        return void res.end(data.subarray(1000));
      }
    }
    if (behaviour?.kind === 'corrupt') data = flipMiddleByte(data);

    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range?.[1] && behaviour?.kind !== 'ignore-range') {
      const start = Number(range[1]);
      if (start >= data.length) {
        return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
      data = data.subarray(start);
    }
    headers['content-length'] = data.length;
    res.writeHead(status, headers);

    if (behaviour?.kind === 'drop' && behaviour.times > 0) {
      behaviour.times -= 1;
      // Let the client read what was sent before the connection goes.
      res.write(data.subarray(0, behaviour.after), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    if (behaviour?.kind === 'stall') return void res.write(data.subarray(0, 1000));
    res.end(data);
  }
}

// ---------------------------------------------------------------------------------------------

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

const SIZE = 300_000;

/** Asserts that nothing was left behind for `dest`. */
function assertNothingAt(dest: string): void {
  assert.equal(existsSync(dest), false, `${dest} exists`);
  assert.equal(existsSync(`${dest}.part`), false, `${dest}.part exists`);
}

describe('downloadFile', () => {
  test('downloads, verifies and installs a file, reporting progress', async () => {
    const data = server.add('/f.bin', SIZE);
    const dest = join(dir, 'sub', 'f.bin');
    const events: DownloadProgress[] = [];
    const result = await downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data), onProgress: (p) => events.push(p) });

    assert.deepEqual(await readFile(dest), data);
    assert.equal(existsSync(`${dest}.part`), false);
    assert.deepEqual(result, { path: dest, size: SIZE, sha256: sha256(data), downloaded: SIZE });
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]?.range, undefined);
    assert.ok(events.length >= 2, 'progress reported while downloading');
    const monotonic = events.every((e, i) => e.file === 'f.bin' && e.total === SIZE && e.received >= (events[i - 1]?.received ?? 0));
    assert.ok(monotonic, 'progress grows towards the total');
    assert.deepEqual(events.at(-1), { file: 'f.bin', received: SIZE, total: SIZE, done: true });
    assert.equal(events.filter((e) => e.done).length, 1);
  });

  test('a wrong Content-Length fails clearly before the body is read and leaves nothing behind', async () => {
    server.add('/f.bin', SIZE);
    server.behaviours.set('/f.bin', { kind: 'resized', delta: -1000, chunked: false });
    const dest = join(dir, 'f.bin');
    const events: DownloadProgress[] = [];
    await assert.rejects(downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, onProgress: (p) => events.push(p) }), {
      name: 'DownloadError',
      code: 'size-mismatch',
      message: `f.bin: size mismatch: expected ${SIZE} bytes, got ${SIZE - 1000}`,
    });
    assertNothingAt(dest);
    assert.equal(server.requests.length, 1, 'not retried');
    assert.deepEqual(events, [], 'no byte written');
  });

  test('without a Content-Length, fewer or more bytes than expected fail and leave nothing behind', async () => {
    server.add('/f.bin', SIZE);
    const dest = join(dir, 'f.bin');
    server.behaviours.set('/f.bin', { kind: 'resized', delta: -1000, chunked: true });
    await assert.rejects(downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE }), {
      code: 'size-mismatch',
      message: `f.bin: size mismatch: expected ${SIZE} bytes, got ${SIZE - 1000}`,
    });
    assertNothingAt(dest);
    server.behaviours.set('/f.bin', { kind: 'resized', delta: 1000, chunked: true });
    await assert.rejects(downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE }), {
      code: 'size-mismatch',
      message: `f.bin: size mismatch: expected ${SIZE} bytes, got more than ${SIZE}`,
    });
    assertNothingAt(dest);
    assert.equal(server.requests.length, 2, 'not retried');
  });

  test('the right size with the wrong bytes fails the hash and leaves nothing behind', async () => {
    const data = server.add('/f.bin', SIZE);
    server.behaviours.set('/f.bin', { kind: 'corrupt' });
    const dest = join(dir, 'f.bin');
    const corrupt = flipMiddleByte(data);
    await assert.rejects(downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data) }), {
      name: 'DownloadError',
      code: 'hash-mismatch',
      message: `f.bin: SHA-256 mismatch: expected ${sha256(data)}, got ${sha256(corrupt)}`,
    });
    assertNothingAt(dest);
    assert.equal(server.requests.length, 1);
  });

  test('a dropped connection is resumed with a Range request', async () => {
    const data = server.add('/f.bin', SIZE);
    server.behaviours.set('/f.bin', { kind: 'drop', after: 100_000, times: 1 });
    const dest = join(dir, 'f.bin');
    const result = await downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data), retryDelayMs: 1 });
    assert.deepEqual(await readFile(dest), data);
    assert.deepEqual(server.requests.map((r) => r.range), [undefined, 'bytes=100000-']);
    assert.equal(result.downloaded, SIZE, 'no byte fetched twice');
  });

  test('a connection dropped again and again without progress is retried a bounded number of times', async () => {
    server.add('/f.bin', SIZE);
    server.behaviours.set('/f.bin', { kind: 'drop', after: 0, times: 100 });
    const dest = join(dir, 'f.bin');
    await assert.rejects(downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, retries: 2, retryDelayMs: 1 }), {
      name: 'DownloadError',
      code: 'network',
      message: /^f\.bin: giving up after 3 failed attempts: terminated/,
    });
    assert.equal(server.requests.length, 3);
    assert.equal(existsSync(dest), false);
  });

  test('server errors are retried; a 404 is not, and says what was missing', async () => {
    server.behaviours.set('/busy.bin', { kind: 'status', status: 503 });
    await assert.rejects(
      downloadFile({ url: `${server.url}/busy.bin`, dest: join(dir, 'busy.bin'), retries: 1, retryDelayMs: 1 }),
      /busy\.bin: giving up after 2 failed attempts: busy\.bin: HTTP 503/,
    );
    assert.equal(server.requests.length, 2);

    server.requests.length = 0;
    const dest = join(dir, 'missing.bin');
    await assert.rejects(downloadFile({ url: `${server.url}/missing.bin`, dest, retryDelayMs: 1 }), {
      name: 'DownloadError',
      code: 'http',
      message: `missing.bin: HTTP 404 Not Found from ${server.url}/missing.bin`,
    });
    assert.equal(server.requests.length, 1);
    assertNothingAt(dest);
  });

  test('an existing .part is resumed from its length', async () => {
    const data = server.add('/f.bin', SIZE);
    const dest = join(dir, 'f.bin');
    await writeFile(`${dest}.part`, data.subarray(0, 123_456));
    const events: DownloadProgress[] = [];
    const result = await downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data), onProgress: (p) => events.push(p) });
    assert.deepEqual(server.requests.map((r) => r.range), ['bytes=123456-']);
    assert.deepEqual(await readFile(dest), data);
    assert.equal(result.downloaded, SIZE - 123_456);
    assert.equal(events[0]?.received, 123_456);
  });

  test('a server that ignores Range (200) makes the client start over cleanly', async () => {
    const data = server.add('/f.bin', SIZE);
    server.behaviours.set('/f.bin', { kind: 'ignore-range' });
    const dest = join(dir, 'f.bin');
    await writeFile(`${dest}.part`, Buffer.alloc(50_000, 7)); // not even the right bytes
    await downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data) });
    assert.deepEqual(server.requests.map((r) => r.range), ['bytes=50000-']);
    assert.deepEqual(await readFile(dest), data);
  });

  test('a stale .part that spoils the hash is discarded and the file fetched again, once', async () => {
    const data = server.add('/f.bin', SIZE);
    const dest = join(dir, 'f.bin');
    await writeFile(`${dest}.part`, Buffer.alloc(50_000, 7));
    await downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data) });
    assert.deepEqual(server.requests.map((r) => r.range), ['bytes=50000-', undefined]);
    assert.deepEqual(await readFile(dest), data);
  });

  test('a complete .part is only verified: 416 when the size is unknown, no request when it is known', async () => {
    const data = server.add('/f.bin', SIZE);
    const dest = join(dir, 'f.bin');
    await writeFile(`${dest}.part`, data);
    const unsized = await downloadFile({ url: `${server.url}/f.bin`, dest, sha256: sha256(data) });
    assert.deepEqual(server.requests.map((r) => r.range), [`bytes=${SIZE}-`]);
    assert.equal(unsized.downloaded, 0);
    assert.deepEqual(await readFile(dest), data);

    await rm(dest);
    await writeFile(`${dest}.part`, data);
    const sized = await downloadFile({ url: `${server.url}/f.bin`, dest, size: SIZE, sha256: sha256(data) });
    assert.equal(server.requests.length, 1, 'no second request');
    assert.equal(sized.sha256, sha256(data));
    assert.equal(existsSync(`${dest}.part`), false);
  });

  test('redirects are followed, and a resumed request keeps its Range through them', async () => {
    const data = server.add('/cdn/f.bin', SIZE);
    server.behaviours.set('/resolve/f.bin', { kind: 'redirect', to: '/cdn/f.bin' });
    const dest = join(dir, 'f.bin');
    await writeFile(`${dest}.part`, data.subarray(0, 1000));
    await downloadFile({ url: `${server.url}/resolve/f.bin`, dest, size: SIZE, sha256: sha256(data) });
    assert.deepEqual(server.requests, [
      { path: '/resolve/f.bin', range: 'bytes=1000-' },
      { path: '/cdn/f.bin', range: 'bytes=1000-' },
    ]);
    assert.deepEqual(await readFile(dest), data);
  });

  test('an aborted signal stops a download promptly', { timeout: 10_000 }, async () => {
    server.add('/f.bin', SIZE);
    server.behaviours.set('/f.bin', { kind: 'stall' });
    const dest = join(dir, 'f.bin');
    const controller = new AbortController();
    const download = downloadFile({
      url: `${server.url}/f.bin`,
      dest,
      size: SIZE,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.received >= 1000) controller.abort();
      },
    });
    // The server stalls for good, so only the abort can end the download: the test's own timeout fails a hang,
    // without a wall-clock bound that a loaded machine could break.
    await assert.rejects(download, { name: 'AbortError' });
    assert.equal(existsSync(dest), false);

    const early = new AbortController();
    early.abort();
    await assert.rejects(downloadFile({ url: `${server.url}/f.bin`, dest, signal: early.signal }), { name: 'AbortError' });
    assert.equal(server.requests.length, 1, 'an already aborted signal sends nothing');
  });
});

// ---------------------------------------------------------------------------------------------

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
    const first = pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(
      pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl }),
      /another install into .* is running \(in this process\); wait for it to finish/,
      'the second pull is refused',
    );
    await first;
    assert.equal(existsSync(join(dir, '.install.lock')), false, 'the lock goes with the install');
    const again = await pullModel({ dir, variant: 'model_a.onnx', catalog, baseUrl });
    assert.equal(again.downloaded.length, 0, 'a later pull runs (and finds everything in place)');
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

  test('installedModels: null when nothing is there, an error for a broken manifest', async () => {
    assert.equal(await installedModels(dir), null, 'an empty directory holds nothing');
    assert.equal(await installedModels(join(dir, 'absent')), null, 'a missing directory holds nothing');
    await mkdir(join(dir, 'voices'));
    await writeFile(join(dir, 'voices', 'af_short.bin'), Buffer.alloc(10));
    await writeFile(join(dir, 'model.onnx.part'), Buffer.alloc(10));
    assert.equal(await installedModels(dir), null, 'a partial download and a wrong-sized pack are not an install');
    await writeFile(join(dir, 'manifest.json'), '{"version": 1, "models": {}}');
    await assert.rejects(installedModels(dir), /manifest\.json: not a Kokoro manifest/, 'an invalid manifest is an error');
    await mkdir(join(dir, 'x'));
    await writeFile(join(dir, 'x', 'manifest.json'), '{');
    await assert.rejects(installedModels(join(dir, 'x')), /manifest\.json: not valid JSON/, 'broken JSON is an error');
  });

  test('installedModels without a manifest: the .onnx files and Kokoro-sized packs on disk, checked against the variant', async () => {
    await mkdir(join(dir, 'voices'));
    await writeFile(join(dir, 'model_quantized.onnx'), Buffer.alloc(1234));
    await writeFile(join(dir, 'model_fp16.onnx'), Buffer.alloc(10));
    await writeFile(join(dir, 'notes.txt'), 'not a model');
    await mkdir(join(dir, 'sub.onnx')); // a folder is not a model
    await writeFile(join(dir, 'voices', 'bm_two.bin'), Buffer.alloc(KOKORO_VOICE_SIZE));
    await writeFile(join(dir, 'voices', 'af_one.bin'), Buffer.alloc(KOKORO_VOICE_SIZE));
    await writeFile(join(dir, 'voices', 'af_one.bin.part'), Buffer.alloc(10));

    const found = await installedModels(dir, 'model_quantized.onnx');
    assert.ok(found, 'something is installed');
    assert.equal(found.source, 'scan', 'found by scanning');
    assert.equal(found.repository, 'local', 'no repository is known');
    assert.equal(found.installedAt, null, 'no install time is known');
    assert.equal(found.variant, 'model_quantized.onnx', 'the variant asked for');
    assert.deepEqual(
      found.models.map((m) => [m.name, m.path, m.size, m.sha256]),
      [
        ['model_fp16.onnx', join(dir, 'model_fp16.onnx'), 10, null],
        ['model_quantized.onnx', join(dir, 'model_quantized.onnx'), 1234, null],
      ],
      'both .onnx files, not hashed',
    );
    assert.deepEqual(found.voices.map((v) => [v.name, v.path, v.size]), [
      ['af_one', join(dir, 'voices', 'af_one.bin'), KOKORO_VOICE_SIZE],
      ['bm_two', join(dir, 'voices', 'bm_two.bin'), KOKORO_VOICE_SIZE],
    ], 'the packs, sorted');
    assert.deepEqual(found.problems, [], 'no problems');
    assert.equal(found.ok, true, 'the variant is present');

    const other = await installedModels(dir, 'model.onnx');
    assert.equal(other?.ok, false, 'another variant is not present');
    assert.deepEqual(other?.problems, ['model.onnx: missing'], 'the missing variant is the problem');
    assert.equal((await installedModels(dir))?.variant, 'model_quantized.onnx', 'the default variant without one given');

    await writeFile(join(dir, 'voices', 'af_bad.bin'), Buffer.alloc(100));
    const bad = await installedModels(dir, 'model_quantized.onnx');
    assert.deepEqual(bad?.problems, [`voices/af_bad.bin: 100 bytes, expected ${KOKORO_VOICE_SIZE}`], 'a wrong-sized pack is a problem');
    assert.equal(bad?.ok, false, 'a wrong-sized pack makes the install not ok: the server would fail to load it');
    assert.equal(bad?.voices.length, 2, 'and it is not listed as a voice');

    await rm(join(dir, 'model_quantized.onnx'));
    await rm(join(dir, 'model_fp16.onnx'));
    const voicesOnly = await installedModels(dir, 'model_quantized.onnx');
    assert.equal(voicesOnly?.models.length, 0, 'voices without a model are still an install');
    assert.equal(voicesOnly?.voices.length, 2, 'with its voices');
  });
});

// ---------------------------------------------------------------------------------------------

describe('createProgressBar', () => {
  function sink(isTTY: boolean): { out: string[]; stream: { write(text: string): boolean; isTTY: boolean; columns: number } } {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 80, write: (text) => out.push(text) > 0 } };
  }

  test('prints one line per finished file when not on a terminal', () => {
    const { out, stream } = sink(false);
    const progress = createProgressBar(stream);
    for (const file of ['a.onnx', 'voices/b.bin']) {
      progress({ file, received: 0, total: 2_000_000, done: false });
      progress({ file, received: 1_000_000, total: 2_000_000, done: false });
      progress({ file, received: 2_000_000, total: 2_000_000, done: true });
    }
    assert.equal(out.length, 2);
    assert.match(out[0] ?? '', /^a\.onnx {2}2\.0 MB {2}\d+\.\d s {2}\d+\.\d MB\/s\n$/);
    assert.match(out[1] ?? '', /^voices\/b\.bin /);
  });

  test('redraws one line on a terminal, at most every 100 ms, ending it when the file is done', async () => {
    const { out, stream } = sink(true);
    const progress = createProgressBar(stream);
    progress({ file: 'a.onnx', received: 0, total: 2_000_000, done: false });
    progress({ file: 'a.onnx', received: 500_000, total: 2_000_000, done: false }); // too soon: skipped
    await sleep(110);
    progress({ file: 'a.onnx', received: 1_000_000, total: 2_000_000, done: false });
    progress({ file: 'a.onnx', received: 2_000_000, total: 2_000_000, done: true });
    assert.equal(out.length, 3);
    assert.ok(out.every((line) => line.startsWith('\r') && line.includes('\x1b[K') && line.length < 90), 'redrawn in place');
    assert.match(out[1] ?? '', /^\ra\.onnx {2} 50\.0% {2}1\.0\/2\.0 MB {2}\d+\.\d MB\/s\x1b\[K$/);
    assert.match(out[2] ?? '', /100\.0% {2}2\.0\/2\.0 MB .*\n$/);
  });
});
