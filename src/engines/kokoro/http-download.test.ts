import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FileServer, flipMiddleByte, sha256 } from '../../test-support/file-server.js';
import { downloadFile, type DownloadProgress } from './http-download.js';

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
    assert.ok(events.every((e) => e.received === 0 && !e.done), 'no byte written (the bar showed 0 while it asked)');
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

  test('a name that cannot be looked up fails at once, without retries', async () => {
    const started = performance.now();
    // .invalid never resolves (RFC 6761), online or off; the long backoff would show as a slow test.
    await assert.rejects(downloadFile({ url: 'http://kokoro.invalid/f.bin', dest: join(dir, 'dns.bin'), retries: 5, retryDelayMs: 10_000 }), {
      name: 'DownloadError',
      code: 'dns',
      message: /^dns\.bin: cannot look up kokoro\.invalid \((ENOTFOUND|EAI_AGAIN)\): no network, or a wrong --model-base-url$/,
    });
    assert.ok(performance.now() - started < 5000, 'no backoff');
    assertNothingAt(join(dir, 'dns.bin'));
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
