import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteTtsError } from '../errors.js';
import {
  capReference,
  cloneJobInput,
  parseCloneFields,
  parseCloneParams,
  referenceFromJobInput,
  serializeCloneParams,
  type CloneFieldDefaults,
} from './clone-params.js';

const DEFAULTS: CloneFieldDefaults = { engine: 'espeak', defaultVoice: { engine: 'espeak', language: 'en-us' } };

const refused = (fields: Record<string, string>, param: string, code = 'invalid_parameter') =>
  assert.throws(
    () => parseCloneFields(fields, DEFAULTS),
    (e: unknown) => e instanceof LiteTtsError && e.kind === 'invalid' && e.param === param && e.code === code,
    `${JSON.stringify(fields)} is refused naming '${param}' (${code})`,
  );

test('create fields: defaults, a generated session for temporary voices, and what is given', () => {
  const a = parseCloneFields({ voice_name: 'me' }, DEFAULTS);
  assert.equal(a.quality, 'fast');
  assert.equal(a.params.temporary, true);
  assert.equal(a.params.engine, 'espeak');
  assert.equal(a.params.language, 'en-us');
  assert.match(a.params.sessionId ?? '', /^[0-9a-f-]{36}$/, 'a session is generated for a temporary voice');
  assert.equal(a.sessionGiven, false);
  assert.notEqual(parseCloneFields({ voice_name: 'me' }, DEFAULTS).params.sessionId, a.params.sessionId, 'a new one each time');

  const b = parseCloneFields(
    { voice_name: 'me', temporary: '0', engine: 'ESPEAK', quality: 'thorough', max_seconds: '600', session_id: 's1', ttl_seconds: '', language: 'fr-fr', description: 'd' },
    DEFAULTS,
  );
  assert.deepEqual(b.params, { voiceName: 'me', description: 'd', temporary: false, sessionId: 's1', ttlSeconds: undefined, engine: 'espeak', language: 'fr-fr', maxSeconds: 600 });
  assert.equal(b.quality, 'thorough');
  assert.equal(parseCloneFields({ voice_name: 'me', temporary: 'false' }, DEFAULTS).params.sessionId, null, 'no session for a custom voice unless given');
  assert.equal(parseCloneFields({ voice_name: 'me', temporary: 'TRUE', ttl_seconds: '60' }, DEFAULTS).params.ttlSeconds, 60);
  assert.equal(parseCloneFields({ voice_name: 'me', quality: 'thorough' }, DEFAULTS).params.maxSeconds, 60, 'a thorough clone has 60 s unless told');
  assert.equal(
    parseCloneFields({ voice_name: 'me' }, { engine: 'kokoro', defaultVoice: { engine: 'kokoro', language: 'en-gb' } }).params.language,
    'en-gb',
    "a Kokoro clone takes the default voice's language",
  );
});

test('create fields: each malformed field is a 400 naming it', () => {
  refused({}, 'voice_name', 'missing_parameter');
  refused({ voice_name: '' }, 'voice_name', 'missing_parameter');
  for (const t of ['yes', 'no', '2', 'truee', ' ']) refused({ voice_name: 'me', temporary: t }, 'temporary');
  refused({ voice_name: 'me', engine: 'piper' }, 'engine', 'invalid_engine');
  refused({ voice_name: 'me', quality: 'best' }, 'quality', 'invalid_quality');
  refused({ voice_name: 'me', max_seconds: '30' }, 'max_seconds');
  for (const m of ['0', '601', '1e3', '-5', '2.5', 'x', '99999999999']) refused({ voice_name: 'me', quality: 'thorough', max_seconds: m }, 'max_seconds');
  for (const t of ['1.5', 'abc', '-1', '0x10']) refused({ voice_name: 'me', ttl_seconds: t }, 'ttl_seconds');
  refused({ voice_name: 'me', language: 'xx-nowhere' }, 'language', 'invalid_language');
  refused({ voice_name: 'me', engine: 'kokoro', language: '../../etc' }, 'language', 'invalid_language');
});

test('clone params survive their JSON text; anything else is refused', () => {
  const params = parseCloneFields({ voice_name: 'me', quality: 'thorough', max_seconds: '90', ttl_seconds: '120', description: 'x' }, DEFAULTS).params;
  assert.deepEqual(parseCloneParams(serializeCloneParams(params)), JSON.parse(JSON.stringify(params)));
  for (const text of ['', 'null', '{}', '[1]', JSON.stringify({ ...params, maxSeconds: 601 }), JSON.stringify({ ...params, extra: 1 }), JSON.stringify({ ...params, engine: 'piper' })]) {
    assert.throws(() => parseCloneParams(text), (e: unknown) => e instanceof LiteTtsError && e.code === 'invalid_clone_params', `refused: ${text.slice(0, 60)}`);
  }
});

test("a job's input holds the reference exactly; damaged input is refused", () => {
  const samples = Int16Array.from({ length: 48_001 }, (_, i) => ((i * 7919) % 65536) - 32768);
  const bytes = cloneJobInput({ samples, sampleRate: 16_000 });
  assert.equal(bytes.length, 16 + samples.length * 2);
  const back = referenceFromJobInput(bytes);
  assert.equal(back.sampleRate, 16_000);
  assert.deepEqual(back.samples, samples);
  const offset = new Uint8Array(bytes.length + 3);
  offset.set(bytes, 3);
  assert.deepEqual(referenceFromJobInput(offset.subarray(3)).samples, samples, 'from a view at an odd offset too');
  const damaged = [new Uint8Array(0), bytes.subarray(0, 15), bytes.subarray(0, bytes.length - 1), Uint8Array.from(bytes, (b, i) => (i === 0 ? 0 : b))];
  const badRate = bytes.slice();
  new DataView(badRate.buffer).setUint32(8, 1, true);
  for (const d of [...damaged, badRate]) {
    assert.throws(() => referenceFromJobInput(d), (e: unknown) => e instanceof LiteTtsError && e.code === 'invalid_clone_input');
  }
});

test('the reference a cloner gets is capped to its first minute, as a copy', () => {
  const long = { samples: new Int16Array(16_000 * 90), sampleRate: 16_000 };
  const capped = capReference(long);
  assert.equal(capped.samples.length, 16_000 * 60);
  assert.equal(capped.samples.buffer.byteLength, 16_000 * 60 * 2, 'not a view of the whole buffer (a thread would get all of it)');
  const short = { samples: new Int16Array(16_000 * 10), sampleRate: 16_000 };
  assert.equal(capReference(short), short);
});
