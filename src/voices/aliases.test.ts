import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../config.js';
import { espeakInfo } from '../engines/espeak/index.js';
import { kokoroInfo } from '../engines/kokoro/index.js';
import { LiteTtsError } from '../errors.js';
import { statusOf } from '../server/errors.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { VoiceLibrary } from './library.js';
import { OPENAI_VOICE_NAMES } from './names.js';
import { openLibrary } from './open.js';

const espeakVoice = { engine: 'espeak' as const, base: 'en-us', variant: null, pitch: 40, range: 50, rate: 175, volume: 100 };
const code = (error: unknown) => (error instanceof LiteTtsError ? `${statusOf(error)} ${error.code}` : String(error));

/** One meaning per name: an alias always means the voice it maps to, so no stored voice may take it. */
describe('aliases and reserved names', () => {
  const dirs: string[] = [];
  let catalog: SqliteCatalog;
  let dir: string;
  const open = (aliases: Record<string, string> = {}) =>
    new VoiceLibrary({
      engines: [kokoroInfo({ modelDir: join(dir, 'kokoro'), modelVariant: 'model_quantized.onnx', onnxThreads: 1 }), espeakInfo],
      catalog,
      aliases,
      temporary: { defaultTtlSeconds: 60, maxTtlSeconds: 3600 },
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-aliases-'));
    dirs.push(dir);
    catalog = new SqliteCatalog(join(dir, 'voices.db'));
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('the 13 OpenAI names, in any letter case, cannot name a stored voice', async () => {
    const library = open();
    assert.equal(OPENAI_VOICE_NAMES.length, 13, 'OpenAI has 13 voice names');
    for (const name of [...OPENAI_VOICE_NAMES, 'ALLOY', 'Nova', 'mArIn', 'CEDAR']) {
      await assert.rejects(
        library.create({ name, data: espeakVoice, source: 'import', temporary: false }),
        (e) => code(e) === '409 voice_name_reserved',
        `creating '${name}'`,
      );
    }
    await assert.rejects(library.blend({ name: 'Echo', voices: 'espeak-en-us-male+espeak-en-us-female' }), (e) => code(e) === '409 voice_name_reserved', 'blend');
    await library.create({ name: 'mine', data: espeakVoice, source: 'import', temporary: false });
    await assert.rejects(library.update('mine', { name: 'Shimmer' }), (e) => code(e) === '409 voice_name_reserved', 'rename');
    await library.create({ name: 'draft', data: espeakVoice, source: 'clone', temporary: true });
    await assert.rejects(library.save('draft', { newName: 'sage' }), (e) => code(e) === '409 voice_name_reserved', 'save as');
    assert.equal((await library.list({ kind: 'all' })).filter((v) => v.kind !== 'builtin').length, 2, 'only the two allowed voices were stored');
  });

  test('every OpenAI name, marin and cedar included, resolves and is shown as the voice it maps to', async () => {
    const library = open();
    for (const name of OPENAI_VOICE_NAMES) {
      const voice = await library.get(name);
      assert.ok(voice, `GET ${name} finds a voice`);
      assert.equal(voice.name, name, `${name} keeps its own name`);
      assert.match(voice.alias_of ?? '', /^espeak-/, `${name} says which voice it is (Kokoro is not installed here)`);
      assert.equal((await library.resolve(name)).voice.name, voice.alias_of, `${name} speaks with the voice GET shows`);
    }
    assert.equal((await library.get('espeak-en-us-male'))?.alias_of, undefined, 'a voice by its own name is no alias');
  });

  test('a configured alias may name a custom voice; it is reserved and speaks with that voice', async () => {
    const library = open({ nova: 'my_voice', narrator: 'espeak-en-gb-male' });
    await library.create({ name: 'my_voice', data: { ...espeakVoice, pitch: 77 }, source: 'import', temporary: false });
    const resolved = await library.resolve('NOVA');
    assert.equal(resolved.voice.name, 'my_voice', 'nova speaks with the custom voice');
    assert.equal(resolved.data.engine === 'espeak' && resolved.data.pitch, 77, "the custom voice's data");
    assert.deepEqual(
      { name: (await library.get('nova'))?.name, alias_of: (await library.get('nova'))?.alias_of, kind: (await library.get('nova'))?.kind },
      { name: 'nova', alias_of: 'my_voice', kind: 'custom' },
      'GET nova shows the custom voice',
    );
    assert.equal((await library.resolve('narrator')).voice.name, 'espeak-en-gb-male', 'a name of one’s own as alias');
    await assert.rejects(
      library.create({ name: 'Narrator', data: espeakVoice, source: 'import', temporary: false }),
      (e) => code(e) === '409 voice_name_reserved',
      'a configured alias is reserved too',
    );
    await library.delete('my_voice', 'custom');
    await assert.rejects(library.resolve('nova'), (e) => code(e) === '404 voice_not_found', 'the alias of a deleted voice is a 404, not a fallback');
    assert.equal(await library.get('nova'), undefined, 'GET nova: 404 once its voice is gone');
  });

  test('aliases that could never mean anything are refused at start', async () => {
    const config = (aliases: string) => loadConfig({ env: {}, flags: { dataDir: join(dir, 'data'), voiceAliases: aliases, modelAutoDownload: false } });
    const engines = [espeakInfo];
    for (const [aliases, why] of [
      ['espeak-en-us-male=espeak-en-gb-male', /builtin voice/],
      ['nova=alloy', /itself an alias/],
      ['nova=bad name!', /not a valid voice name/],
    ] as const) {
      await assert.rejects(openLibrary(config(aliases), engines), (e) => e instanceof ConfigError && why.test(e.message), aliases);
    }
    const { catalog: opened } = await openLibrary(config('nova=not_yet_created'), engines);
    await opened.close();
  });
});
