import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ffmpegPath } from '../audio/ffmpeg.js';
import { findSpeechCorpus, listUtterances, splitReaders } from '../test-support/speech-corpus.js';
import { watchHealth } from '../test-support/health.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** POST /v1/audio/similarity against the real server: scores that rank speakers, and every bad input a 4xx. */

const work = mkdtempSync(join(tmpdir(), 'litetts-similarity-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Score {
  candidate: string;
  score: number;
}
interface Answer {
  status: number;
  ms: number;
  body: { scores?: Score[]; error?: { code: string; param: string | null; message: string; analysis?: Record<string, unknown> } };
}

/** A candidate: a file (name, bytes) or a voice name. */
type Part = [name: string, bytes: Uint8Array] | string;

async function compare(server: TestServer, reference: [string, Uint8Array] | string | null, candidates: readonly Part[]): Promise<Answer> {
  const form = new FormData();
  if (typeof reference === 'string') form.append('reference', reference);
  else if (reference) form.append('reference', new Blob([reference[1]]), reference[0]);
  for (const c of candidates) {
    if (typeof c === 'string') form.append('candidate', c);
    else form.append('candidate', new Blob([c[1]]), c[0]);
  }
  const started = performance.now();
  const response = await fetch(`${server.url}/v1/audio/similarity`, { method: 'POST', body: form });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, ms: performance.now() - started, body };
}

function ffmpeg(name: string, args: string[]): Uint8Array {
  const path = join(work, name);
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', ...args, '-y', path]);
  return new Uint8Array(readFileSync(path));
}

/** Speech of an espeak voice, as the server renders it (WAV). */
async function speak(server: TestServer, voice: string, input: string): Promise<Uint8Array> {
  const response = await fetch(`${server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input, voice, response_format: 'wav' }),
  });
  assert.equal(response.status, 200, `speech in ${voice}`);
  return new Uint8Array(await response.arrayBuffer());
}

function leftovers(server: TestServer): string[] {
  const root = join(server.dataDir, 'tmp', 'uploads');
  return readdirSync(root).flatMap((own) => readdirSync(join(root, own)).map((name) => join(own, name)));
}

function expectError(answer: Answer, status: number, code: string, param: string | null, what: string): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.error?.code, code, `${what}: code`);
  assert.equal(answer.body.error?.param, param, `${what}: param`);
}

function scoresOf(answer: Answer, what: string): Score[] {
  assert.equal(answer.status, 200, `${what}: ${JSON.stringify(answer.body)}`);
  const scores = answer.body.scores ?? [];
  for (const s of scores) assert.ok(s.score >= 0 && s.score <= 1, `${what}: ${s.candidate}'s score ${s.score} is in 0..1`);
  return scores;
}

const corpus = findSpeechCorpus();

describe('POST /v1/audio/similarity (real server)', () => {
  let server: TestServer;
  let male: Uint8Array;

  before(async () => {
    server = await startTestServer({ args: ['--max-upload-mb', '2'] });
    male = await speak(server, 'espeak-en-us-male', 'Every morning the baker opens his shop before sunrise. People queue in the street for warm bread and small cakes.');
  });
  after(async () => server.stop());

  test('two halves of one LibriSpeech reader score clearly higher than other readers', { skip: corpus === null && 'no speech corpus here' }, async (t) => {
    const { heldOut } = splitReaders(listUtterances(corpus!));
    // Three readers of each sex: each reader's first half against its own second half and the other two of its sex.
    for (const sex of ['F', 'M'] as const) {
      const readers = heldOut.filter((u) => u.sex === sex).slice(0, 3);
      const halves = readers.map((u, i) => ({
        first: ffmpeg(`${sex}${i}-a.wav`, ['-i', u.path, '-t', '6', '-ac', '1']),
        second: ffmpeg(`${sex}${i}-b.wav`, ['-i', u.path, '-ss', '6', '-t', '6', '-ac', '1']),
      }));
      for (const [i, reader] of readers.entries()) {
        const others = halves.flatMap((h, j) => (j === i ? [] : [[`${readers[j]!.speaker}.wav`, h.second] as [string, Uint8Array]]));
        const scores = scoresOf(await compare(server, ['a.wav', halves[i]!.first], [['same.wav', halves[i]!.second], ...others]), `reader ${reader.speaker}`);
        const [same, ...different] = scores.map((s) => s.score);
        const best = Math.max(...different);
        t.diagnostic(`reader ${reader.speaker} (${sex}): same ${same!.toFixed(3)}, others ${different.map((d) => d.toFixed(3)).join(', ')}`);
        assert.ok(same! > best + 0.1, `reader ${reader.speaker}: its other half scores ${same!.toFixed(3)}, other ${sex} readers up to ${best.toFixed(3)}`);
      }
    }
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  test('voice names are rendered and scored: a voice ranks above a very different voice, in the order given, files and names mixed', async (t) => {
    const female = await speak(server, 'espeak-en-us-female', 'The river rose all night and by dawn the bridge was under water.');
    const scores = scoresOf(
      await compare(server, ['male.wav', male], ['espeak-en-us-female', 'espeak-en-us-male', ['female.wav', female], 'espeak-en-us-male']),
      'espeak voices',
    );
    assert.deepEqual(scores.map((s) => s.candidate), ['espeak-en-us-female', 'espeak-en-us-male', 'female.wav', 'espeak-en-us-male'], 'the order given, each by its name');
    const [asFemale, asMale, femaleFile, again] = scores.map((s) => s.score);
    t.diagnostic(`male reference: espeak-en-us-male ${asMale!.toFixed(3)}, espeak-en-us-female ${asFemale!.toFixed(3)}, female recording ${femaleFile!.toFixed(3)}`);
    assert.ok(asMale! > asFemale! + 0.2, `espeak-en-us-male against its own rendering: ${asMale}, against espeak-en-us-female: ${asFemale}`);
    assert.ok(asMale! > femaleFile!, `the male voice (${asMale}) above the female recording (${femaleFile})`);
    assert.equal(again, asMale, 'a voice named twice scores the same both times');
    // Any name the library resolves: an OpenAI alias (mapped to an espeak voice here) and a blend formula.
    const named = scoresOf(await compare(server, ['male.wav', male], ['onyx', 'espeak-en-us-male(1)+espeak-en-us-female(1)']), 'an alias and a blend');
    assert.deepEqual(named.map((s) => s.candidate), ['onyx', 'espeak-en-us-male(1)+espeak-en-us-female(1)'], 'named as given');
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  test('every bad input is a 4xx in the contract shape, naming the field, and leaves nothing on disk', async () => {
    const silence = ffmpeg('silence.wav', ['-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '4']);
    const blip = ffmpeg('blip.wav', ['-f', 'lavfi', '-i', 'sine=f=200:r=16000', '-t', '0.2']);
    expectError(await compare(server, null, ['espeak-en-us-male']), 400, 'missing_parameter', 'reference', 'no reference');
    expectError(await compare(server, 'espeak-en-us-male', ['espeak-en-us-male']), 400, 'invalid_parameter', 'reference', 'a reference given as a name');
    expectError(await compare(server, ['male.wav', male], []), 400, 'missing_parameter', 'candidate', 'no candidate');
    expectError(await compare(server, ['male.wav', male], ['  ']), 400, 'invalid_parameter', 'candidate', 'an empty candidate');
    const unknown = await compare(server, ['male.wav', male], ['espeak-en-us-male', 'no-such-voice']);
    expectError(unknown, 404, 'voice_not_found', 'candidate', 'an unknown voice');
    assert.match(unknown.body.error!.message, /no-such-voice/, 'the message names the voice');
    expectError(await compare(server, ['male.wav', male], [['notes.txt', new TextEncoder().encode('not audio at all')]]), 415, 'unsupported_audio', 'candidate', 'a text file as candidate');
    expectError(await compare(server, ['junk.bin', new Uint8Array(4096).fill(7)], ['espeak-en-us-male']), 415, 'unsupported_audio', 'reference', 'junk as reference');
    expectError(await compare(server, ['empty.wav', new Uint8Array(0)], ['espeak-en-us-male']), 400, 'empty_audio', 'reference', 'an empty reference');
    for (const [name, bytes] of [['silence.wav', silence], ['blip.wav', blip]] as const) {
      const ref = await compare(server, [name, bytes], ['espeak-en-us-male']);
      expectError(ref, 422, 'audio_unusable', 'reference', `${name} as reference`);
      assert.equal(typeof ref.body.error!.analysis?.speech_seconds, 'number', `${name}: the analysis is in the error`);
      assert.match(ref.body.error!.message, new RegExp(name.replace('.', '\\.')), `${name}: the message names the file`);
      const cand = await compare(server, ['male.wav', male], ['espeak-en-us-male', [name, bytes]]);
      expectError(cand, 422, 'audio_unusable', 'candidate', `${name} as candidate`);
      assert.match(cand.body.error!.message, /candidate 2/i, `${name}: the message says which candidate`);
    }
    const many = Array.from({ length: 9 }, () => 'espeak-en-us-male');
    expectError(await compare(server, ['male.wav', male], many), 400, 'too_many_candidates', 'candidate', 'nine candidates');
    expectError(await compare(server, ['male.wav', male], Array.from({ length: 11 }, (_, i): Part => [`c${i}.wav`, blip])), 400, 'too_many_files', 'candidate', 'eleven files');
    // Under the 2 MiB limit each, over it together.
    const big = new Uint8Array(800 * 1024).fill(1);
    expectError(await compare(server, ['a.wav', big], [['b.wav', big], ['c.wav', big]]), 413, 'payload_too_large', null, 'files over the limit together');
    const docs = (await (await fetch(`${server.url}/docs/json`)).json()) as { paths: Record<string, { post?: { summary?: string } }> };
    assert.match(docs.paths['/v1/audio/similarity']?.post?.summary ?? '', /reference.*candidate/, 'the route is in the OpenAPI document with a summary');
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });

  test('/health stays quick while eight candidates are scored', async () => {
    const health = watchHealth(server);
    const names = ['espeak-en-us-female', 'espeak-en-us-female-2', 'espeak-en-us-male-2', 'espeak-en-gb-female', 'espeak-en-gb-male', 'espeak-de-male'];
    const answer = await compare(server, ['male.wav', male], [...names, ['m1.wav', male], ['m2.wav', male]]);
    const { worst, count: polls } = await health.stop();
    const scores = scoresOf(answer, 'eight candidates');
    assert.equal(scores.length, 8, 'a score for each candidate');
    assert.ok(scores[6]!.score > 0.9, `the reference against itself scores ${scores[6]!.score}`);
    assert.ok(polls >= 3 && worst < 1000, `/health took up to ${Math.round(worst)} ms over ${polls} polls during ${Math.round(answer.ms)} ms of scoring`);
    assert.deepEqual(leftovers(server), [], 'no upload is left on disk');
  });
});
