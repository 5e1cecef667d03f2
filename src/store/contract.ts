import assert from 'node:assert/strict';
import { errorOf } from './contract-support.js';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { CatalogError, contentHash, type NewVoice, type VoiceCatalog, type VoiceRow } from './catalog.js';

/**
 * The promises of `VoiceCatalog` (see catalog.ts) as node:test tests, for every
 * implementation to run against itself: `catalogContract('SqliteCatalog', …)` in
 * sqlite.contract.test.ts, and a PostgreSQL store the same way. Nothing here knows
 * how a store keeps its data; what only one store can show (files on disk, locks)
 * belongs in that store's own tests.
 */
export interface ContractOptions {
  /**
   * Another instance over the same store as `catalog`, which may be open (a second
   * process, such as the CLI beside the server) or already closed (a restart). The
   * suite closes every instance it gets.
   */
  reopen(catalog: VoiceCatalog): Promise<VoiceCatalog>;
}

const T0 = Date.parse('2026-11-25T12:00:00Z');
const MINUTE = 60_000;

function voice(name: string, extra: Partial<NewVoice> = {}): NewVoice {
  return {
    name,
    engine: 'espeak',
    kind: 'custom',
    language: 'en-us',
    gender: null,
    description: '',
    source: 'blend',
    expiresAt: null,
    sessionId: null,
    data: new TextEncoder().encode(JSON.stringify({ engine: 'espeak', base: 'en-us', variant: name.slice(0, 30) })),
    ...extra,
  };
}

function temporary(name: string, sessionId: string, expiresAt: number, extra: Partial<NewVoice> = {}): NewVoice {
  return voice(name, { kind: 'temporary', sessionId, expiresAt, ...extra });
}

/** The CatalogError code a call fails with, or 'no error'; any other error fails the test. */
async function errorCode(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    if (error instanceof CatalogError) return error.code;
    throw error;
  }
  return 'no error';
}

const names = (rows: readonly VoiceRow[]) => rows.map((r) => r.name);

export function catalogContract(name: string, makeCatalog: () => Promise<VoiceCatalog>, options: ContractOptions): void {
  describe(`${name} keeps the VoiceCatalog contract`, () => {
    let catalog: VoiceCatalog;
    let opened: VoiceCatalog[] = [];
    /** Another instance over the same store, closed after the test. */
    const another = async (of: VoiceCatalog = catalog) => {
      const other = await options.reopen(of);
      opened.push(other);
      return other;
    };
    /** Closes the current instance and carries on with a fresh one over the same store: a restart. */
    const restart = async () => {
      await catalog.close();
      catalog = await another(catalog);
    };

    beforeEach(async () => {
      catalog = await makeCatalog();
      opened = [catalog];
    });
    afterEach(async () => {
      for (const c of opened) await c.close();
    });

    test('insert returns the committed row, and reads return the same', async () => {
      const data = new Uint8Array([7, 1, 2, 3]);
      const row = await catalog.insert(voice('First', { engine: 'kokoro', language: 'en-gb', gender: 'female', description: 'd', source: 'import', data }), T0);
      assert.deepEqual(
        row,
        {
          name: 'First', engine: 'kokoro', kind: 'custom', language: 'en-gb', gender: 'female', description: 'd', source: 'import',
          createdAt: T0, expiresAt: null, sessionId: null, contentHash: contentHash('kokoro', data), dataBytes: 4, similarity: null, externalId: null,
        },
        'the row as written',
      );
      assert.deepEqual(await catalog.get('First', T0 + MINUTE), row, 'get returns what insert returned');
      const found = await catalog.getWithData('first', T0);
      assert.deepEqual(found?.row, row, 'getWithData: the row');
      assert.deepEqual(found && [...found.data], [...data], 'getWithData: the data');
      const temp = await catalog.insert(temporary('Brief', 's1', T0 + 5), T0);
      assert.deepEqual([temp.kind, temp.expiresAt, temp.sessionId], ['temporary', T0 + 5, 's1'], 'a temporary row');
    });

    test('a write returns what it committed, even a voice that is not live at `now`', async () => {
      const row = await catalog.insert(temporary('Stillborn', 's', T0), T0);
      assert.equal(row?.name, 'Stillborn', 'the inserted row, though it expires at `now`');
      assert.equal(await catalog.get('Stillborn', T0), undefined, 'reads do not see it');
      assert.deepEqual(names(await catalog.deleteExpired(T0)), ['Stillborn'], 'it was written');
    });

    test('names compare case-insensitively, keep their letter case, and are unique among live voices', async () => {
      const holder = await catalog.insert(voice('MyVoice'), T0);
      assert.equal((await catalog.get('MYVOICE', T0))?.name, 'MyVoice', 'found in any case, named as given');
      const taken = await errorOf(() => catalog.insert(voice('myvoice'), T0));
      assert.equal(taken.code, 'name_taken', 'a custom voice holds its name');
      assert.deepEqual(taken.row, holder, 'name_taken carries the voice that holds the name');
      await catalog.insert(temporary('Draft', 's1', T0 + MINUTE), T0);
      const byTemp = await errorOf(() => catalog.insert(voice('DRAFT'), T0));
      assert.deepEqual([byTemp.code, byTemp.row?.name, byTemp.row?.kind], ['name_taken', 'Draft', 'temporary'], 'a live temporary voice holds its name');
      assert.equal(await errorCode(() => catalog.insert(temporary('draft', 's2', T0 + MINUTE), T0)), 'name_taken', 'for temporary voices too');
    });

    test("an expired voice's name is free at once, without a sweep", async () => {
      await catalog.insert(temporary('Reuse', 's1', T0 + MINUTE), T0);
      const row = await catalog.insert(voice('REUSE', { description: 'new' }), T0 + MINUTE);
      assert.deepEqual([row.name, row.kind], ['REUSE', 'custom'], 'the name is taken over');
      assert.deepEqual(await catalog.deleteExpired(T0 + 2 * MINUTE), [], 'the expired voice went with it');
      await catalog.insert(temporary('Other', 's1', T0 + MINUTE), T0);
      await catalog.insert(voice('Renamed'), T0);
      assert.equal((await catalog.updateCustom('renamed', { name: 'other' }, T0 + MINUTE)).name, 'other', 'a rename takes over an expired name');
    });

    test('a temporary voice vanishes the instant it expires, from every read and write', async () => {
      await catalog.insert(temporary('t1', 's1', T0 + 5000), T0);
      assert.ok(await catalog.get('t1', T0 + 4999), 'live just before');
      assert.equal(await catalog.get('t1', T0 + 5000), undefined, 'get');
      assert.equal(await catalog.getWithData('t1', T0 + 5000), undefined, 'getWithData');
      assert.deepEqual(await catalog.list({}, T0 + 5000), [], 'list');
      assert.deepEqual(await catalog.counts(T0 + 5000), { custom: 0, temporary: 0 }, 'counts');
      for (const [what, call] of [
        ['delete', () => catalog.delete('t1', 'temporary', {}, T0 + 5000)],
        ['promote', () => catalog.promote('t1', {}, T0 + 5000)],
      ] as const) {
        assert.equal(await errorCode(call), 'not_found', what);
      }
    });

    test('insertAll is all or nothing, in the given order', async () => {
      await catalog.insert(voice('exists'), T0);
      assert.equal(await errorCode(() => catalog.insertAll([voice('new1'), voice('EXISTS'), voice('new2')], T0)), 'name_taken', 'a taken name');
      assert.equal(await errorCode(() => catalog.insertAll([voice('twice'), voice('TWICE')], T0)), 'name_taken', 'a name twice in the batch');
      assert.deepEqual(names(await catalog.list({}, T0)), ['exists'], 'nothing of the failed batches');
      assert.deepEqual(names(await catalog.insertAll([voice('z'), voice('a'), voice('m')], T0)), ['z', 'a', 'm'], 'rows in the given order');
    });

    test('lists filter by kind, engine and session, in order of lower-cased names', async () => {
      await catalog.insert(voice('b-custom'), T0);
      await catalog.insert(voice('A-kokoro', { engine: 'kokoro' }), T0);
      await catalog.insert(temporary('c-temp', 's1', T0 + MINUTE), T0);
      await catalog.insert(temporary('D-temp', 's2', T0 + MINUTE, { engine: 'kokoro' }), T0);
      assert.deepEqual(names(await catalog.list({}, T0)), ['A-kokoro', 'b-custom', 'c-temp', 'D-temp'], 'all');
      assert.deepEqual(names(await catalog.list({ kind: 'custom' }, T0)), ['A-kokoro', 'b-custom'], 'custom');
      assert.deepEqual(names(await catalog.list({ kind: 'temporary' }, T0)), ['c-temp', 'D-temp'], 'temporary');
      assert.deepEqual(names(await catalog.list({ engine: 'kokoro' }, T0)), ['A-kokoro', 'D-temp'], 'kokoro');
      assert.deepEqual(names(await catalog.list({ sessionId: 's2' }, T0)), ['D-temp'], 'session s2');
      assert.deepEqual(names(await catalog.list({ kind: 'temporary', engine: 'espeak', sessionId: 's1' }, T0)), ['c-temp'], 'all three');
      assert.deepEqual(await catalog.list({ kind: 'custom', sessionId: 's1' }, T0), [], 'nothing matches');
      assert.deepEqual(await catalog.counts(T0), { custom: 2, temporary: 2 }, 'counts');
    });

    test('a list is the same array while nothing changed, and a new one after every change', async () => {
      await catalog.insert(voice('a'), T0);
      await catalog.insert(temporary('t', 's', T0 + 10 * MINUTE), T0);
      let list = await catalog.list({}, T0);
      assert.equal(await catalog.list({}, T0), list, 'asked again');
      assert.equal(await catalog.list({}, T0 + MINUTE), list, 'later, before anything in it expires');
      const custom = await catalog.list({ kind: 'custom' }, T0);
      assert.equal(await catalog.list({ kind: 'custom' }, T0 + 20 * MINUTE), custom, 'a list without temporary voices outlives their expiry');
      const changes: [string, () => Promise<unknown>, string[]][] = [
        ['insert', () => catalog.insert(voice('b'), T0), ['a', 'b', 't']],
        ['insertAll', () => catalog.insertAll([voice('c'), voice('d')], T0), ['a', 'b', 'c', 'd', 't']],
        ['rename', () => catalog.updateCustom('d', { name: 'e' }, T0), ['a', 'b', 'c', 'e', 't']],
        ['describe', () => catalog.updateCustom('e', { description: 'now described' }, T0), ['a', 'b', 'c', 'e', 't']],
        ['promote', () => catalog.promote('t', { newName: 'saved' }, T0), ['a', 'b', 'c', 'e', 'saved']],
        ['delete', () => catalog.delete('c', 'custom', {}, T0), ['a', 'b', 'e', 'saved']],
      ];
      for (const [what, change, expected] of changes) {
        await change();
        const next = await catalog.list({}, T0);
        assert.notEqual(next, list, `a new array after ${what}`);
        assert.deepEqual(names(next), expected, `the list after ${what}`);
        assert.equal(await catalog.list({}, T0), next, `then the same again after ${what}`);
        list = next;
      }
      assert.equal(list.find((r) => r.name === 'e')?.description, 'now described', 'the description change is in the list');
      await catalog.insert(temporary('brief', 's', T0 + 2 * MINUTE), T0);
      list = await catalog.list({}, T0 + MINUTE);
      assert.deepEqual(names(list), ['a', 'b', 'brief', 'e', 'saved'], 'with the temporary voice');
      assert.deepEqual(names(await catalog.list({}, T0 + 2 * MINUTE)), ['a', 'b', 'e', 'saved'], 'its expiry changes the list');
      await catalog.deleteExpired(T0 + 2 * MINUTE);
      assert.deepEqual(names(await catalog.list({}, T0 + 2 * MINUTE)), ['a', 'b', 'e', 'saved'], 'the sweep removes what the list no longer showed');
    });

    test('rows are values: writes never change a row handed out, and a changed voice is a new row', async () => {
      await catalog.insert(voice('alpha', { description: 'first' }), T0);
      await catalog.insert(temporary('beta', 's', T0 + MINUTE), T0);
      const before = [...(await catalog.list({}, T0))];
      const copies = before.map((r) => ({ ...r }));
      const alpha = await catalog.get('alpha', T0);
      await catalog.updateCustom('alpha', { name: 'Alpha', description: 'second' }, T0);
      await catalog.promote('beta', {}, T0);
      assert.deepEqual(before, copies, 'listed rows are unchanged');
      assert.deepEqual(alpha, copies[0], 'a row from get is unchanged');
      const after = await catalog.list({}, T0);
      assert.notEqual(after[0], before[0], 'the renamed voice is a new row');
      assert.deepEqual([after[0]?.name, after[0]?.description, after[1]?.kind], ['Alpha', 'second', 'custom'], 'the new rows');
    });

    test('updateCustom renames and describes custom voices only', async () => {
      await catalog.insert(voice('alpha'), T0);
      await catalog.insert(voice('beta'), T0);
      await catalog.insert(temporary('temp', 's', T0 + MINUTE), T0);
      assert.equal(await errorCode(() => catalog.updateCustom('alpha', { name: 'BETA' }, T0)), 'name_taken', 'onto another voice');
      assert.equal(await errorCode(() => catalog.updateCustom('alpha', { name: 'TEMP' }, T0)), 'name_taken', 'onto a live temporary voice');
      assert.equal((await catalog.updateCustom('alpha', { name: 'Alpha' }, T0)).name, 'Alpha', 'letter case alone');
      const row = await catalog.updateCustom('ALPHA', { name: 'gamma', description: 'renamed' }, T0);
      assert.deepEqual([row.name, row.description, row.createdAt], ['gamma', 'renamed', T0], 'renamed and described, created when it was');
      assert.deepEqual(await catalog.get('gamma', T0), row, 'the returned row is what is stored');
      assert.equal(await catalog.get('alpha', T0), undefined, 'the old name is gone');
      assert.equal((await catalog.updateCustom('gamma', { description: 'only this' }, T0)).name, 'gamma', 'description alone');
      const wrong = await errorOf(() => catalog.updateCustom('temp', { description: 'x' }, T0));
      assert.deepEqual([wrong.code, wrong.row?.kind], ['wrong_kind', 'temporary'], 'a temporary voice: wrong_kind with its row');
      const missing = await errorOf(() => catalog.updateCustom('nobody', { description: 'x' }, T0));
      assert.equal(missing.code, 'not_found', 'an unknown voice');
      assert.match(missing.message, /'nobody'/, 'not_found names the voice in quotes');
    });

    test('promote makes a temporary voice permanent, optionally renamed; a custom voice is left as it is', async () => {
      await catalog.insert(temporary('draft', 'sess-a', T0 + MINUTE), T0);
      await catalog.insert(voice('Taken'), T0);
      const mismatch = await errorOf(() => catalog.promote('draft', { sessionId: 'sess-b' }, T0));
      assert.deepEqual([mismatch.code, mismatch.row?.sessionId], ['session_mismatch', 'sess-a'], 'another session');
      assert.equal(await errorCode(() => catalog.promote('draft', { newName: 'taken' }, T0)), 'name_taken', 'onto a taken name');
      assert.equal((await catalog.get('draft', T0))?.kind, 'temporary', 'a failed promote changes nothing');
      const { row, changed } = await catalog.promote('DRAFT', { sessionId: 'sess-a', newName: 'Final' }, T0);
      assert.equal(changed, true, 'changed');
      assert.deepEqual([row.name, row.kind, row.expiresAt, row.sessionId], ['Final', 'custom', null, null], 'permanent');
      assert.deepEqual(await catalog.get('final', T0 + 10 * 365 * 86_400_000), row, 'never expires, as returned');
      assert.equal(await catalog.get('draft', T0), undefined, 'the old name is gone');
      const again = await catalog.promote('Final', { newName: 'Elsewhere' }, T0);
      assert.deepEqual([again.changed, again.row], [false, row], 'a custom voice: unchanged, not renamed');
      assert.equal(await catalog.get('Elsewhere', T0), undefined, 'nothing was renamed');
      assert.equal(await errorCode(() => catalog.promote('nobody', {}, T0)), 'not_found', 'an unknown voice');
    });

    test('delete checks kind and session, returns the row, and keeps shared data until its last voice', async () => {
      const data = new Uint8Array([9, 9, 9]);
      const gone = await catalog.insert(voice('gone', { data }), T0);
      await catalog.insert(voice('twin', { data }), T0);
      await catalog.insert(temporary('tmp', 's1', T0 + MINUTE), T0);
      assert.equal(await errorCode(() => catalog.delete('gone', 'temporary', {}, T0)), 'wrong_kind', 'custom deleted as temporary');
      const wrong = await errorOf(() => catalog.delete('tmp', 'custom', {}, T0));
      assert.deepEqual([wrong.code, wrong.row?.name], ['wrong_kind', 'tmp'], 'temporary deleted as custom');
      assert.equal(await errorCode(() => catalog.delete('tmp', 'temporary', { sessionId: 'other' }, T0)), 'session_mismatch', 'another session');
      assert.deepEqual(await catalog.delete('GONE', 'custom', {}, T0), gone, 'the deleted row');
      assert.equal(await catalog.get('gone', T0), undefined, 'gone');
      assert.deepEqual([...((await catalog.getWithData('twin', T0))?.data ?? [])], [...data], 'the same content survives in its twin');
      assert.equal((await catalog.delete('tmp', 'temporary', { sessionId: 's1' }, T0)).name, 'tmp', 'with its session');
      assert.equal((await catalog.insert(temporary('tmp2', 's1', T0 + MINUTE), T0)).name, 'tmp2', 'setup');
      assert.equal((await catalog.delete('tmp2', 'temporary', {}, T0)).name, 'tmp2', 'without a session');
      const missing = await errorOf(() => catalog.delete('gone', 'custom', {}, T0));
      assert.equal(missing.code, 'not_found', 'twice');
      assert.match(missing.message, /'gone'/, 'not_found names the voice in quotes');
      assert.deepEqual(await catalog.checkIntegrity(), [], 'sound');
    });

    test('deleteExpired removes exactly the expired voices and returns them', async () => {
      await catalog.insert(temporary('a', 's', T0 + 1000), T0);
      await catalog.insert(temporary('b', 's', T0 + 2000), T0);
      await catalog.insert(temporary('c', 's', T0 + 9000), T0);
      await catalog.insert(voice('d'), T0);
      assert.deepEqual(names(await catalog.deleteExpired(T0 + 2000)).sort(), ['a', 'b'], 'expired at or before now');
      assert.deepEqual(await catalog.deleteExpired(T0 + 2000), [], 'nothing left to sweep');
      assert.deepEqual(names(await catalog.list({}, T0 + 2000)), ['c', 'd'], 'the rest stay');
      assert.deepEqual(await catalog.counts(T0 + 2000), { custom: 1, temporary: 1 }, 'counts');
      assert.deepEqual(await catalog.checkIntegrity(), [], 'sound');
    });

    test('every write is durable: each survives closing and reopening the store', async () => {
      const steps: [string, () => Promise<unknown>, (c: VoiceCatalog) => Promise<void>][] = [
        ['insert', () => catalog.insert(voice('kept', { description: 'hello', data: new Uint8Array([1, 2]) }), T0), async (c) => {
          assert.deepEqual([...((await c.getWithData('kept', T0))?.data ?? [])], [1, 2], 'inserted data');
        }],
        ['insertAll', () => catalog.insertAll([voice('x1'), temporary('x2', 's9', T0 + MINUTE)], T0), async (c) => {
          assert.equal((await c.get('x2', T0))?.sessionId, 's9', 'a batch');
        }],
        ['updateCustom', () => catalog.updateCustom('x1', { name: 'X-one', description: 'renamed' }, T0), async (c) => {
          assert.equal((await c.get('x-ONE', T0))?.description, 'renamed', 'a rename');
        }],
        ['promote', () => catalog.promote('x2', { newName: 'x-two' }, T0), async (c) => {
          assert.equal((await c.get('x-two', T0))?.kind, 'custom', 'a promotion');
        }],
        ['delete', () => catalog.delete('kept', 'custom', {}, T0), async (c) => {
          assert.equal(await c.get('kept', T0), undefined, 'a delete');
        }],
        ['deleteExpired', async () => {
          await catalog.insert(temporary('old', 's', T0 + 1), T0);
          await catalog.deleteExpired(T0 + 1);
        }, async (c) => {
          assert.deepEqual(await c.deleteExpired(T0 + 1), [], 'a sweep');
        }],
      ];
      for (const [what, write, check] of steps) {
        await write();
        await restart();
        await check(catalog);
        assert.deepEqual(await catalog.checkIntegrity(), [], `sound after reopening after ${what}`);
      }
      assert.deepEqual(names(await catalog.list({}, T0)), ['X-one', 'x-two'], 'everything together');
    });

    test("two instances over one store see each other's writes at once and never both win a name", async () => {
      const other = await another();
      const warm = await catalog.list({}, T0);
      assert.deepEqual(warm, [], 'empty, and the first instance has a list in hand');
      await other.insert(voice('from-other'), T0);
      assert.ok(await catalog.get('from-other', T0), 'get sees the other instance’s insert');
      const seen = await catalog.list({}, T0);
      assert.notEqual(seen, warm, 'a new list after the other instance wrote');
      assert.deepEqual(names(seen), ['from-other'], 'with its voice');
      await other.updateCustom('from-other', { description: 'changed elsewhere' }, T0);
      assert.equal((await catalog.list({}, T0))[0]?.description, 'changed elsewhere', 'a change made elsewhere');
      await catalog.delete('from-other', 'custom', {}, T0);
      assert.equal(await other.get('from-other', T0), undefined, 'a delete made here, seen there');

      for (let round = 0; round < 5; round++) {
        const contested = `Contested-${round}`;
        const results = await Promise.allSettled([
          catalog.insert(voice(contested, { description: 'here' }), T0),
          other.insert(voice(contested.toUpperCase(), { description: 'there' }), T0),
          other.delete(contested, 'custom', {}, T0),
          catalog.insert(temporary(contested.toLowerCase(), 's', T0 + MINUTE), T0),
        ]);
        for (const r of results) {
          if (r.status === 'rejected') assert.ok(r.reason instanceof CatalogError, `round ${round}: only CatalogErrors, got ${String(r.reason)}`);
        }
        const inserts = [results[0], results[1], results[3]].filter((r) => r.status === 'fulfilled').length;
        const deleted = results[2].status === 'fulfilled' ? 1 : 0;
        const live = (await catalog.list({}, T0)).filter((r) => r.name.toLowerCase() === contested.toLowerCase());
        assert.equal(live.length, inserts - deleted, `round ${round}: what is left is what was acknowledged`);
        assert.ok(live.length <= 1, `round ${round}: one voice per name`);
        assert.deepEqual(await other.list({}, T0), await catalog.list({}, T0), `round ${round}: both instances agree`);
      }
      assert.deepEqual(await catalog.checkIntegrity(), [], 'sound');
    });

    test("a clone's similarity and OpenAI id are stored and returned, and kept through rename, promote and restart", async () => {
      const row = await catalog.insert(voice('Cloned', { source: 'clone', similarity: 0.83, externalId: 'voice_0a1b' }), T0);
      assert.deepEqual([row.similarity, row.externalId], [0.83, 'voice_0a1b'], 'the row as written');
      assert.deepEqual(await catalog.get('cloned', T0), row, 'get');
      assert.deepEqual(await catalog.getByExternalId('voice_0a1b', T0), row, 'getByExternalId: the same row');
      assert.deepEqual((await catalog.list({}, T0)).map((r) => [r.name, r.similarity, r.externalId]), [['Cloned', 0.83, 'voice_0a1b']], 'list');
      const plain = await catalog.insert(voice('plain'), T0);
      assert.deepEqual([plain.similarity, plain.externalId], [null, null], 'absent: null');
      const renamed = await catalog.updateCustom('cloned', { name: 'Renamed', description: 'now described' }, T0);
      assert.deepEqual([renamed.name, renamed.similarity, renamed.externalId], ['Renamed', 0.83, 'voice_0a1b'], 'kept through a rename');
      assert.deepEqual(await catalog.getByExternalId('voice_0a1b', T0), renamed, 'the id finds the voice under its new name');
      await catalog.insert(temporary('draft', 's', T0 + MINUTE, { similarity: 0.5, externalId: 'voice_temp' }), T0);
      const { row: saved } = await catalog.promote('draft', { newName: 'Saved' }, T0);
      assert.deepEqual([saved.name, saved.kind, saved.similarity, saved.externalId], ['Saved', 'custom', 0.5, 'voice_temp'], 'kept through promote');
      assert.deepEqual(await catalog.getByExternalId('voice_temp', T0 + 2 * MINUTE), saved, 'found by id after promote, past the old expiry');
      await restart();
      assert.deepEqual(await catalog.getByExternalId('voice_0a1b', T0), renamed, 'after a restart');
      assert.equal((await catalog.get('saved', T0))?.similarity, 0.5, 'similarity after a restart');
    });

    test('an OpenAI id goes with its voice: gone after delete and after expiry, and then free for another voice', async () => {
      const gone = await catalog.insert(voice('gone', { externalId: 'voice_gone' }), T0);
      assert.deepEqual(await catalog.delete('gone', 'custom', {}, T0), gone, 'the deleted row carries its id');
      assert.equal(await catalog.getByExternalId('voice_gone', T0), undefined, 'gone with the voice');
      assert.equal((await catalog.insert(voice('reborn', { externalId: 'voice_gone' }), T0)).externalId, 'voice_gone', 'a deleted voice frees its id');
      await catalog.insert(temporary('brief', 's', T0 + 1000, { externalId: 'voice_brief' }), T0);
      assert.equal((await catalog.getByExternalId('voice_brief', T0 + 999))?.name, 'brief', 'live before its expiry');
      assert.equal(await catalog.getByExternalId('voice_brief', T0 + 1000), undefined, 'gone the instant it expires');
      const after = await catalog.insert(voice('later', { externalId: 'voice_brief' }), T0 + 1000);
      assert.equal((await catalog.getByExternalId('voice_brief', T0 + 1000))?.name, after.name, 'an expired voice frees its id at once');
      assert.deepEqual(await catalog.deleteExpired(T0 + 1000), [], 'the expired voice went with the insert that took its id');
      assert.deepEqual(await catalog.checkIntegrity(), [], 'sound');
    });

    test('an OpenAI id is unique among live voices and matched exactly', async () => {
      const holder = await catalog.insert(voice('first', { externalId: 'voice_abc' }), T0);
      const taken = await errorOf(() => catalog.insert(voice('second', { externalId: 'voice_abc' }), T0));
      assert.deepEqual([taken.code, taken.row], ['name_taken', holder], 'name_taken, with the voice that holds the id');
      assert.equal(await errorCode(() => catalog.insert(temporary('third', 's', T0 + MINUTE, { externalId: 'voice_abc' }), T0)), 'name_taken', 'a temporary voice too');
      assert.equal(
        await errorCode(() => catalog.insertAll([voice('x1', { externalId: 'voice_twice' }), voice('x2', { externalId: 'voice_twice' })], T0)),
        'name_taken',
        'an id twice in one batch',
      );
      assert.deepEqual(names(await catalog.list({}, T0)), ['first'], 'nothing of the refused inserts');
      assert.equal(await catalog.getByExternalId('VOICE_ABC', T0), undefined, 'another letter case is another id');
      assert.equal(await catalog.getByExternalId('voice_ab', T0), undefined, 'a prefix is another id');
      assert.equal(await catalog.getByExternalId('', T0), undefined, 'an empty id');
      const nulls = await catalog.insertAll([voice('n1'), voice('n2'), voice('n3', { externalId: null })], T0);
      assert.deepEqual(nulls.map((r) => r.externalId), [null, null, null], 'voices without an id never collide');
    });

    test('delete with an OpenAI id deletes only the voice that has it, even after a rename gave its name to another', async () => {
      await catalog.insert(voice('owner', { externalId: 'voice_own' }), T0);
      assert.equal(await errorCode(() => catalog.delete('owner', 'custom', { externalId: 'voice_other' }, T0)), 'not_found', 'another id');
      assert.ok(await catalog.get('owner', T0), 'the voice stays');
      await catalog.updateCustom('owner', { name: 'moved' }, T0);
      await catalog.insert(voice('owner'), T0);
      const missing = await errorOf(() => catalog.delete('owner', 'custom', { externalId: 'voice_own' }, T0));
      assert.equal(missing.code, 'not_found', 'the name is now another voice: not_found');
      assert.match(missing.message, /'owner'/, 'not_found names the voice in quotes');
      assert.deepEqual(names(await catalog.list({}, T0)), ['moved', 'owner'], 'both voices stay');
      assert.equal((await catalog.delete('moved', 'custom', { externalId: 'voice_own' }, T0)).name, 'moved', 'the right name and id');
      assert.equal(await catalog.getByExternalId('voice_own', T0), undefined, 'gone');
    });

    test('close can be called twice', async () => {
      await catalog.close();
      await catalog.close();
    });
  });
}
