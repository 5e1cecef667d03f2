import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ESPEAK_BUILTIN_VOICES, espeakInfo } from '../engines/espeak/index.js';
import { LiteTtsError } from '../errors.js';
import { statusOf } from '../server/errors.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { VoiceLibrary } from './library.js';
import { isOpenAiVoiceId, newOpenAiVoiceId } from './resolver.js';

/** `voice_…` ids in speech: they mean the voice of that id, wherever it is named, and nothing else. */

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LiteTtsError) return `${statusOf(error)} ${error.code} ${error.param}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('OpenAI voice ids in the resolver', () => {
  let catalog: SqliteCatalog;
  let id: string;
  const open = (aliases: Record<string, string> = {}) =>
    new VoiceLibrary({ engines: [espeakInfo], catalog, aliases, temporary: { defaultTtlSeconds: 60, maxTtlSeconds: 3600 } });

  beforeEach(async () => {
    catalog = new SqliteCatalog(':memory:');
    id = newOpenAiVoiceId();
    await open().create({ name: 'cloned', data: { ...ESPEAK_BUILTIN_VOICES[2]!.data, pitch: 31 }, source: 'clone', temporary: false, similarity: 0.7, externalId: id });
  });
  afterEach(() => catalog.close());

  test('ids have one form: voice_ and 32 hex digits, freshly random each time', () => {
    assert.match(id, /^voice_[0-9a-f]{32}$/);
    assert.notEqual(newOpenAiVoiceId(), newOpenAiVoiceId());
    for (const text of ['voice_1234', 'voice_', `voice_${'g'.repeat(32)}`, `voice-${'a'.repeat(32)}`, `voice_${'a'.repeat(33)}`, `xvoice_${'a'.repeat(32)}`]) {
      assert.equal(isOpenAiVoiceId(text), false, text);
    }
    assert.equal(isOpenAiVoiceId(`VOICE_${'A'.repeat(32)}`), true, 'any letter case has the form (and is then matched exactly)');
  });

  test('an id resolves as a string and as {"id"}, to the voice and its data, under a new name after a rename', async () => {
    const library = open();
    for (const param of [id, { id }, ` ${id} `]) {
      const resolved = await library.resolve(param);
      assert.deepEqual([resolved.voice.name, resolved.voice.openai_voice_id], ['cloned', id], JSON.stringify(param));
      assert.equal(resolved.data.engine === 'espeak' && resolved.data.pitch, 31, 'its own data');
    }
    await library.update('cloned', { name: 'renamed' });
    assert.equal((await library.resolve({ id })).voice.name, 'renamed', 'found by id after the rename');
    assert.equal((await library.getByOpenAiId(id))?.name, 'renamed', 'getByOpenAiId too');
    assert.equal((await library.resolve(`${id}(1)+espeak-en-us-female(1)`)).voice.name, `${id}(0.5)+espeak-en-us-female(0.5)`, 'a part of a blend');
    assert.equal((await open({ narrator: id }).resolve('narrator')).voice.name, 'renamed', 'the target of a configured alias');
  });

  test('a deleted id is 404 at once, even with its data in the cache, and never falls through to a name', async () => {
    const library = open();
    await library.resolve({ id }); // decoded and cached by content hash
    assert.equal((await library.deleteByOpenAiId(id)).name, 'cloned', 'deleted by id');
    assert.match(await failure(library.resolve({ id })), new RegExp(`^404 voice_not_found voice: Voice '${id}' does not exist`));
    assert.match(await failure(library.resolve(id)), /^404 voice_not_found/, 'as a string');
    assert.equal(await library.getByOpenAiId(id), undefined);
    assert.match(await failure(library.deleteByOpenAiId(id)), /^404 voice_not_found id/, 'a second delete');
    assert.match(await failure(library.resolve(id.toUpperCase())), /^404 voice_not_found/, 'another letter case is no id of ours');
    assert.match(await failure(library.resolve(newOpenAiVoiceId())), /^404 voice_not_found/, 'an id never made');
  });

  test('no voice may be named like an id, so no name can ever answer for one', async () => {
    const library = open();
    const fake = newOpenAiVoiceId();
    assert.match(await failure(library.blend({ name: fake, voices: 'espeak-en-us-female', temporary: false })), /^409 voice_name_reserved name: .*form of an OpenAI custom voice id/);
    assert.match(await failure(library.blend({ name: fake.toUpperCase(), voices: 'espeak-en-us-female' })), /^409 voice_name_reserved/, 'in any letter case');
    assert.match(await failure(library.update('cloned', { name: fake })), /^409 voice_name_reserved/, 'nor renamed to one');
    assert.equal((await library.blend({ name: 'voice_2', voices: 'espeak-en-us-female' })).name, 'voice_2', 'other voice_ names are ordinary names');
    assert.equal((await library.resolve('voice_2')).voice.name, 'voice_2', 'and resolve by name');
  });

  test('deleting by id deletes that voice only, not another that has its old name now', async () => {
    const library = open();
    await library.update('cloned', { name: 'moved' });
    await library.blend({ name: 'cloned', voices: 'espeak-en-us-male', temporary: false });
    assert.equal((await library.deleteByOpenAiId(id)).name, 'moved');
    assert.deepEqual((await library.list({ kind: 'custom' })).map((v) => v.name), ['cloned'], 'the other voice stays');
  });
});
