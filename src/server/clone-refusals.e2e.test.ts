import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createVoice, ffmpegFile, hiddenReference, referenceWav, type CreateAnswer } from '../test-support/clone-client.js';
import { watchHealth } from '../test-support/health.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { tone, wavFile } from '../test-support/wav.js';

/**
 * POST /v1/voices/create refuses what cannot be cloned, each with its 4xx (or 503) in the
 * error shape and nothing stored, and stays responsive with several clones at once beside speech.
 */

const work = mkdtempSync(join(tmpdir(), 'litetts-clone-refusals-'));
after(() => rmSync(work, { recursive: true, force: true }));

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde]);

function expectError(answer: CreateAnswer, status: number, code: string, what: string): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body).slice(0, 400)}`);
  assert.equal(answer.body.error?.code, code, `${what}: code (${answer.body.error?.message})`);
  assert.equal(typeof answer.body.error?.message, 'string', `${what}: a message`);
}

describe('voice cloning refusals and load (real server)', () => {
  let server: TestServer;
  let wav: Uint8Array;
  let pcm: Int16Array;

  const storedVoices = async (): Promise<string[]> => {
    const response = await fetch(`${server.url}/v1/voices?kind=all`);
    const list = (await response.json()) as { data: { name: string; kind: string }[] };
    return list.data.filter((v) => v.kind !== 'builtin').map((v) => v.name);
  };
  const leftovers = (): string[] => {
    const root = join(server.dataDir, 'tmp', 'uploads');
    return readdirSync(root).flatMap((own) => readdirSync(join(root, own)));
  };

  before(async () => {
    server = await startTestServer({ waitForWarmUp: true, args: ['--upload-timeout-seconds', '60'] });
    pcm = await hiddenReference();
    wav = referenceWav(pcm);
  });
  after(async () => server.stop());

  test('bad fields, names, sessions and ttls are refused before the audio is looked at; nothing is stored', { timeout: 60_000 }, async () => {
    const junk = { name: 'notes.txt', bytes: new TextEncoder().encode('this is not audio') };
    const ok = { name: 'ref.wav', bytes: wav };
    const cases: [string, Record<string, string>, { name: string; bytes: Uint8Array } | undefined, number, string][] = [
      ['no file', { voice_name: 'a1' }, undefined, 400, 'missing_parameter'],
      ['no name', {}, ok, 400, 'missing_parameter'],
      ['a bad name', { voice_name: 'bad name!' }, junk, 400, 'invalid_voice_name'],
      ['a builtin name', { voice_name: 'ESPEAK-en-us-female' }, junk, 409, 'voice_name_taken'],
      ['an OpenAI voice name', { voice_name: 'alloy' }, junk, 409, 'voice_name_reserved'],
      ['a bad session', { voice_name: 'a2', session_id: 'no spaces allowed' }, junk, 400, 'invalid_session_id'],
      ['ttl 0', { voice_name: 'a3', ttl_seconds: '0' }, junk, 400, 'invalid_ttl'],
      ['ttl beyond the maximum', { voice_name: 'a4', ttl_seconds: String(31 * 24 * 3600) }, junk, 400, 'invalid_ttl'],
      ['ttl on a custom voice', { voice_name: 'a5', temporary: 'false', ttl_seconds: '60' }, junk, 400, 'invalid_parameter'],
      ['ttl not a number', { voice_name: 'a6', ttl_seconds: '1h' }, junk, 400, 'invalid_parameter'],
      ['temporary=maybe', { voice_name: 'a7', temporary: 'maybe' }, junk, 400, 'invalid_parameter'],
      ['an unknown engine', { voice_name: 'a8', engine: 'piper' }, junk, 400, 'invalid_engine'],
      ['an unknown quality', { voice_name: 'a9', quality: 'ultra' }, junk, 400, 'invalid_quality'],
      ['max_seconds on a fast clone', { voice_name: 'b1', max_seconds: '30' }, junk, 400, 'invalid_parameter'],
      ['max_seconds beyond 600', { voice_name: 'b2', quality: 'thorough', max_seconds: '601' }, junk, 400, 'invalid_parameter'],
      ['an unknown language', { voice_name: 'b3', language: 'tlh' }, junk, 400, 'invalid_language'],
      ['a description beyond 1000 characters', { voice_name: 'b4', description: 'x'.repeat(1001) }, junk, 400, 'invalid_parameter'],
      ['Kokoro, not installed', { voice_name: 'b5', engine: 'kokoro' }, junk, 503, 'engine_unavailable'],
    ];
    for (const [what, fields, file, status, code] of cases) {
      const answer = await createVoice(server, fields, file);
      expectError(answer, status, code, what);
      if (status === 503) assert.ok(Number(answer.headers.get('retry-after')) > 0, `${what}: Retry-After`);
    }
    const kokoro = await createVoice(server, { voice_name: 'b6', engine: 'kokoro' }, junk);
    assert.match(kokoro.body.error!.message, /models pull|install/i, 'the 503 says how to install Kokoro');

    const first = await createVoice(server, { voice_name: 'taken-1' }, ok);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    expectError(await createVoice(server, { voice_name: 'TAKEN-1' }, junk), 409, 'voice_name_taken', 'a taken name, before the (non-audio) file is decoded');
    assert.deepEqual(await storedVoices(), ['taken-1'], 'nothing else was stored');
    assert.deepEqual(leftovers(), [], 'no upload left behind');
  });

  test('audio that is not audio, or cannot be cloned from, is a 4xx with nothing stored', { timeout: 180_000 }, async () => {
    const silence = new Int16Array(16_000 * 8);
    const noise = Int16Array.from({ length: 16_000 * 8 }, (_, i) => Math.round(Math.sin(i * 12.9898) * 43758.5453 % 1 * 9000));
    const half = pcm.subarray(0, 12_000);
    writeFileSync(join(work, 'ref.wav'), wav);
    // Ten minutes of the reference on a loop: the decoder takes its first 300 s, the cloner its first minute.
    const long = ffmpegFile(work, 'long.ogg', ['-stream_loop', '-1', '-i', join(work, 'ref.wav'), '-t', '600', '-c:a', 'libopus', '-b:a', '24k']);
    const cases: [string, Uint8Array, number, string][] = [
      ['an empty file', new Uint8Array(0), 400, 'empty_audio'],
      ['a text file', new TextEncoder().encode('Hello, this is a letter, not a recording.\n'.repeat(50)), 415, 'unsupported_audio'],
      ['an image', PNG, 415, 'unsupported_audio'],
      ['half a second of speech', wavFile(half, 24_000), 422, 'audio_unusable'],
      ['silence', wavFile(silence, 16_000), 422, 'audio_unusable'],
      ['a pure tone', wavFile(tone(16_000, 16_000 * 8, 220, 8000), 16_000), 422, 'audio_unusable'],
      ['noise', wavFile(noise, 16_000), 422, 'audio_unusable'],
    ];
    for (const [what, bytes, status, code] of cases) {
      const answer = await createVoice(server, { voice_name: 'bad-audio' }, { name: 'ref.wav', bytes });
      expectError(answer, status, code, what);
      if (status === 422) {
        const analysis = answer.body.error!.analysis as { suitability: { ok: boolean; issues: unknown[] } } | undefined;
        assert.ok(analysis && !analysis.suitability.ok && analysis.suitability.issues.length > 0, `${what}: the analysis is in the error`);
      }
    }
    assert.ok(!(await storedVoices()).includes('bad-audio'), 'nothing stored');

    const answer = await createVoice(server, { voice_name: 'from-long' }, { name: 'long.ogg', bytes: long });
    assert.equal(answer.status, 201, `ten minutes: ${JSON.stringify(answer.body).slice(0, 300)}`);
    const analysis = answer.body.analysis as { truncated: boolean; analyzed_seconds: number; suitability: { issues: { code: string }[] } };
    console.log(`a 10-minute recording (${long.length} bytes): analysed ${analysis.analyzed_seconds.toFixed(1)} s, answered in ${answer.ms.toFixed(0)} ms, similarity ${(answer.body.similarity as number).toFixed(4)}`);
    assert.equal(analysis.truncated, true, 'the decoder cap applied, and said so');
    assert.ok(analysis.suitability.issues.some((i) => i.code === 'truncated'));
    assert.ok((answer.body.similarity as number) > 0.5, 'cloned from its start');
    assert.deepEqual(leftovers(), [], 'no upload left behind');
  });

  test('several fast clones at once beside speech: each made or refused with 503 and Retry-After, never a 500; /health stays quick', { timeout: 120_000 }, async () => {
    const health = watchHealth(server);
    const clones = Array.from({ length: 5 }, (_, i) => createVoice(server, { voice_name: `busy-${i}` }, { name: 'ref.wav', bytes: wav }));
    const speech = Array.from({ length: 6 }, async () => {
      const response = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'The clone threads are busy, and speech goes on all the same. '.repeat(3), voice: 'espeak-en-us-male', response_format: 'wav' }),
      });
      await response.arrayBuffer();
      return response.status;
    });
    const answers = await Promise.all(clones);
    const statuses = await Promise.all(speech);
    const { worst, count } = await health.stop();
    const made = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 503);
    console.log(
      `5 clones at once: ${made.length} made (${made.map((a) => a.ms.toFixed(0)).join(', ')} ms), ${refused.length} refused (${refused.map((a) => a.body.error?.code).join(', ')}); ` +
        `speech ${statuses.join(', ')}; /health worst ${worst.toFixed(0)} ms over ${count} polls`,
    );
    for (const a of answers) assert.ok(a.status === 201 || a.status === 503, `201 or 503, got ${a.status}: ${JSON.stringify(a.body).slice(0, 200)}`);
    for (const a of refused) assert.ok(Number(a.headers.get('retry-after')) > 0, 'a refusal says when to retry');
    assert.ok(made.length >= 1, 'the clone threads made some');
    assert.ok(statuses.every((s) => s === 200), `speech went on (${statuses.join(', ')})`);
    assert.ok(worst < 1000, `/health answered within a second throughout (worst ${worst.toFixed(0)} ms)`);
    const stored = await storedVoices();
    for (const [i, a] of answers.entries()) assert.equal(stored.includes(`busy-${i}`), a.status === 201, `busy-${i} stored exactly when made`);
  });
});
