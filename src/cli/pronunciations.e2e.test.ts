import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { idsToPhonemes, installTinyKokoro, modelCalls } from '../test-support/tiny-kokoro-server.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** `litetts pronunciations …` beside a running server on the same data directory. */
describe('the pronunciations CLI', () => {
  let server: TestServer;
  let dir: string;
  const served = async () => ((await (await fetch(`${server.url}/v1/pronunciations`)).json()) as { data: { word: string; language: string; phonemes: string }[] }).data.map((e) => `${e.language} ${e.word} ${e.phonemes}`);

  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'litetts-lexicon-cli-'));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('set, list, export, import and delete; the server sees each change on its next request', async () => {
    const data = ['--data-dir', server.dataDir];
    const set = await runLitetts(['pronunciations', 'set', 'Kokoro', 'kˈOkəɹO', ...data]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /added Kokoro \(en-us\)/);
    assert.deepEqual(await served(), ['en-us Kokoro kˈOkəɹO'], 'the server serves what the CLI wrote');

    const bad = await runLitetts(['pronunciations', 'set', 'Kokoro', 'k!O', ...data]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not phonemes of Kokoro's set/);

    const file = join(dir, 'misaki-style.json');
    writeFileSync(file, JSON.stringify({ nginx: 'ˈɛnʤɪnˌɛks', tomato: 'təmˈɑːtəʊ' }));
    const imported = await runLitetts(['pronunciations', 'import', file, '--language', 'en-gb', ...data]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported 2 entries \(2 new\)/);
    const refused = join(dir, 'one-bad.json');
    writeFileSync(refused, JSON.stringify({ entries: [{ word: 'fine', phonemes: 'fˈIn' }, { word: 'two words', phonemes: 'tˈu' }] }));
    assert.equal((await runLitetts(['pronunciations', 'import', refused, ...data])).code, 2);

    const listed = await runLitetts(['pronunciations', 'list', ...data]);
    assert.equal(listed.code, 0);
    assert.deepEqual(listed.stdout.trim().split('\n').map((l) => l.split(/\s+/)), [
      ['WORD', 'LANGUAGE', 'PHONEMES'],
      ['nginx', 'en-gb', 'ˈɛnʤɪnˌɛks'],
      ['tomato', 'en-gb', 'təmˈɑːtəʊ'],
      ['Kokoro', 'en-us', 'kˈOkəɹO'],
    ]);

    const out = join(dir, 'export.json');
    assert.equal((await runLitetts(['pronunciations', 'export', out, ...data])).code, 0);
    const exported = JSON.parse(readFileSync(out, 'utf8')) as { entries: { word: string }[] };
    assert.deepEqual(exported.entries.map((e) => e.word), ['nginx', 'tomato', 'Kokoro']);

    const deleted = await runLitetts(['pronunciations', 'delete', 'KOKORO', ...data]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await served(), ['en-gb nginx ˈɛnʤɪnˌɛks', 'en-gb tomato təmˈɑːtəʊ'], 'gone from the server at once');
    assert.equal((await runLitetts(['pronunciations', 'delete', 'kokoro', ...data])).code, 2, 'a second delete fails');

    // The exported file restores what was deleted.
    assert.equal((await runLitetts(['pronunciations', 'import', out, ...data])).code, 0);
    assert.equal((await served()).length, 3);
  });

  test('`litetts say` reads the server lexicon and inline pronunciations, and refuses malformed markup', async () => {
    const modelDir = join(dir, 'model');
    installTinyKokoro(modelDir, { af_heart: 11 });
    const data = ['--data-dir', server.dataDir, '--model-dir', modelDir];
    const say = async (text: string): Promise<string> => {
      const out = join(dir, 'say.pcm');
      const run = await runLitetts(['say', text, '-v', 'af_heart', '-f', 'pcm', '-o', out, ...data]);
      assert.equal(run.code, 0, run.stderr);
      const bytes = readFileSync(out);
      const calls = modelCalls(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
      assert.equal(calls.length, 1);
      return idsToPhonemes(calls[0]!.ids);
    };
    const builtin = await say('I say tomato.');
    assert.equal((await runLitetts(['pronunciations', 'set', 'tomato', 'təmˈɑːtO', '--language', 'en-us', ...data])).code, 0);
    assert.equal(await say('I say tomato.'), builtin.replace(/\S+\.$/, 'təmˈɑːtO.'), 'the entry the CLI wrote');
    assert.equal(await say('I say [tomato](/tˈOmAtO/).'), builtin.replace(/\S+\.$/, 'tˈOmAtO.'), 'inline markup');
    const bad = await runLitetts(['say', 'Say [this](/ðɪs', '-v', 'af_heart', '-f', 'pcm', '-o', join(dir, 'bad.pcm'), ...data]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /\[word\]\(\/phonemes\/\)/);
    assert.equal((await runLitetts(['pronunciations', 'delete', 'tomato', '--language', 'en-us', ...data])).code, 0);
    assert.equal(await say('I say tomato.'), builtin, 'deleted: the built-in reading');
  });
});
