import assert from 'node:assert/strict';
import { errorOf } from './contract-support.js';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { VoiceCatalog } from './catalog.js';
import type { NewPronunciation, PronunciationStore } from './pronunciations.js';

/**
 * The promises of `PronunciationStore` (pronunciations.ts) as node:test tests, for every
 * implementation to run against itself: `pronunciationsContract('SqliteCatalog', …)` in
 * sqlite.contract.test.ts. The lexicon lives in the catalog, so a store here is both.
 */
export type PronunciationCatalog = VoiceCatalog & PronunciationStore;

export interface PronunciationsContractOptions {
  /** Another instance over the same store, open or already closed (a restart); the suite closes it. */
  reopen(store: PronunciationCatalog): Promise<PronunciationCatalog>;
}

const T0 = Date.parse('2026-12-02T12:00:00Z');
const entry = (word: string, phonemes: string, language = 'en-us'): NewPronunciation => ({ word, language, phonemes });

export function pronunciationsContract(name: string, makeStore: () => Promise<PronunciationCatalog>, options: PronunciationsContractOptions): void {
  describe(`${name} keeps the PronunciationStore contract`, () => {
    let store: PronunciationCatalog;
    let opened: PronunciationCatalog[] = [];
    const another = async (of: PronunciationCatalog = store) => {
      const other = await options.reopen(of);
      opened.push(other);
      return other;
    };

    beforeEach(async () => {
      store = await makeStore();
      opened = [store];
    });
    afterEach(async () => {
      for (const s of opened) await s.close();
    });

    test('empty at first; put returns the committed rows, stamped with `now`, and counts the new keys', async () => {
      assert.deepEqual(await store.listPronunciations({}), []);
      assert.equal(await store.countPronunciations(), 0);
      const put = await store.putPronunciations([entry('Kokoro', 'kˈOkəɹO'), entry('nginx', 'ˈɛnʤɪnˌɛks'), entry('Kokoro', 'kəkˈɔːɹəʊ', 'en-gb')], T0);
      assert.equal(put.created, 3);
      assert.deepEqual(put.rows, [
        { word: 'Kokoro', language: 'en-us', phonemes: 'kˈOkəɹO', updatedAt: T0 },
        { word: 'nginx', language: 'en-us', phonemes: 'ˈɛnʤɪnˌɛks', updatedAt: T0 },
        { word: 'Kokoro', language: 'en-gb', phonemes: 'kəkˈɔːɹəʊ', updatedAt: T0 },
      ]);
      assert.equal(await store.countPronunciations(), 3);
      assert.deepEqual((await store.listPronunciations({})).map((r) => `${r.language} ${r.word}`), ['en-gb Kokoro', 'en-us Kokoro', 'en-us nginx'], 'by language, then word');
      assert.deepEqual((await store.listPronunciations({ language: 'en-us' })).map((r) => r.word), ['Kokoro', 'nginx']);
      assert.deepEqual((await store.listPronunciations({ language: 'fr-fr' })), []);
    });

    test('a word is one entry whatever its case: a second put replaces the phonemes and keeps the first spelling', async () => {
      await store.putPronunciations([entry('Nginx', 'a')], T0);
      const again = await store.putPronunciations([entry('NGINX', 'ˈɛnʤɪnˌɛks')], T0 + 5);
      assert.equal(again.created, 0, 'no new key');
      assert.deepEqual(again.rows, [{ word: 'Nginx', language: 'en-us', phonemes: 'ˈɛnʤɪnˌɛks', updatedAt: T0 + 5 }]);
      assert.deepEqual((await store.listPronunciations({ word: 'nginx' })).map((r) => [r.word, r.phonemes]), [['Nginx', 'ˈɛnʤɪnˌɛks']], 'found in any case');
      assert.equal(await store.countPronunciations(), 1);
      const twice = await store.putPronunciations([entry('tomato', 'təmˈAɾO'), entry('Tomato', 'təmˈɑːtəʊ')], T0 + 6);
      assert.equal(twice.created, 1, 'one key given twice is one new entry');
      assert.deepEqual((await store.listPronunciations({ word: 'TOMATO' })).map((r) => r.phonemes), ['təmˈɑːtəʊ'], 'the last given wins');
    });

    test('a put is all or nothing: an entry the store refuses leaves nothing of the others', async () => {
      await store.putPronunciations([entry('kept', 'kˈɛpt')], T0);
      const bad = { word: 'broken', language: 'en-us', phonemes: null } as unknown as NewPronunciation;
      await assert.rejects(store.putPronunciations([entry('first', 'fˈɜɹst'), entry('kept', 'changed'), bad], T0 + 1));
      assert.deepEqual((await store.listPronunciations({})).map((r) => [r.word, r.phonemes]), [['kept', 'kˈɛpt']], 'as before the put');
    });

    test('delete removes one language or every one; a second delete is not_found', async () => {
      await store.putPronunciations([entry('Kokoro', 'kˈOkəɹO'), entry('Kokoro', 'kəkˈɔːɹəʊ', 'en-gb'), entry('other', 'ˈʌðəɹ')], T0);
      const one = await store.deletePronunciations('KOKORO', 'en-gb');
      assert.deepEqual(one.map((r) => r.language), ['en-gb']);
      assert.deepEqual((await store.listPronunciations({ word: 'kokoro' })).map((r) => r.language), ['en-us'], 'the other language stays');
      assert.equal((await errorOf(() => store.deletePronunciations('kokoro', 'en-gb'))).code, 'not_found');
      const all = await store.deletePronunciations('kokoro', null);
      assert.deepEqual(all.map((r) => r.language), ['en-us']);
      assert.equal((await errorOf(() => store.deletePronunciations('kokoro', null))).code, 'not_found');
      assert.deepEqual((await store.listPronunciations({})).map((r) => r.word), ['other']);
    });

    test('the version changes with every write, as another instance over the same store sees at once', async () => {
      const other = await another();
      const v0 = await other.pronunciationsVersion();
      await store.putPronunciations([entry('alpha', 'ˈælfə')], T0);
      const v1 = await other.pronunciationsVersion();
      assert.notEqual(v1, v0, 'after a put');
      await store.putPronunciations([], T0);
      assert.equal(await other.pronunciationsVersion(), v1, 'an empty put writes nothing');
      await store.deletePronunciations('alpha', null);
      const v2 = await other.pronunciationsVersion();
      assert.ok(v2 !== v1 && v2 !== v0, 'after a delete');
      await assert.rejects(store.deletePronunciations('alpha', null));
      assert.equal(await other.pronunciationsVersion(), v2, 'a refused delete changes nothing');
      assert.deepEqual(await other.listPronunciations({}), [], 'and the other instance reads the same lexicon');
    });

    test('entries survive a restart', async () => {
      await store.putPronunciations([entry('Kokoro', 'kˈOkəɹO'), entry('été', 'ete', 'fr-fr')], T0);
      await store.close();
      store = await another(store);
      assert.deepEqual((await store.listPronunciations({})).map((r) => `${r.language} ${r.word} ${r.phonemes}`), ['en-us Kokoro kˈOkəɹO', 'fr-fr été ete']);
    });
  });
}
