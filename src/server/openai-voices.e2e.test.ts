import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ffmpegPath } from '../audio/ffmpeg.js';
import { loadConfig } from '../config.js';
import { EspeakFitCloner } from '../test-support/espeak-cloner.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { decodeFile, findSpeechCorpus, listUtterances, splitReaders } from '../test-support/speech-corpus.js';
import { tone, wavFile } from '../test-support/wav.js';
import { startServer, type RunningServer } from './start.js';

/**
 * OpenAI's custom voices end to end: consents and every hostile input against the real server
 * (`litetts serve`, which has no cloner yet), and voices cloned, checked against their consent,
 * spoken by id and deleted against the server assembled in this process (`startServer`) with a
 * test cloner (the espeak fit, small budget). Real speech of two LibriSpeech readers where the
 * corpus is here, and espeak renders of two very different voices always.
 */

const work = mkdtempSync(join(tmpdir(), 'litetts-openai-voices-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const corpus = findSpeechCorpus();

interface ErrorBody {
  error?: { message: string; type: string; param: string | null; code: string; similarity?: number; threshold?: number; analysis?: Record<string, unknown> };
}
interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T & ErrorBody;
}

type Part = string | [fileName: string, bytes: Uint8Array];

async function postForm(url: string, path: string, parts: Record<string, Part | Part[]>): Promise<Answer> {
  const form = new FormData();
  for (const [field, value] of Object.entries(parts)) {
    for (const part of Array.isArray(value) && Array.isArray(value[0]) ? (value as Part[]) : [value as Part]) {
      if (typeof part === 'string') form.append(field, part);
      else form.append(field, new Blob([part[1]]), part[0]);
    }
  }
  const response = await fetch(`${url}${path}`, { method: 'POST', body: form });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

async function call(url: string, method: string, path: string, json?: unknown): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(json !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Answer['body'] };
}

async function speech(url: string, voice: unknown, input = 'Hello there, this is a short test.'): Promise<{ status: number; headers: Headers; bytes: Uint8Array; body: ErrorBody }> {
  const response = await fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input, voice, response_format: 'wav' }),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const body = response.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(Buffer.from(bytes).toString()) as ErrorBody) : {};
  return { status: response.status, headers: response.headers, bytes, body };
}

/** An espeak voice's speech as the server renders it (WAV, 24 kHz). */
async function speak(url: string, voice: string, input: string): Promise<Uint8Array> {
  const answer = await speech(url, voice, input);
  assert.equal(answer.status, 200, `speech in ${voice}: ${JSON.stringify(answer.body)}`);
  return answer.bytes;
}

function ffmpeg(name: string, args: string[]): Uint8Array {
  const path = join(work, name);
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', ...args, '-y', path]);
  return new Uint8Array(readFileSync(path));
}

function expectError(answer: Answer, status: number, code: string, param: string | null, what: string): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.error?.code, code, `${what}: code`);
  assert.equal(answer.body.error?.param, param, `${what}: param`);
  assert.equal(typeof answer.body.error?.message, 'string', `${what}: a message`);
}

function leftovers(dataDir: string): string[] {
  const root = join(dataDir, 'tmp', 'uploads');
  return readdirSync(root).flatMap((own) => readdirSync(join(root, own)).map((name) => join(own, name)));
}

const TEXTS = {
  consent: 'I agree that my voice may be recorded and used to make a synthetic voice that speaks like me.',
  sample: 'The quick brown fox jumps over the lazy dog, and then it runs far away into the green forest.',
  other: 'On a rainy afternoon the children built a tall castle of cardboard boxes in the living room.',
};

describe('OpenAI custom voices on the real server (litetts serve, no cloner)', () => {
  let server: TestServer;
  let speechWav: Uint8Array;

  before(async () => {
    server = await startTestServer({ args: ['--max-upload-mb', '1', '--workers', '1'] });
    speechWav = await speak(server.url, 'espeak-en-us-female', TEXTS.consent);
  });
  after(async () => server.stop());

  test('a consent is created, listed, read and deleted, in OpenAI shapes; then it is 404', async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = await postForm(server.url, '/v1/audio/voice_consents', { name: '  Ada Lovelace ', language: 'en-US', recording: ['consent.wav', speechWav] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const consent = created.body as { id: string; object: string; name: string; language: string; created_at: number };
    assert.match(consent.id, /^cons_[0-9a-f]{32}$/, 'the id');
    assert.deepEqual(Object.keys(consent).sort(), ['created_at', 'id', 'language', 'name', 'object'], 'exactly the fields of OpenAI\'s object');
    assert.deepEqual([consent.object, consent.name, consent.language], ['audio.voice_consent', 'Ada Lovelace', 'en-US'], 'trimmed name, language as given');
    assert.ok(Number.isInteger(consent.created_at) && consent.created_at >= before && consent.created_at <= Date.now() / 1000 + 1, `created_at in Unix seconds: ${consent.created_at}`);
    const second = await postForm(server.url, '/v1/audio/voice_consents', { name: 'Second', language: 'pt-BR', recording: ['b.wav', speechWav] });
    assert.equal(second.status, 201);
    const list = await call(server.url, 'GET', '/v1/audio/voice_consents');
    assert.deepEqual([list.status, list.body.object], [200, 'list']);
    assert.deepEqual((list.body.data as { id: string }[]).map((c) => c.id), [consent.id, second.body.id], 'oldest first');
    assert.deepEqual((await call(server.url, 'GET', `/v1/audio/voice_consents/${consent.id}`)).body, consent, 'read back');
    const deleted = await call(server.url, 'DELETE', `/v1/audio/voice_consents/${consent.id}`);
    assert.deepEqual([deleted.status, deleted.body], [200, { id: consent.id, object: 'audio.voice_consent', deleted: true }]);
    expectError(await call(server.url, 'GET', `/v1/audio/voice_consents/${consent.id}`), 404, 'consent_not_found', 'id', 'after delete');
    expectError(await call(server.url, 'DELETE', `/v1/audio/voice_consents/${consent.id}`), 404, 'consent_not_found', 'id', 'deleted twice');
    await call(server.url, 'DELETE', `/v1/audio/voice_consents/${second.body.id as string}`);
    assert.deepEqual(leftovers(server.dataDir), [], 'no upload is left on disk');
  });

  test('every hostile consent is a 4xx in the contract shape, and nothing is stored or left on disk', async () => {
    const silence = wavFile(new Int16Array(16_000 * 4), 16_000);
    const blip = wavFile(tone(16_000, 3200, 220, 8000), 16_000);
    const ok = { name: 'x', language: 'en', recording: ['r.wav', speechWav] as Part };
    const cases: [string, Record<string, Part | Part[]>, number, string, string | null][] = [
      ['no name', { language: 'en', recording: ok.recording }, 400, 'missing_parameter', 'name'],
      ['a blank name', { ...ok, name: ' \t ' }, 400, 'invalid_name', 'name'],
      ['a 257-character name', { ...ok, name: 'n'.repeat(257) }, 400, 'invalid_name', 'name'],
      ['a NUL in the name', { ...ok, name: 'a\u0000b' }, 400, 'invalid_name', 'name'],
      ['a 5000-byte name', { ...ok, name: 'é'.repeat(2500) }, 400, 'field_too_long', 'name'],
      ['no language', { name: 'x', recording: ok.recording }, 400, 'missing_parameter', 'language'],
      ['en_US', { ...ok, language: 'en_US' }, 400, 'invalid_language', 'language'],
      ['a sentence as language', { ...ok, language: 'English please' }, 400, 'invalid_language', 'language'],
      ['an overlong tag', { ...ok, language: 'en-' + 'abcdefgh-'.repeat(10) + 'x' }, 400, 'invalid_language', 'language'],
      ['no recording', { name: 'x', language: 'en' }, 400, 'missing_parameter', 'recording'],
      ['a recording as text', { ...ok, recording: 'not a file' }, 400, 'invalid_parameter', 'recording'],
      ['an empty file', { ...ok, recording: ['empty.wav', new Uint8Array(0)] }, 400, 'empty_audio', 'recording'],
      ['text, not audio', { ...ok, recording: ['notes.wav', new TextEncoder().encode('certainly not audio '.repeat(50))] }, 415, 'unsupported_audio', 'recording'],
      ['random bytes', { ...ok, recording: ['x.mp3', new Uint8Array(8192).map((_, i) => (i * 97) & 255)] }, 415, 'unsupported_audio', 'recording'],
      ['silence', { ...ok, recording: ['silence.wav', silence] }, 422, 'audio_unusable', 'recording'],
      ['a 0.2 s tone', { ...ok, recording: ['blip.wav', blip] }, 422, 'audio_unusable', 'recording'],
      ['two recordings', { ...ok, recording: [['a.wav', speechWav], ['b.wav', speechWav]] }, 400, 'too_many_files', 'recording'],
      ['a file under another field', { name: 'x', language: 'en', audio_sample: ['a.wav', speechWav] }, 400, 'unexpected_file', 'audio_sample'],
      ['a file over --max-upload-mb', { ...ok, recording: ['big.wav', new Uint8Array(1024 * 1024 + 10)] }, 413, 'payload_too_large', null],
    ];
    for (const [what, parts, status, code, param] of cases) {
      const answer = await postForm(server.url, '/v1/audio/voice_consents', parts);
      expectError(answer, status, code, param, what);
      if (code === 'audio_unusable') assert.equal(typeof answer.body.error?.analysis?.speech_seconds, 'number', `${what}: the analysis is in the error`);
    }
    const notMultipart = await call(server.url, 'POST', '/v1/audio/voice_consents', { name: 'x', language: 'en' });
    assert.equal(notMultipart.status, 415, 'JSON instead of a form');
    for (const junk of ["' OR 1=1 --", 'cons_', '%2e%2e%2fvoices.db', 'cons_' + 'f'.repeat(32), '%F0%9F%98%80']) {
      expectError(await call(server.url, 'GET', `/v1/audio/voice_consents/${junk}`), 404, 'consent_not_found', 'id', `GET ${junk}`);
      expectError(await call(server.url, 'DELETE', `/v1/audio/voice_consents/${junk}`), 404, 'consent_not_found', 'id', `DELETE ${junk}`);
    }
    assert.equal((await call(server.url, 'GET', `/v1/audio/voice_consents/${'c'.repeat(300)}`)).status, 414, 'an overlong id');
    assert.deepEqual((await call(server.url, 'GET', '/v1/audio/voice_consents')).body.data, [], 'nothing was stored');
    assert.deepEqual(leftovers(server.dataDir), [], 'no upload is left on disk');
  });

  test('a consent acknowledged is on disk: it survives SIGKILL, and so does its deletion', async () => {
    const kept = await postForm(server.url, '/v1/audio/voice_consents', { name: 'Kept', language: 'de', recording: ['k.wav', speechWav] });
    const doomed = await postForm(server.url, '/v1/audio/voice_consents', { name: 'Doomed', language: 'fr', recording: ['d.wav', speechWav] });
    assert.equal((await call(server.url, 'DELETE', `/v1/audio/voice_consents/${doomed.body.id as string}`)).status, 200);
    await server.kill();
    server = await startTestServer({ dataDir: server.dataDir, args: ['--max-upload-mb', '1', '--workers', '1'] });
    const list = (await call(server.url, 'GET', '/v1/audio/voice_consents')).body.data as { id: string; name: string }[];
    assert.deepEqual(list.map((c) => [c.id, c.name]), [[kept.body.id, 'Kept']], 'the kept consent, and not the deleted one');
    await call(server.url, 'DELETE', `/v1/audio/voice_consents/${kept.body.id as string}`);
  });

  test('POST /v1/audio/voices checks its fields first, then clones; --no-voice-consent drops the consent', async () => {
    const consent = await postForm(server.url, '/v1/audio/voice_consents', { name: 'C', language: 'en', recording: ['c.wav', speechWav] });
    const sample = ['s.wav', speechWav] as Part;
    expectError(await postForm(server.url, '/v1/audio/voices', { name: 'v', audio_sample: sample }), 400, 'missing_parameter', 'consent', 'no consent');
    expectError(await postForm(server.url, '/v1/audio/voices', { name: 'v', consent: 'cons_nope', audio_sample: sample }), 404, 'consent_not_found', 'consent', 'an unknown consent');
    expectError(await postForm(server.url, '/v1/audio/voices', { consent: consent.body.id as string, audio_sample: sample }), 400, 'missing_parameter', 'name', 'no name');
    const unavailable = await postForm(server.url, '/v1/audio/voices', { name: 'v', consent: consent.body.id as string, audio_sample: sample });
    // The server clones now (its clone pool): the sample becomes a voice.
    assert.equal(unavailable.status, 201, `with the server's cloner: ${JSON.stringify(unavailable.body)}`);
    const open = await startTestServer({ args: ['--no-voice-consent', '--workers', '1'] });
    try {
      const made = await postForm(open.url, '/v1/audio/voices', { name: 'v', audio_sample: sample });
      assert.equal(made.status, 201, `--no-voice-consent: no consent needed: ${JSON.stringify(made.body)}`);
      expectError(await postForm(open.url, '/v1/audio/voices', { name: 'v', consent: 'cons_nope', audio_sample: sample }), 404, 'consent_not_found', 'consent', '--no-voice-consent: a consent given is still checked');
    } finally {
      // Nothing of it is needed afterwards; a kill does not wait for its warm-up to end.
      await open.kill();
    }
    const stored = (await call(server.url, 'GET', '/v1/voices?kind=custom')).body.data as { name: string }[];
    assert.deepEqual(stored.map((v) => v.name), ['v'], 'only the voice made from the consenting sample was stored');
  });

  test('voice_… ids that no voice has are 404 everywhere, and no voice may take the form of one', async () => {
    const id = `voice_${'0123456789abcdef'.repeat(2)}`;
    for (const voice of [id, { id }]) {
      const answer = await speech(server.url, voice);
      assert.equal(answer.status, 404, JSON.stringify(voice));
      assert.deepEqual([answer.body.error?.code, answer.body.error?.param], ['voice_not_found', 'voice'], 'voice_not_found');
    }
    expectError(await call(server.url, 'GET', `/v1/audio/voices/${id}`), 404, 'voice_not_found', 'id', 'GET an unknown id');
    expectError(await call(server.url, 'DELETE', `/v1/audio/voices/${id}`), 404, 'voice_not_found', 'id', 'DELETE an unknown id');
    const builtin = await call(server.url, 'GET', '/v1/audio/voices/espeak-en-us-female');
    assert.deepEqual([builtin.status, builtin.body.name, builtin.body.kind], [200, 'espeak-en-us-female', 'builtin'], 'a library name: the voice object');
    expectError(await call(server.url, 'GET', '/v1/audio/voices/no-such-voice'), 404, 'voice_not_found', 'id', 'an unknown name');
    expectError(await call(server.url, 'DELETE', '/v1/audio/voices/espeak-en-us-female'), 409, 'builtin_voice', 'name', 'a builtin voice');
    expectError(await call(server.url, 'POST', '/v1/voices/blend', { name: id, voices: 'espeak-en-us-female' }), 409, 'voice_name_reserved', 'name', 'a blend named like an id');
    const docs = (await call(server.url, 'GET', '/docs/json')).body as { paths: Record<string, Record<string, { summary?: string }>> };
    for (const [path, method] of [['/v1/audio/voice_consents', 'post'], ['/v1/audio/voice_consents/{id}', 'delete'], ['/v1/audio/voices', 'post'], ['/v1/audio/voices/{id}', 'get']] as const) {
      assert.ok(docs.paths[path]?.[method]?.summary, `${method.toUpperCase()} ${path} is in the OpenAPI document`);
    }
  });
});

describe('OpenAI custom voices with a cloner (startServer in this process, the espeak fit as cloner)', () => {
  const dataDir = mkdtempSync(join(work, 'in-process-'));
  const cloner = new EspeakFitCloner(3000);
  let running: RunningServer;
  let url: string;

  before(async () => {
    const config = loadConfig({ env: {}, file: null, flags: { host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent', workers: 1, modelAutoDownload: false } });
    running = await startServer(config, { cloner });
    url = running.url;
  });
  after(async () => {
    await running.close();
    assert.ok(cloner.closed, 'the cloner is closed with the server');
  });

  /** A consent from `recording`, then a voice from `sample` with it: both answers. */
  async function consentThenVoice(name: string, recording: Uint8Array, sample: Uint8Array, language = 'en-US') {
    const consent = await postForm(url, '/v1/audio/voice_consents', { name: `${name} (consent)`, language, recording: ['consent.wav', recording] });
    assert.equal(consent.status, 201, JSON.stringify(consent.body));
    const started = performance.now();
    const voice = await postForm(url, '/v1/audio/voices', { name, consent: consent.body.id as string, audio_sample: ['sample.wav', sample] });
    return { consent, voice, ms: performance.now() - started };
  }

  const customNames = async () => ((await call(url, 'GET', '/v1/voices/custom')).body.data as { name: string }[]).map((v) => v.name);

  test('real speech: the same reader\'s other half is accepted and cloned; another reader is 400 consent_mismatch', { skip: corpus === null && 'no speech corpus here' }, async (t) => {
    // The first two held-out women with at least 14 s: each utterance's first 7 s and the 7 s after.
    const readers = splitReaders(listUtterances(corpus!)).heldOut.filter((u) => u.sex === 'F');
    const long: typeof readers = [];
    for (const u of readers) {
      if (long.length < 2 && (await decodeFile(u.path)).length >= 14 * 16_000) long.push(u);
    }
    assert.equal(long.length, 2, 'two readers');
    const [a, b] = long as [(typeof readers)[0], (typeof readers)[0]];
    const cut = (path: string, from: number, name: string) => ffmpeg(name, ['-i', path, '-ss', String(from), '-t', '7', '-ac', '1']);
    const { consent, voice, ms } = await consentThenVoice('LibriSpeech Reader', cut(a.path, 0, 'a1.wav'), cut(a.path, 7, 'a2.wav'));
    assert.equal(voice.status, 201, JSON.stringify(voice.body));
    assert.match(String(voice.body.id), /^voice_[0-9a-f]{32}$/);
    assert.deepEqual([voice.body.object, voice.body.name], ['audio.voice', 'librispeech_reader']);
    const stored = (await call(url, 'GET', `/v1/audio/voices/${voice.body.name as string}`)).body;
    t.diagnostic(`reader ${a.speaker}: accepted and cloned in ${Math.round(ms)} ms; the clone's similarity to the sample ${Number(stored.similarity).toFixed(3)}`);
    const mismatch = await postForm(url, '/v1/audio/voices', { name: 'Impostor', consent: consent.body.id as string, audio_sample: ['b.wav', cut(b.path, 7, 'b2.wav')] });
    expectError(mismatch, 400, 'consent_mismatch', 'audio_sample', `reader ${b.speaker} against ${a.speaker}'s consent`);
    const score = mismatch.body.error!.similarity!;
    t.diagnostic(`reader ${b.speaker} against reader ${a.speaker}'s consent: ${score.toFixed(3)} (threshold ${mismatch.body.error!.threshold})`);
    assert.ok(score < 0.5 && mismatch.body.error!.message.includes(score.toFixed(3)), `the message gives the score: ${mismatch.body.error!.message}`);
    assert.ok(!(await customNames()).includes('impostor'), 'nothing stored for the impostor');
    assert.equal((await call(url, 'DELETE', `/v1/audio/voices/${voice.body.id as string}`)).status, 200);
  });

  test('synthetic speakers: the same espeak voice on another text is accepted; a very different one is 400 consent_mismatch', async (t) => {
    const female = await speak(url, 'espeak-en-us-female', TEXTS.consent);
    const femaleAgain = await speak(url, 'espeak-en-us-female', TEXTS.sample);
    const male = await speak(url, 'espeak-en-us-male-2', TEXTS.other);
    const { consent, voice, ms } = await consentThenVoice('Synthetic Speaker', female, femaleAgain);
    assert.equal(voice.status, 201, JSON.stringify(voice.body));
    assert.equal(voice.body.name, 'synthetic_speaker');
    const request = cloner.requests.at(-1)!;
    assert.deepEqual([request.quality, request.engine, request.language], ['fast', 'espeak', 'en-us'], 'a fast espeak clone in the consent\'s language');
    const mismatch = await postForm(url, '/v1/audio/voices', { name: 'Other', consent: consent.body.id as string, audio_sample: ['male.wav', male] });
    expectError(mismatch, 400, 'consent_mismatch', 'audio_sample', 'a deep male voice against a female consent');
    t.diagnostic(`espeak female on another text: accepted, cloned in ${Math.round(ms)} ms; espeak deep male: ${mismatch.body.error!.similarity!.toFixed(3)}`);
    const again = await postForm(url, '/v1/audio/voices', { name: 'Synthetic Speaker', consent: consent.body.id as string, audio_sample: ['s.wav', femaleAgain] });
    assert.deepEqual([again.status, again.body.name], [201, 'synthetic_speaker_2'], 'the same name again: the next free library name');
    assert.notEqual(again.body.id, voice.body.id, 'a new id');
    expectError(await postForm(url, '/v1/audio/voices', { name: 'x', consent: consent.body.id as string, audio_sample: ['n.txt', new TextEncoder().encode('no audio here')] }), 415, 'unsupported_audio', 'audio_sample', 'a sample that is not audio');
    const short = await postForm(url, '/v1/audio/voices', { name: 'x', consent: consent.body.id as string, audio_sample: ['short.wav', await speak(url, 'espeak-en-us-female', 'Hi.')] });
    expectError(short, 422, 'audio_unusable', 'audio_sample', 'a sample too short to clone from');
    assert.deepEqual((await customNames()).sort(), ['synthetic_speaker', 'synthetic_speaker_2'], 'only the accepted voices are stored');
    for (const v of [voice, again]) await call(url, 'DELETE', `/v1/audio/voices/${v.body.id as string}`);
    assert.deepEqual(leftovers(dataDir), [], 'no upload is left on disk');
  });

  test('the voice speaks by id, as a string or {"id"}, keeps its id through a rename, and is gone everywhere once deleted', async () => {
    const female = await speak(url, 'espeak-en-us-female-2', TEXTS.consent);
    const { voice } = await consentThenVoice('Speaks By Id', female, await speak(url, 'espeak-en-us-female-2', TEXTS.sample));
    assert.equal(voice.status, 201, JSON.stringify(voice.body));
    const id = voice.body.id as string;
    for (const param of [{ id }, id]) {
      const spoken = await speech(url, param);
      assert.equal(spoken.status, 200, `${JSON.stringify(param)}: ${JSON.stringify(spoken.body)}`);
      assert.equal(spoken.headers.get('x-voice'), 'speaks_by_id', 'spoken by the library voice');
      assert.ok(spoken.bytes.byteLength > 44 + 24_000, 'with audio');
    }
    const object = await call(url, 'GET', `/v1/audio/voices/${id}`);
    assert.deepEqual(object.body, voice.body, 'GET by id: the audio.voice object, as created');
    const byName = (await call(url, 'GET', '/v1/audio/voices/speaks_by_id')).body;
    assert.deepEqual([byName.kind, byName.source, byName.openai_voice_id, byName.description], ['custom', 'clone', id, 'Speaks By Id'], 'by name: the library voice, with its OpenAI id');
    assert.ok(typeof byName.similarity === 'number', 'and the clone\'s similarity');
    const listed = ((await call(url, 'GET', '/v1/audio/voices')).body.data as { name: string; openai_voice_id?: string }[]).find((v) => v.name === 'speaks_by_id');
    assert.equal(listed?.openai_voice_id, id, 'the library list shows the id');
    assert.equal((await call(url, 'PATCH', '/v1/voices/custom/speaks_by_id', { name: 'renamed_voice' })).status, 200, 'renamed');
    assert.equal((await call(url, 'GET', `/v1/audio/voices/${id}`)).body.name, 'renamed_voice', 'the id follows the rename');
    assert.equal((await speech(url, { id })).headers.get('x-voice'), 'renamed_voice', 'and still speaks');
    const deleted = await call(url, 'DELETE', `/v1/audio/voices/${id}`);
    assert.deepEqual([deleted.status, deleted.body], [200, { id, object: 'audio.voice', deleted: true }]);
    const gone = await speech(url, { id });
    assert.deepEqual([gone.status, gone.body.error?.code], [404, 'voice_not_found'], 'speech by id: 404 (no cache, no fallback)');
    expectError(await call(url, 'GET', `/v1/audio/voices/${id}`), 404, 'voice_not_found', 'id', 'GET after delete');
    expectError(await call(url, 'DELETE', `/v1/audio/voices/${id}`), 404, 'voice_not_found', 'id', 'DELETE twice');
    expectError(await call(url, 'GET', '/v1/voices/renamed_voice'), 404, 'voice_not_found', 'name', 'the library voice is gone too');
  });
});
