import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VoiceRow } from './catalog.js';
import { VoiceLists } from './postgres-lists.js';

/** VoiceLists over a fake database: a version counter and the rows it reads (counted). */
function fake(initial: string[]) {
  const db = { version: 1, names: [...initial], reads: 0 };
  const row = (name: string): VoiceRow => ({
    name, engine: 'espeak', kind: 'custom', language: 'en-us', gender: null, description: '', source: 'blend', createdAt: 0,
    expiresAt: null, sessionId: null, contentHash: name, dataBytes: 1, similarity: null, externalId: null,
  });
  const lists = new VoiceLists(
    () => Promise.resolve(db.version),
    () => {
      db.reads++;
      return Promise.resolve([...db.names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)).map(row));
    },
  );
  return { db, row, lists };
}

test("this replica's own write is taken into the snapshot without reading every row, in name order", async () => {
  const { db, row, lists } = fake(['b', 'd']);
  const first = await lists.list({}, 0);
  assert.equal(db.reads, 1);
  db.names.push('C', 'a');
  db.names.splice(db.names.indexOf('d'), 1);
  db.version = 2;
  lists.committed({ version: 2, rows: new Map([['c', row('C')], ['a', row('a')], ['d', undefined]]) });
  const next = await lists.list({}, 0);
  assert.deepEqual(next.map((r) => r.name), ['a', 'b', 'C'], 'added in order, removed gone');
  assert.notEqual(next, first, 'a new array');
  assert.equal(db.reads, 1, 'no full read');
  assert.equal(await lists.list({}, 0), next, 'then the same array');
});

test('a write that does not follow the snapshot (another replica wrote between) leaves it to a full read', async () => {
  const { db, row, lists } = fake(['a']);
  await lists.list({}, 0);
  db.names.push('x', 'y');
  db.version = 3; // another replica's write (2) and this one's (3)
  lists.committed({ version: 3, rows: new Map([['y', row('y')]]) });
  assert.deepEqual((await lists.list({}, 0)).map((r) => r.name), ['a', 'x', 'y'], "the other replica's voice is there");
  assert.equal(db.reads, 2, 'read again');
});
