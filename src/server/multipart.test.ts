import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '../logging.js';
import { installErrorHandling } from './error-handler.js';
import { readMultipart, type MultipartForm } from './multipart.js';
import { UploadDir } from './uploads/dir.js';

const LIMIT = 1024 * 1024;
const BOUNDARY = 'test-boundary-7MA4YWxkTrZu0gW';

interface Answer {
  status: number;
  body: { error?: { code: string; param: string | null; message: string } } & Record<string, unknown>;
}

/** Sends a request part by part; `hold` leaves it open after the chunks (as a client still uploading would). */
function send(url: string, chunks: readonly Uint8Array[], options: { headers?: Record<string, string>; hold?: boolean; query?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/upload${options.query ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...options.headers },
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Answer['body']) : {} });
        req.destroy();
      });
    });
    for (const chunk of chunks) req.write(chunk);
    if (!options.hold) req.end();
  });
}

function fieldPart(name: string, value: string): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
}
function fileHead(name: string, fileName: string): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
}
function filePart(name: string, fileName: string, bytes: Uint8Array): Buffer {
  return Buffer.concat([fileHead(name, fileName), bytes, Buffer.from('\r\n')]);
}
const END = Buffer.from(`--${BOUNDARY}--\r\n`);

/**
 * Sends `mib` MiB as one file from another process (minding backpressure), so that only
 * the server's buffers count in this one's memory.
 */
async function sendFromChild(url: string, mib: number): Promise<Answer> {
  const script = `
    const http = require('node:http');
    const [url, head, end, mib] = process.argv.slice(1);
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=${BOUNDARY}' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, text })));
    });
    const chunk = Buffer.alloc(64 * 1024, 7);
    let left = Number(mib) * 16;
    req.write(head);
    const pump = () => {
      while (left > 0) {
        left--;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end('\\r\\n' + end);
    };
    pump();`;
  const head = fileHead('file', 'big.bin').toString('latin1');
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', script, url, head, END.toString('latin1'), String(mib)], (error, out) => (error ? reject(error) : resolve(out))),
  );
  const { status, text } = JSON.parse(stdout) as { status: number; text: string };
  return { status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

// A full collection before measuring, so that only buffers still referenced count.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function eventually(check: () => Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('readMultipart', () => {
  const root = mkdtempSync(join(tmpdir(), 'litetts-multipart-'));
  let dir: UploadDir;
  let app: FastifyInstance;
  let url: string;
  /** What the last handler saw, and the memory taken by buffers while it ran. */
  let seen: { form: MultipartForm; bytes: Buffer; arrayBuffers: number } | undefined;
  let release: (() => void) | undefined;

  before(async () => {
    dir = await UploadDir.open(join(root, 'uploads'));
    app = Fastify();
    installErrorHandling(app, createLogger({ logLevel: 'silent', logDir: null }), { bodyLimit: LIMIT, privatePaths: [] });
    await app.register(multipart);
    app.post<{ Querystring: { mode?: string; max?: string; many?: string } }>('/upload', async (request, reply) => {
      const maxFileBytes = request.query.max ? Number(request.query.max) : LIMIT;
      // ?many=N: the several-file form (similarity's), up to N files in 'file' and 'candidate'.
      const moreFiles = request.query.many ? { moreFiles: { fields: ['candidate'], maxFiles: Number(request.query.many) } } : {};
      return readMultipart(request, reply, { dir, fileField: 'file', maxFileBytes, maxFields: 4, maxFieldBytes: 100, ...moreFiles }, async (form) => {
        // Once the socket's chunks in flight have settled, only what the form holds on to is left.
        await new Promise((r) => setTimeout(r, 200));
        collectGarbage();
        const arrayBuffers = process.memoryUsage().arrayBuffers;
        seen = { form, bytes: form.file ? await readFile(form.file.path) : Buffer.alloc(0), arrayBuffers };
        if (request.query.mode === 'fail') throw new Error('handler failed');
        if (request.query.mode === 'wait') {
          // Stays until the client goes away, as a long analysis would.
          await new Promise<void>((resolve) => {
            release = resolve;
            form.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
        if (request.query.many) {
          const files = await Promise.all(form.files.map(async (f) => ({ name: f.fileName, size: f.size, bytes: (await readFile(f.path)).toString('latin1'), dir: f.dir })));
          const entries = form.entries.map((e) => `${e.field}=${e.file ? `file ${e.file.fileName}` : e.value}`);
          return { files, entries, paths: new Set(form.files.map((f) => f.path)).size };
        }
        return { size: form.file?.size ?? null, fields: form.fields };
      });
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await dir.close();
    rmSync(root, { recursive: true, force: true });
  });

  const empty = async () => (await dir.pending()).length === 0;

  test('hands over the file on disk with its fields, and removes it when the handler is done', async () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const answer = await send(url, [fieldPart('voice_name', 'af_mine'), filePart('file', 'mine.bin', bytes), END]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { size: 5000, fields: { voice_name: 'af_mine' } }, 'size and fields');
    assert.ok(seen?.form.file, 'the handler saw the file');
    assert.deepEqual(seen.bytes, bytes, 'the file on disk holds exactly the bytes sent');
    assert.equal(seen.form.file.fileName, 'mine.bin', 'file name');
    assert.ok(seen.form.file.path.startsWith(dir.path), 'the file lies in the upload directory');
    assert.equal(((await stat(dir.path)).mode & 0o777).toString(8), '700', 'the upload directory is private');
    assert.ok(await empty(), 'nothing is left once the answer is sent');
  });

  test('a large file streams to disk: the handler runs without the upload held in memory', async (t) => {
    seen = undefined;
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const answer = await sendFromChild(`${url}/upload?max=${64 * 1024 * 1024}`, 48);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.size, 48 * 1024 * 1024, 'every byte arrived');
    // seen.bytes is the test's own read-back, taken after the measurement.
    const grown = seen!.arrayBuffers - before;
    t.diagnostic(`buffers grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(grown < 8 * 1024 * 1024, `buffers grew by ${(grown / 2 ** 20).toFixed(1)} MiB while a 48 MiB upload was handled`);
    assert.ok(await empty(), 'nothing is left');
  });

  test('a file over the limit is refused while it streams, before the client has finished sending', async () => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    // No Content-Length (chunked): only the count while streaming can catch it. The request stays open.
    const answer = await send(url, [fileHead('file', 'big.bin'), ...Array.from({ length: 20 }, () => chunk)], { hold: true });
    assert.equal(answer.status, 413, JSON.stringify(answer.body));
    assert.equal(answer.body.error?.code, 'payload_too_large', 'code');
    await eventually(empty, 'the partial file is removed');
  });

  test('a declared length beyond the limit is refused before the body is read', async () => {
    const answer = await send(url, [fileHead('file', 'x.bin')], { headers: { 'content-length': String(50 * LIMIT) }, hold: true });
    assert.equal(answer.status, 413, JSON.stringify(answer.body));
    assert.ok(await empty(), 'nothing was written');
  });

  test('a second file is a 400 naming its field, not a 413', async () => {
    for (const second of ['file', 'other']) {
      const answer = await send(url, [filePart('file', 'a.bin', Buffer.from('aaaa')), filePart(second, 'b.bin', Buffer.from('bbbb')), END]);
      assert.equal(answer.status, 400, `${second}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error?.code, 'too_many_files', 'code');
      assert.equal(answer.body.error?.param, second, 'names the field of the extra file');
      assert.match(answer.body.error?.message ?? '', /only one file may be sent, as 'file'/i, 'says which field to use');
      assert.ok(await empty(), 'nothing is left');
    }
  });

  test('a file under another field name is a 400 naming that field', async () => {
    const answer = await send(url, [filePart('audio', 'a.bin', Buffer.from('aaaa')), END]);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.error?.code, answer.body.error?.param], ['unexpected_file', 'audio'], 'code and param');
    assert.ok(await empty(), 'nothing is left');
  });

  test('text fields are bounded in number and size', async () => {
    const many = await send(url, [...Array.from({ length: 6 }, (_, i) => fieldPart(`f${i}`, 'x')), filePart('file', 'a.bin', Buffer.from('a')), END]);
    assert.equal(many.status, 400, JSON.stringify(many.body));
    assert.equal(many.body.error?.code, 'too_many_fields', 'too many fields');
    const long = await send(url, [fieldPart('description', 'x'.repeat(500)), filePart('file', 'a.bin', Buffer.from('a')), END]);
    assert.equal(long.status, 400, JSON.stringify(long.body));
    assert.deepEqual([long.body.error?.code, long.body.error?.param], ['field_too_long', 'description'], 'too long a field');
    assert.ok(await empty(), 'nothing is left');
  });

  test('not multipart is a 415 naming the type; a malformed body is a 400', async () => {
    const json = await send(url, [Buffer.from('{"file": "x"}')], { headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 415, JSON.stringify(json.body));
    assert.match(json.body.error?.message ?? '', /application\/json/, 'names the content type');
    const noBoundary = await send(url, [Buffer.from('xx')], { headers: { 'content-type': 'multipart/form-data' } });
    assert.equal(noBoundary.status, 400, JSON.stringify(noBoundary.body));
    const cut = await send(url, [fileHead('file', 'a.bin'), Buffer.from('abc')]);
    assert.equal(cut.status, 400, `a body that ends inside a part: ${JSON.stringify(cut.body)}`);
    assert.ok(await empty(), 'nothing is left');
  });

  test('several files where the route asks: each on disk in the order sent with the text fields, all removed afterwards', async () => {
    const parts = [
      filePart('file', 'ref.wav', Buffer.from('R'.repeat(300))),
      fieldPart('candidate', 'af_bella'),
      filePart('candidate', 'one.wav', Buffer.from('1'.repeat(200))),
      fieldPart('candidate', 'af_sky'),
      filePart('candidate', 'two.wav', Buffer.from('2'.repeat(100))),
      END,
    ];
    const answer = await send(url, parts, { query: '?many=3' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const files = answer.body.files as { name: string; size: number; bytes: string; dir: string }[];
    assert.deepEqual(files.map((f) => [f.name, f.size]), [['ref.wav', 300], ['one.wav', 200], ['two.wav', 100]], 'every file, in order, with its size');
    assert.deepEqual(files.map((f) => f.bytes), ['R'.repeat(300), '1'.repeat(200), '2'.repeat(100)], 'each file on disk holds exactly its bytes');
    assert.equal(answer.body.paths, 3, 'each file has a path of its own');
    assert.equal(new Set(files.map((f) => f.dir)).size, 1, "all in the request's one directory");
    assert.deepEqual(answer.body.entries, ['file=file ref.wav', 'candidate=af_bella', 'candidate=file one.wav', 'candidate=af_sky', 'candidate=file two.wav'], 'files and repeated text fields in the order sent');
    assert.ok(await empty(), 'nothing is left once the answer is sent');
  });

  test('several files: the size limit holds for all of them together, refused while streaming', async () => {
    const file = (name: string) => filePart('candidate', name, Buffer.alloc(400, 5));
    const fits = await send(url, [filePart('file', 'ref.wav', Buffer.alloc(400, 5)), file('a.wav'), END], { query: '?many=4&max=1000' });
    assert.equal(fits.status, 200, `800 bytes under a 1000-byte limit: ${JSON.stringify(fits.body)}`);
    const over = await send(url, [filePart('file', 'ref.wav', Buffer.alloc(400, 5)), file('a.wav'), file('b.wav'), END], { query: '?many=4&max=1000' });
    assert.equal(over.status, 413, `three files of 400 bytes under a 1000-byte limit: ${JSON.stringify(over.body)}`);
    assert.equal(over.body.error?.code, 'payload_too_large', 'code');
    assert.match(over.body.error?.message ?? '', /1000 bytes/, 'the message names the limit');
    // Held open after the third file's head: the refusal comes while the client is still sending.
    const held = await send(url, [filePart('file', 'ref.wav', Buffer.alloc(600, 5)), fileHead('candidate', 'c.wav'), Buffer.alloc(600, 5)], { query: '?many=4&max=1000', hold: true });
    assert.equal(held.status, 413, `refused before the body ended: ${JSON.stringify(held.body)}`);
    await eventually(empty, 'the partial files are removed');
  });

  test('several files: one more than allowed, or one under another field, is a 400 naming its field', async () => {
    const tiny = (field: string, name: string) => filePart(field, name, Buffer.from('x'));
    const extra = await send(url, [tiny('file', 'r.wav'), tiny('candidate', 'a.wav'), tiny('candidate', 'b.wav'), END], { query: '?many=2' });
    assert.equal(extra.status, 400, JSON.stringify(extra.body));
    assert.deepEqual([extra.body.error?.code, extra.body.error?.param], ['too_many_files', 'candidate'], 'the extra file is named');
    assert.match(extra.body.error?.message ?? '', /At most 2 files/, 'the message says how many may be sent');
    const stray = await send(url, [tiny('file', 'r.wav'), tiny('other', 'a.wav'), END], { query: '?many=3' });
    assert.equal(stray.status, 400, JSON.stringify(stray.body));
    assert.deepEqual([stray.body.error?.code, stray.body.error?.param], ['unexpected_file', 'other'], 'the unexpected field is named');
    assert.ok(await empty(), 'nothing is left');
  });

  test('the file goes when the handler fails', async () => {
    seen = undefined;
    const answer = await send(url, [filePart('file', 'a.bin', Buffer.from('aaaa')), END], { query: '?mode=fail' });
    assert.equal(answer.status, 500, 'the handler’s own failure');
    assert.ok(await empty(), 'nothing is left');
  });

  test('a client that leaves mid-upload or mid-work leaves nothing behind, and the work is told', async () => {
    const req = httpRequest(`${url}/upload`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
    req.on('error', () => undefined);
    req.write(fileHead('file', 'a.bin'));
    req.write(Buffer.alloc(100_000, 3));
    await eventually(async () => (await dir.pending()).length === 1, 'the upload has begun');
    req.destroy();
    await eventually(empty, 'the partial upload is removed after the client left');

    seen = undefined;
    const waiting = httpRequest(`${url}/upload?mode=wait`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
    waiting.on('error', () => undefined);
    waiting.end(Buffer.concat([filePart('file', 'a.bin', Buffer.from('aaaa')), END]));
    await eventually(async () => seen !== undefined, 'the handler runs');
    waiting.destroy();
    await eventually(async () => seen!.form.signal.aborted, 'the handler’s signal aborts when the client leaves');
    await eventually(empty, 'the upload is removed after the client left');
    release?.();
  });
});
