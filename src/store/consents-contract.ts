import assert from 'node:assert/strict';
import { errorOf } from './contract-support.js';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { CatalogError, type NewVoice, type VoiceCatalog } from './catalog.js';
import type { ConsentStore, NewConsent } from './consents.js';

/**
 * The promises of `ConsentStore` (consents.ts) as node:test tests, for every implementation to
 * run against itself, as `catalogContract` does for voices: `consentsContract('SqliteCatalog', …)`
 * in sqlite.contract.test.ts. Consents live in the catalog beside the voices, so a store here
 * is both; what only one store can show (bytes on disk) belongs in that store's own tests.
 */
export type ConsentCatalog = VoiceCatalog & ConsentStore;

export interface ConsentsContractOptions {
  /** Another instance over the same store, open or already closed (a restart); the suite closes it. */
  reopen(store: ConsentCatalog): Promise<ConsentCatalog>;
}

const T0 = Date.parse('2026-11-25T12:00:00Z');

/** A recording of `n` bytes with a pattern of its own, so that two never compare equal by accident. */
function recording(n: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

function consent(id: string, extra: Partial<NewConsent> = {}): NewConsent {
  return { id, name: `Speaker ${id}`, language: 'en-US', recording: recording(64, id.length), ...extra };
}

function voice(name: string): NewVoice {
  return {
    name,
    engine: 'espeak',
    kind: 'custom',
    language: 'en-us',
    gender: null,
    description: '',
    source: 'clone',
    expiresAt: null,
    sessionId: null,
    similarity: 0.8,
    externalId: `voice_${name}`,
    data: new TextEncoder().encode(JSON.stringify({ engine: 'espeak', base: 'en-us', variant: null })),
  };
}

export function consentsContract(name: string, makeStore: () => Promise<ConsentCatalog>, options: ConsentsContractOptions): void {
  describe(`${name} keeps the ConsentStore contract`, () => {
    let store: ConsentCatalog;
    let opened: ConsentCatalog[] = [];
    const another = async (of: ConsentCatalog = store) => {
      const other = await options.reopen(of);
      opened.push(other);
      return other;
    };
    const restart = async () => {
      await store.close();
      store = await another(store);
    };

    beforeEach(async () => {
      store = await makeStore();
      opened = [store];
    });
    afterEach(async () => {
      for (const s of opened) await s.close();
    });

    test('insert returns the committed row, stamped with `now`, and get returns the same, recording included', async () => {
      const bytes = recording(3 * 1024 * 1024 + 7, 1);
      const row = await store.insertConsent({ id: 'cons_a', name: 'Ada Lovelace', language: 'en-GB', recording: bytes }, T0);
      assert.deepEqual({ ...row, recording: undefined }, { id: 'cons_a', name: 'Ada Lovelace', language: 'en-GB', createdAt: T0, recording: undefined }, 'the row as written');
      assert.ok(Buffer.from(row.recording).equals(Buffer.from(bytes)), 'the recording as given');
      const got = await store.getConsent('cons_a');
      assert.ok(got, 'found by id');
      assert.deepEqual([got.id, got.name, got.language, got.createdAt], ['cons_a', 'Ada Lovelace', 'en-GB', T0], 'get: the metadata');
      assert.ok(got.recording instanceof Uint8Array, 'the recording is bytes');
      assert.equal(got.recording.byteLength, bytes.byteLength, 'get: every byte of a 3 MiB recording');
      assert.ok(Buffer.from(got.recording).equals(Buffer.from(bytes)), 'get: the same bytes');
      assert.equal(await store.getConsent('cons_nobody'), undefined, 'an unknown id');
      assert.equal(await store.getConsent('CONS_A'), undefined, 'ids match exactly, not in another letter case');
      assert.equal(await store.getConsent(''), undefined, 'an empty id');
    });

    test('rows are values: changing the array given to insert changes nothing stored or returned', async () => {
      const bytes = recording(32, 2);
      const copy = bytes.slice();
      const row = await store.insertConsent(consent('cons_v', { recording: bytes }), T0);
      bytes.fill(0);
      assert.deepEqual([...row.recording], [...copy], 'the returned row');
      assert.deepEqual([...((await store.getConsent('cons_v'))?.recording ?? [])], [...copy], 'the stored row');
      const first = await store.getConsent('cons_v');
      first!.recording.fill(0);
      assert.deepEqual([...((await store.getConsent('cons_v'))?.recording ?? [])], [...copy], 'a row handed out and then changed');
    });

    test('an id is unique: a second insert with it is name_taken and leaves the first as it was', async () => {
      await store.insertConsent(consent('cons_dup', { name: 'First' }), T0);
      const taken = await errorOf(() => store.insertConsent(consent('cons_dup', { name: 'Second', recording: recording(10, 9) }), T0 + 1));
      assert.equal(taken.code, 'name_taken', 'the code');
      assert.match(taken.message, /'cons_dup'/, 'the message names the id');
      const kept = await store.getConsent('cons_dup');
      assert.deepEqual([kept?.name, kept?.createdAt, kept?.recording.byteLength], ['First', T0, 64], 'the first is unchanged');
      assert.equal((await store.listConsents()).length, 1, 'one consent');
    });

    test('list is oldest first (then by id), without recordings', async () => {
      assert.deepEqual(await store.listConsents(), [], 'empty at first');
      await store.insertConsent(consent('cons_c'), T0 + 2);
      await store.insertConsent(consent('cons_b'), T0 + 1);
      await store.insertConsent(consent('cons_z'), T0);
      await store.insertConsent(consent('cons_a'), T0 + 1);
      const list = await store.listConsents();
      assert.deepEqual(list.map((c) => c.id), ['cons_z', 'cons_a', 'cons_b', 'cons_c'], 'by creation, then id');
      assert.deepEqual(list[0], { id: 'cons_z', name: 'Speaker cons_z', language: 'en-US', createdAt: T0 }, 'metadata only');
      assert.ok(list.every((c) => !('recording' in c)), 'no recording in a listed consent');
    });

    test('delete returns the consent, then it is gone from every read; a second delete is not_found', async () => {
      await store.insertConsent(consent('cons_gone'), T0);
      await store.insertConsent(consent('cons_kept'), T0 + 1);
      assert.deepEqual(await store.deleteConsent('cons_gone'), { id: 'cons_gone', name: 'Speaker cons_gone', language: 'en-US', createdAt: T0 }, 'the deleted consent, less its recording');
      assert.equal(await store.getConsent('cons_gone'), undefined, 'get');
      assert.deepEqual((await store.listConsents()).map((c) => c.id), ['cons_kept'], 'list');
      const again = await errorOf(() => store.deleteConsent('cons_gone'));
      assert.equal(again.code, 'not_found', 'twice');
      assert.match(again.message, /'cons_gone'/, 'not_found names the id');
      assert.equal((await errorOf(() => store.deleteConsent('cons_never'))).code, 'not_found', 'an id never used');
      assert.ok(await store.getConsent('cons_kept'), 'the other consent stays');
    });

    test('voices made with a consent stay when it is deleted, and consents stay when voices go', async () => {
      await store.insertConsent(consent('cons_x'), T0);
      await store.insert(voice('made_with_it'), T0);
      await store.deleteConsent('cons_x');
      assert.equal((await store.get('made_with_it', T0))?.externalId, 'voice_made_with_it', 'the voice stays');
      await store.insertConsent(consent('cons_y'), T0);
      await store.delete('made_with_it', 'custom', {}, T0);
      assert.ok(await store.getConsent('cons_y'), 'the consent stays');
      assert.deepEqual(await store.checkIntegrity(), [], 'sound');
    });

    test('every write is durable: inserts and deletes survive closing and reopening the store', async () => {
      const bytes = recording(100_000, 3);
      await store.insertConsent(consent('cons_1', { recording: bytes }), T0);
      await store.insertConsent(consent('cons_2'), T0 + 1);
      await restart();
      assert.ok(Buffer.from((await store.getConsent('cons_1'))?.recording ?? []).equals(Buffer.from(bytes)), 'an insert');
      await store.deleteConsent('cons_2');
      await restart();
      assert.equal(await store.getConsent('cons_2'), undefined, 'a delete');
      assert.deepEqual((await store.listConsents()).map((c) => c.id), ['cons_1'], 'the list after both');
    });

    test("two instances over one store see each other's writes at once, and never both win an id", async () => {
      const other = await another();
      assert.deepEqual(await store.listConsents(), [], 'empty');
      await other.insertConsent(consent('cons_there'), T0);
      assert.ok(await store.getConsent('cons_there'), 'an insert made there, seen here');
      assert.deepEqual((await store.listConsents()).map((c) => c.id), ['cons_there'], 'in the list');
      await store.deleteConsent('cons_there');
      assert.equal(await other.getConsent('cons_there'), undefined, 'a delete made here, seen there');
      const results = await Promise.allSettled([store.insertConsent(consent('cons_race', { name: 'here' }), T0), other.insertConsent(consent('cons_race', { name: 'there' }), T0)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one insert of an id wins');
      const loser = results.find((r) => r.status === 'rejected');
      assert.ok(loser?.status === 'rejected' && loser.reason instanceof CatalogError && loser.reason.code === 'name_taken', 'the other is name_taken');
    });
  });
}
