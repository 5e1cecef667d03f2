import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { zipSync } from 'fflate';
import { ffmpegPath } from '../audio/ffmpeg.js';
import { watchHealth } from '../test-support/health.js';
import { tone, wavFile } from '../test-support/wav.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** Hostile uploads against the real server: each is answered with a 4xx in time, and /health stays quick meanwhile. */

const work = mkdtempSync(join(tmpdir(), 'litetts-uploads-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Answer {
  status: number;
  ms: number;
  headers: Headers;
  body: { error?: { code: string; param: string | null; message: string } } & Record<string, unknown>;
}

async function upload(server: TestServer, path: string, files: [field: string, name: string, bytes: Uint8Array][], fields: Record<string, string> = {}): Promise<Answer> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [field, name, bytes] of files) form.append(field, new Blob([bytes]), name);
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, { method: 'POST', body: form });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, ms: performance.now() - started, headers: response.headers, body };
}

const analyze = (server: TestServer, name: string, bytes: Uint8Array) => upload(server, '/v1/voices/analyze', [['audio_file', name, bytes]]);
const importFile = (server: TestServer, name: string, bytes: Uint8Array, fields: Record<string, string> = {}) =>
  upload(server, '/v1/voices/import', [['file', name, bytes]], fields);

/** Files left in the server's upload directories (there must be none once a request is answered). */
function leftovers(server: TestServer): string[] {
  const root = join(server.dataDir, 'tmp', 'uploads');
  return readdirSync(root).flatMap((own) => readdirSync(join(root, own)).map((name) => join(own, name)));
}

function ffmpeg(name: string, args: string[]): Uint8Array {
  const path = join(work, name);
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', ...args, '-y', path]);
  return new Uint8Array(readFileSync(path));
}

/** A .pt (zip with data.pkl) whose pickle pushes None 80 million times: about 78 KB. Made once (it takes seconds). */
let bombBytes: Uint8Array | undefined;
const pickleBomb = () => (bombBytes ??= makePickleBomb(80_000_000));

function makePickleBomb(count: number): Uint8Array {
  const pkl = new Uint8Array(count + 3);
  pkl[0] = 0x80; // PROTO 2
  pkl[1] = 2;
  pkl.fill(0x4e, 2, count + 2); // NONE
  pkl[count + 2] = 0x2e; // STOP
  return zipSync({ 'archive/data.pkl': [pkl, { level: 9 }], 'archive/version': [new TextEncoder().encode('3\n'), { level: 0 }] });
}

function expectError(answer: Answer, status: number, code: string, what: string): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.error?.code, code, `${what}: code`);
}

describe('uploads (real server)', () => {
  let server: TestServer;
  let silence: Uint8Array;

  before(async () => {
    server = await startTestServer({ args: ['--upload-timeout-seconds', '30'] });
    silence = ffmpeg('silence.flac', ['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '10800', '-c:a', 'flac']);
  });
  after(async () => server.stop());

  test('three hours of FLAC silence: analysed in seconds, truncated to the first 300 s and saying so; /health stays quick', async () => {
    assert.ok(silence.length < 3 * 1024 * 1024, `a small file (${silence.length} bytes)`);
    const health = watchHealth(server);
    const answer = await analyze(server, 'silence.flac', silence);
    const { worst, count } = await health.stop();
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(answer.ms < 8000, `answered in ${Math.round(answer.ms)} ms`);
    assert.deepEqual([answer.body.truncated, answer.body.analyzed_seconds, answer.body.duration_s], [true, 300, 300], 'the first 300 s, truncated');
    const issues = (answer.body.suitability as { issues: { code: string; message: string }[] }).issues;
    const truncated = issues.find((i) => i.code === 'truncated');
    assert.match(truncated?.message ?? '', /only its first 300 s were analysed/, 'an issue says so in words');
    assert.ok(worst < 1000, `/health took up to ${Math.round(worst)} ms (${count} polls)`);
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  test('a 78 KB pickle bomb .pt: a 4xx within the time limit, and /health stays quick', async () => {
    const bomb = pickleBomb();
    assert.ok(bomb.length < 100 * 1024, `${bomb.length} bytes`);
    const health = watchHealth(server);
    const answer = await importFile(server, 'bomb.pt', bomb, { voice_name: 'bomb' });
    const { worst, count } = await health.stop();
    assert.ok(answer.status >= 400 && answer.status < 500, `a 4xx: ${answer.status} ${JSON.stringify(answer.body)}`);
    assert.ok(answer.ms < 30_000 + 3000, `answered in ${Math.round(answer.ms)} ms, within the 30 s limit`);
    assert.ok(worst < 1000, `/health took up to ${Math.round(worst)} ms (${count} polls)`);
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
    const voices = (await (await fetch(`${server.url}/v1/voices/bomb`)).json()) as { error?: { code: string } };
    assert.equal(voices.error?.code, 'voice_not_found', 'nothing was imported');
  });

  test('zip bombs on import are refused with a 4xx', async () => {
    // Deflate at its best: 64 MB of zeros in 64 KB, as a .npz entry.
    const zeros = zipSync({ 'af_zero.npy': [new Uint8Array(64 * 1024 * 1024), { level: 1 }] });
    // The same, with the sizes in the zip's headers claiming a small entry.
    const lying = new Uint8Array(zeros);
    const view = new DataView(lying.buffer);
    view.setUint32(22, 1000, true); // local header: uncompressed size
    const central = lying.length - 22 - view.getUint32(lying.length - 22 + 12, true);
    view.setUint32(central + 24, 1000, true); // central directory: uncompressed size
    for (const [name, bytes] of [['zeros.npz', zeros], ['lying.npz', lying]] as const) {
      const answer = await importFile(server, name, bytes);
      assert.ok(answer.status >= 400 && answer.status < 500, `${name}: a 4xx, got ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.deepEqual(leftovers(server), [], `${name}: no upload is left on disk`);
    }
  });

  test('several files are a 400 naming the extra field; a file under another name is a 400 naming it; not multipart is a 415', async () => {
    const file = wavFile(tone(16000, 16000, 180, 6000), 16000);
    for (const [path, field] of [['/v1/voices/analyze', 'audio_file'], ['/v1/voices/import', 'file']] as const) {
      const two = await upload(server, path, [[field, 'a.wav', file], ['extra', 'b.wav', file]]);
      expectError(two, 400, 'too_many_files', `${path}, two files`);
      assert.equal(two.body.error?.param, 'extra', 'names the extra file’s field');
      assert.match(two.body.error?.message ?? '', new RegExp(`only one file may be sent, as '${field}'`, 'i'), 'says which field');
      const twice = await upload(server, path, [[field, 'a.wav', file], [field, 'b.wav', file]]);
      expectError(twice, 400, 'too_many_files', `${path}, the same field twice`);
      const wrong = await upload(server, path, [['upload', 'a.wav', file]]);
      expectError(wrong, 400, 'unexpected_file', `${path}, another field`);
      assert.equal(wrong.body.error?.param, 'upload', 'names the field');
      const json = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const jsonBody = (await json.json()) as Answer['body'];
      assert.equal(json.status, 415, JSON.stringify(jsonBody));
      assert.match(jsonBody.error?.message ?? '', /application\/json/, 'names the content type');
    }
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  test('a playlist or concat script naming local files or URLs is refused, never followed', async () => {
    const secret = join(work, 'secret.wav');
    writeFileSync(secret, wavFile(tone(16000, 32000, 180, 6000), 16000));
    const attacks: Record<string, string> = {
      'local.wav': `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\n${secret}\n#EXT-X-ENDLIST\n`,
      'passwd.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n',
      'remote.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/a.wav\n#EXT-X-ENDLIST\n',
      'list.ffconcat': `ffconcat version 1.0\nfile ${secret}\n`,
    };
    for (const [name, text] of Object.entries(attacks)) {
      const answer = await analyze(server, name, new TextEncoder().encode(text));
      expectError(answer, 415, 'unsupported_audio', name);
      assert.ok(!answer.body.error!.message.includes(server.dataDir), `${name}: no server path in the message`);
    }
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  test('lying headers, misnamed and empty files: a sensible analysis or a 4xx, never a hang or a 500', async () => {
    const claimsHours = await analyze(server, 'hours.wav', wavFile(tone(16000, 16000, 180, 6000), 16000, { riff: 0xfffffff0, data: 0xffffffe0 }));
    assert.equal(claimsHours.status, 200, JSON.stringify(claimsHours.body));
    assert.equal(claimsHours.body.duration_s, 1, 'a header claiming hours, holding 1 s: 1 s');
    assert.equal(claimsHours.body.truncated, false, 'not truncated');
    const mp3 = ffmpeg('tone.mp3', ['-f', 'lavfi', '-i', 'sine=f=200:r=16000', '-t', '1', '-c:a', 'libmp3lame', '-f', 'mp3']);
    const misnamed = await analyze(server, 'really-an-mp3.wav', mp3);
    assert.equal(misnamed.status, 200, JSON.stringify(misnamed.body));
    assert.equal(misnamed.body.codec, 'mp3', 'the content decides');
    const noData = await analyze(server, 'empty-data.wav', wavFile(tone(16000, 0, 180, 6000), 16000));
    assert.equal(noData.status, 200, JSON.stringify(noData.body));
    assert.equal(noData.body.duration_s, 0, 'no samples');
    assert.equal((noData.body.suitability as { ok: boolean }).ok, false, 'and not suitable');
    expectError(await analyze(server, 'text.wav', new TextEncoder().encode('not audio at all')), 415, 'unsupported_audio', 'text');
    expectError(await analyze(server, 'empty.wav', new Uint8Array(0)), 400, 'empty_audio', 'an empty file');
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });
});

describe('uploads under load (real server, one slot per route, 2 s limit)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ args: ['--upload-concurrency', '1', '--upload-timeout-seconds', '2'] });
  });
  after(async () => server.stop());

  test('hammering analyze and import with bad files: only 4xx and 503 with Retry-After, and /health stays quick', async () => {
    const bomb = pickleBomb();
    const noise = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
    const silence = ffmpeg('hammer.flac', ['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '3600', '-c:a', 'flac']);
    const health = watchHealth(server);
    const answers = await Promise.all([
      importFile(server, 'bomb1.pt', bomb),
      importFile(server, 'bomb2.pt', bomb),
      importFile(server, 'bomb3.pt', bomb),
      importFile(server, 'noise.npz', noise),
      analyze(server, 'noise.wav', noise),
      analyze(server, 'long.flac', silence),
      analyze(server, 'long2.flac', silence),
    ]);
    const { worst, count } = await health.stop();
    for (const a of answers) {
      assert.ok((a.status >= 400 && a.status < 500) || a.status === 503 || a.status === 200, `a 4xx or 503 (or a real analysis): ${a.status} ${JSON.stringify(a.body)}`);
      if (a.status === 503) {
        assert.equal(a.body.error?.code, 'server_busy', 'busy');
        assert.ok(Number(a.headers.get('retry-after')) >= 1, 'with Retry-After');
      }
    }
    assert.ok(answers.slice(0, 3).some((a) => a.status === 503), `three bombs at once on one slot: at least one is told to come back (${answers.map((a) => a.status).join(', ')})`);
    assert.ok(worst < 1000, `/health took up to ${Math.round(worst)} ms (${count} polls)`);
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  // The parsers' own limits now refuse this bomb before the time limit matters (400); the pool's
  // test covers a task that really runs past the limit. Either way: a 4xx within the limit.
  test('a file that would take longer than the limit is refused with a 4xx that says why, within the limit', async () => {
    const bomb = pickleBomb();
    const started = performance.now();
    const answer = await importFile(server, 'bomb.pt', bomb);
    const ms = performance.now() - started;
    assert.ok(
      answer.status === 422 || answer.status === 413 || (answer.status === 400 && answer.body.error?.code === 'invalid_voice_file'),
      `422 (too slow), 413 (too big) or 400 (a parser limit), got ${answer.status} ${JSON.stringify(answer.body)}`,
    );
    if (answer.status === 422) {
      assert.equal(answer.body.error?.code, 'upload_timeout', 'code');
      assert.match(answer.body.error?.message ?? '', /took too long to process/, 'says the file took too long');
    }
    assert.ok(ms < 2000 + 3000, `answered in ${Math.round(ms)} ms for a 2 s limit`);
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });
});
