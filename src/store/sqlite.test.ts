import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CatalogError, contentHash, type NewVoice } from './catalog.js';
import { SqliteCatalog } from './sqlite.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');

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
    data: new TextEncoder().encode(JSON.stringify({ name, pitch: 50 })),
    ...extra,
  };
}

function temp(name: string, session: string, expiresAt: number, extra: Partial<NewVoice> = {}): NewVoice {
  return voice(name, { kind: 'temporary', sessionId: session, expiresAt, ...extra });
}

async function code(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof CatalogError) return error.code;
    throw error;
  }
  return 'no error';
}

/** The files of `dir` whose bytes contain `marker`. */
function filesHolding(dir: string, marker: Uint8Array): string[] {
  const needle = Buffer.from(marker);
  return readdirSync(dir).filter((f) => readFileSync(join(dir, f)).includes(needle));
}

/** A voice whose data is `kib` KiB of a pattern found nowhere else: 600 KiB spans overflow pages, like a Kokoro tensor. */
function marked(name: string, tag: string, kib: number): { voice: NewVoice; marker: Uint8Array } {
  const marker = new TextEncoder().encode(`<${tag}:${name}>`);
  const data = new Uint8Array(kib * 1024);
  for (let i = 0; i < data.length; i++) data[i] = marker[i % marker.length]!;
  return { voice: voice(name, { data }), marker };
}

/**
 * Another process that takes the catalog's write lock (BEGIN IMMEDIATE), says so on
 * stdout, changes every voice's description, holds the lock for `holdMs`, then
 * commits: the CLI writing beside the server.
 */
async function holdWriteLock(path: string, holdMs: number): Promise<{ exited: Promise<number> }> {
  const script = `
    const db = new (require('better-sqlite3'))(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE');
    db.prepare("UPDATE voices SET description = 'changed by the other process'").run();
    console.log('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    db.exec('COMMIT');
    db.close();`;
  const child = spawn(process.execPath, ['-e', script], { cwd: new URL('../../', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    void exited.then((code) => reject(new Error(`the lock holder exited with ${code} before locking`)));
  });
  // Wrapped: an async function returning the bare promise would wait for the exit.
  return { exited };
}

/** The catalog's first schema (user_version 1), exactly as LiteTTS wrote it before clones had a similarity and OpenAI ids. */
const SCHEMA_1 = `
CREATE TABLE voices (
  name_key     TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  engine       TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('custom', 'temporary')),
  language     TEXT NOT NULL,
  gender       TEXT CHECK (gender IN ('female', 'male')),
  description  TEXT NOT NULL DEFAULT '',
  source       TEXT NOT NULL CHECK (source IN ('clone', 'blend', 'import')),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  session_id   TEXT,
  content_hash TEXT NOT NULL REFERENCES voice_data (content_hash),
  data_bytes   INTEGER NOT NULL,
  CHECK ((kind = 'temporary') = (expires_at IS NOT NULL)),
  CHECK (name_key = lower(name))
);
CREATE INDEX voices_by_kind ON voices (kind, name_key);
CREATE INDEX voices_by_session ON voices (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX voices_by_expiry ON voices (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX voices_by_hash ON voices (content_hash);
CREATE TABLE voice_data (
  content_hash TEXT PRIMARY KEY,
  bytes        INTEGER NOT NULL,
  data         BLOB NOT NULL
);
`;

describe('SqliteCatalog', async () => {
  let dir: string;
  let path: string;
  let catalog: SqliteCatalog;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-catalog-'));
    path = join(dir, 'voices.db');
    catalog = new SqliteCatalog(path);
  });
  afterEach(async () => {
    await catalog.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('names are unique case-insensitively across custom and live temporary voices', async () => {
    await catalog.insert(voice('MyVoice'), T0);
    assert.equal(await code(() => catalog.insert(voice('myvoice'), T0)), 'name_taken');
    assert.equal(await code(() => catalog.insert(temp('MYVOICE', 's1', T0 + 1000), T0)), 'name_taken');
    await catalog.insert(temp('Other', 's1', T0 + 1000), T0);
    assert.equal(await code(() => catalog.insert(voice('other'), T0)), 'name_taken');
    assert.equal((await catalog.get('myVOICE', T0))!.name, 'MyVoice');
  });

  test('a temporary voice vanishes the instant it expires, and its name is free again', async () => {
    await catalog.insert(temp('t1', 's1', T0 + 5000), T0);
    assert.ok((await catalog.get('t1', T0 + 4999)));
    assert.equal((await catalog.get('t1', T0 + 5000)), undefined);
    assert.equal((await catalog.getWithData('t1', T0 + 5000)), undefined);
    const before = await catalog.list({ kind: 'temporary' }, T0 + 4999);
    assert.deepEqual(before.map((r) => r.name), ['t1']);
    assert.equal(await catalog.list({ kind: 'temporary' }, T0 + 4999), before, 'an unchanged list is handed out again');
    assert.deepEqual((await catalog.list({ kind: 'temporary' }, T0 + 5000)), [], 'a reused list still drops a voice the instant it expires');
    assert.deepEqual((await catalog.counts(T0 + 5000)), { custom: 0, temporary: 0 });
    assert.equal(await code(() => catalog.delete('t1', 'temporary', {}, T0 + 5000)), 'not_found');
    // Reusing the name removes the expired row in the same transaction.
    await catalog.insert(voice('t1'), T0 + 6000);
    assert.equal((await catalog.get('t1', T0 + 6000))!.kind, 'custom');
    assert.deepEqual((await catalog.checkIntegrity()), []);
  });

  test('deleteExpired removes expired voices and their data, nothing else', async () => {
    await catalog.insert(temp('a', 's', T0 + 1000), T0);
    await catalog.insert(temp('b', 's', T0 + 9000), T0);
    await catalog.insert(voice('c'), T0);
    const removed = (await catalog.deleteExpired(T0 + 2000));
    assert.deepEqual(removed.map((r) => r.name), ['a']);
    assert.deepEqual((await catalog.list({}, T0 + 2000)).map((r) => r.name), ['b', 'c']);
    assert.deepEqual((await catalog.checkIntegrity()), []);
  });

  test('promote makes a temporary voice permanent, optionally renamed, with session checks', async () => {
    await catalog.insert(temp('draft', 'sess-a', T0 + 1000), T0);
    assert.equal(await code(() => catalog.promote('draft', { sessionId: 'sess-b' }, T0)), 'session_mismatch');
    await catalog.insert(voice('Taken'), T0);
    assert.equal(await code(() => catalog.promote('draft', { newName: 'taken' }, T0)), 'name_taken');
    assert.equal((await catalog.get('draft', T0))!.kind, 'temporary', 'a failed promote changes nothing');
    const { row, changed } = (await catalog.promote('draft', { sessionId: 'sess-a', newName: 'Final' }, T0));
    assert.equal(changed, true);
    assert.deepEqual([row.name, row.kind, row.expiresAt, row.sessionId], ['Final', 'custom', null, null]);
    assert.equal((await catalog.get('draft', T0)), undefined);
    assert.ok((await catalog.get('final', T0 + 10 * 365 * 86400_000)), 'saved voices never expire');
    assert.equal((await catalog.promote('Final', {}, T0)).changed, false);
  });

  test('delete checks kind and session and removes every trace of the data', async () => {
    const marker = 'UNIQUE-MARKER-7f3a9c';
    await catalog.insert(voice('gone', { data: new TextEncoder().encode(marker.repeat(50)) }), T0);
    await catalog.insert(temp('tmp', 's1', T0 + 1000), T0);
    assert.equal(await code(() => catalog.delete('gone', 'temporary', {}, T0)), 'wrong_kind');
    assert.equal(await code(() => catalog.delete('tmp', 'custom', {}, T0)), 'wrong_kind');
    assert.equal(await code(() => catalog.delete('tmp', 'temporary', { sessionId: 'other' }, T0)), 'session_mismatch');
    await catalog.delete('gone', 'custom', {}, T0);
    await catalog.delete('tmp', 'temporary', { sessionId: 's1' }, T0);
    assert.equal((await catalog.get('gone', T0)), undefined);
    await catalog.close();
    // secure_delete: the bytes are overwritten in the database file, not just unlinked.
    const files = ['voices.db', 'voices.db-wal'].map((f) => {
      try {
        return readFileSync(join(dir, f)).toString('latin1');
      } catch {
        return '';
      }
    });
    catalog = new SqliteCatalog(path);
    await catalog.close();
    const afterCheckpoint = readFileSync(path).toString('latin1');
    assert.ok(!afterCheckpoint.includes(marker), 'deleted voice data is not left in the database file');
    assert.ok(files.length === 2);
    catalog = new SqliteCatalog(path);
    assert.deepEqual((await catalog.checkIntegrity()), []);
  });

  test('a churn of creates and deletes leaves no deleted voice’s bytes anywhere in the file, even where SQLite moved cells', async () => {
    // secure_delete zeroes a cell where it is deleted, but rebalancing a b-tree rebuilds pages
    // without clearing their unused space, so a copy of a cell that moved to a sibling page
    // can stay behind. Seeded churn of small voices of varied sizes reproduces that.
    let seed = 10; // a sequence that leaves such a copy without the pad (sqlite-blobs.ts)
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const live: { name: string; marker: string }[] = [];
    const gone: string[] = [];
    for (let i = 0; i < 1500; i++) {
      if (live.length > 10 && random() < 0.48) {
        const [victim] = live.splice(Math.floor(random() * live.length), 1);
        await catalog.delete(victim!.name, 'custom', {}, T0);
        gone.push(victim!.marker);
        continue;
      }
      const marker = `Gone${i.toString(36)}Qz7Xw`;
      const filler = 'y'.repeat(Math.floor(random() * 200)) + (random() < 0.25 ? 'x'.repeat(600 + Math.floor(random() * 3000)) : '');
      const name = `churn-${Math.floor(random() * 1e9).toString(36)}-${i}`;
      await catalog.insert(voice(name, { data: new TextEncoder().encode(JSON.stringify({ marker, filler })) }), T0);
      live.push({ name, marker });
    }
    await catalog.close();
    const file = readFileSync(path).toString('latin1');
    assert.ok(live.every((v) => file.includes(v.marker)), 'the search finds what is kept');
    assert.deepEqual(gone.filter((marker) => file.includes(marker)), [], 'no deleted voice’s data is left in the file');
    catalog = new SqliteCatalog(path);
    assert.deepEqual(await catalog.checkIntegrity(), []);
  });

  test('identical data is stored once and survives until its last voice is gone', async () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    const a = (await catalog.insert(voice('a', { data }), T0));
    const b = (await catalog.insert(voice('b', { data }), T0));
    assert.equal(a.contentHash, b.contentHash);
    await catalog.delete('a', 'custom', {}, T0);
    assert.deepEqual((await catalog.getWithData('b', T0))!.data, data);
    await catalog.delete('b', 'custom', {}, T0);
    assert.deepEqual((await catalog.checkIntegrity()), []);
  });

  test('insertAll is all or nothing', async () => {
    await catalog.insert(voice('exists'), T0);
    assert.equal(await code(() => catalog.insertAll([voice('new1'), voice('EXISTS'), voice('new2')], T0)), 'name_taken');
    assert.deepEqual((await catalog.list({}, T0)).map((r) => r.name), ['exists']);
    assert.deepEqual((await catalog.checkIntegrity()), []);
  });

  test('rename and describe custom voices; a change of letter case alone is allowed', async () => {
    await catalog.insert(voice('alpha'), T0);
    await catalog.insert(voice('beta'), T0);
    assert.equal(await code(() => catalog.updateCustom('alpha', { name: 'BETA' }, T0)), 'name_taken');
    assert.equal((await catalog.updateCustom('alpha', { name: 'Alpha' }, T0)).name, 'Alpha');
    const row = (await catalog.updateCustom('alpha', { name: 'gamma', description: 'renamed' }, T0));
    assert.deepEqual([row.name, row.description], ['gamma', 'renamed']);
    assert.equal((await catalog.get('alpha', T0)), undefined);
    await catalog.insert(temp('t', 's', T0 + 1000), T0);
    assert.equal(await code(() => catalog.updateCustom('t', { description: 'x' }, T0)), 'wrong_kind');
  });

  test('lists filter by kind, engine and session, in name order', async () => {
    await catalog.insert(voice('b-custom'), T0);
    await catalog.insert(voice('a-kokoro', { engine: 'kokoro' }), T0);
    await catalog.insert(temp('c-temp', 's1', T0 + 1000), T0);
    await catalog.insert(temp('d-temp', 's2', T0 + 1000), T0);
    assert.deepEqual((await catalog.list({}, T0)).map((r) => r.name), ['a-kokoro', 'b-custom', 'c-temp', 'd-temp']);
    assert.deepEqual((await catalog.list({ kind: 'custom' }, T0)).map((r) => r.name), ['a-kokoro', 'b-custom']);
    assert.deepEqual((await catalog.list({ engine: 'kokoro' }, T0)).map((r) => r.name), ['a-kokoro']);
    assert.deepEqual((await catalog.list({ sessionId: 's2' }, T0)).map((r) => r.name), ['d-temp']);
    assert.deepEqual((await catalog.counts(T0)), { custom: 2, temporary: 2 });
  });

  test('writes by a second connection (the CLI beside the server) are seen at once', async () => {
    const other = new SqliteCatalog(path);
    try {
      assert.deepEqual((await catalog.list({}, T0)), []); // the lister's snapshot is now warm
      await other.insert(voice('from-cli'), T0);
      assert.ok((await catalog.get('from-cli', T0)));
      assert.deepEqual((await catalog.list({}, T0)).map((r) => r.name), ['from-cli'], 'a cached list sees the other connection’s commit');
      await other.updateCustom('from-cli', { description: 'changed elsewhere' }, T0);
      assert.equal((await catalog.list({}, T0))[0]!.description, 'changed elsewhere');
      assert.deepEqual((await other.list({}, T0)).map((r) => r.name), ['from-cli']);
      await catalog.delete('from-cli', 'custom', {}, T0);
      assert.equal((await other.get('from-cli', T0)), undefined);
      assert.deepEqual((await other.list({}, T0)), []);
    } finally {
      await other.close();
    }
  });

  test('a list kept between writes always equals a fresh read of the database', async () => {
    const fresh = async () => {
      const other = new SqliteCatalog(path);
      try {
        return await other.list({}, T0);
      } finally {
        await other.close();
      }
    };
    const check = async (step: string) => assert.deepEqual(await catalog.list({}, T0), await fresh(), step);
    await catalog.insertAll([voice('m'), voice('c'), voice('x')], T0);
    await check('after insertAll');
    await catalog.insert(temp('b', 's', T0 + 1000), T0);
    await check('after a temporary insert');
    await catalog.promote('b', { newName: 'zz' }, T0);
    await check('after promote with rename');
    await catalog.updateCustom('m', { name: 'A', description: 'first now' }, T0);
    await check('after rename');
    await catalog.delete('x', 'custom', {}, T0);
    await check('after delete');
    await code(() => catalog.insert(voice('c'), T0));
    await check('after a failed insert');
    await catalog.insert(temp('t', 's', T0 - 1), T0 - 2);
    await catalog.deleteExpired(T0);
    await check('after the sweep');
  });

  test('a catalog of schema 1 opens: its voices are kept, and it gains the columns and tables of schemas 2 and 3, and its blobs the pad of schema 4', async () => {
    await catalog.close();
    rmSync(path, { force: true });
    const old = new Database(path);
    const kept = { name: 'OldVoice', data: new TextEncoder().encode('{"engine":"espeak","base":"en-us"}') };
    const hash = contentHash('espeak', kept.data);
    old.exec(SCHEMA_1);
    old.prepare('INSERT INTO voice_data (content_hash, bytes, data) VALUES (?, ?, ?)').run(hash, kept.data.byteLength, kept.data);
    const insert = old.prepare(`INSERT INTO voices (name_key, name, engine, kind, language, gender, description, source, created_at, expires_at, session_id, content_hash, data_bytes)
      VALUES (?, ?, 'espeak', ?, 'en-us', 'female', 'from schema 1', 'blend', ?, ?, ?, ?, ?)`);
    insert.run('oldvoice', kept.name, 'custom', T0, null, null, hash, kept.data.byteLength);
    insert.run('oldtemp', 'OldTemp', 'temporary', T0, T0 + 60_000, 'sess-1', hash, kept.data.byteLength);
    old.pragma('user_version = 1');
    old.close();

    catalog = new SqliteCatalog(path);
    const row = await catalog.get('oldvoice', T0);
    assert.deepEqual(
      row && [row.name, row.kind, row.description, row.createdAt, row.contentHash, row.similarity, row.externalId],
      ['OldVoice', 'custom', 'from schema 1', T0, hash, null, null],
      'the old voice, with the new fields empty',
    );
    assert.equal((await catalog.get('oldtemp', T0))?.sessionId, 'sess-1', 'the temporary voice too');
    assert.deepEqual([...((await catalog.getWithData('OldVoice', T0))?.data ?? [])], [...kept.data], 'its data');
    assert.deepEqual(await catalog.checkIntegrity(), [], 'sound after the migration');
    // The new columns, index and tables work.
    await catalog.insert(voice('newclone', { source: 'clone', similarity: 0.7, externalId: 'voice_new' }), T0);
    assert.equal((await catalog.getByExternalId('voice_new', T0))?.similarity, 0.7, 'similarity and externalId are stored');
    assert.equal(await code(() => catalog.insert(voice('dup', { externalId: 'voice_new' }), T0)), 'name_taken', 'the id is unique');
    const consent = await catalog.insertConsent({ id: 'cons_1', name: 'n', language: 'en', recording: new Uint8Array([1, 2]) }, T0);
    assert.equal((await catalog.getConsent('cons_1'))?.createdAt, consent.createdAt, 'the consents table');
    await catalog.close();
    const check = new Database(path, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), 4, 'the file says schema 4 now');
      const stored = check.prepare('SELECT data FROM voice_data WHERE content_hash = ?').pluck().get(hash) as Buffer;
      const pageSize = check.pragma('page_size', { simple: true }) as number;
      assert.equal(stored.readUInt32BE(0), pageSize, 'the old blob is padded by a page');
      assert.deepEqual([...stored.subarray(pageSize)], [...kept.data], 'behind the pad, its bytes as they were');
      const tables = (check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      assert.deepEqual(tables, ['consents', 'job_data', 'jobs', 'lexicon_state', 'pronunciations', 'voice_data', 'voices'], 'every table of schema 4');
      const columns = (check.prepare('PRAGMA table_info(voices)').all() as { name: string }[]).map((c) => c.name);
      assert.ok(columns.includes('similarity') && columns.includes('external_id'), `the new columns (${columns.join(', ')})`);
    } finally {
      check.close();
    }
    catalog = new SqliteCatalog(path);
    assert.deepEqual((await catalog.list({}, T0)).map((r) => r.name), ['newclone', 'OldTemp', 'OldVoice'], 'a second opening changes nothing');
  });

  test('a catalog of a newer schema than this LiteTTS knows is refused, untouched', async () => {
    await catalog.close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => new SqliteCatalog(path), /newer LiteTTS \(schema 99\)/);
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 99, 'left as it was');
    check.close();
    rmSync(path, { force: true });
    catalog = new SqliteCatalog(path);
  });

  test('everything survives closing and reopening', async () => {
    await catalog.insert(voice('kept', { description: 'hello' }), T0);
    await catalog.insert(temp('kept-temp', 's9', T0 + 60_000), T0);
    await catalog.close();
    catalog = new SqliteCatalog(path);
    assert.equal((await catalog.get('kept', T0))!.description, 'hello');
    assert.equal((await catalog.get('kept-temp', T0))!.sessionId, 's9');
    assert.deepEqual((await catalog.checkIntegrity()), []);
  });

  test('a write waits for another process that holds the write lock, instead of failing', async () => {
    await catalog.insert(voice('before'), T0);
    const holder = await holdWriteLock(path, 300);
    // The read that starts each write must not pin a snapshot the other process then outdates.
    const row = await catalog.insert(voice('after'), T0);
    assert.equal(row.name, 'after', 'the insert went through once the lock was free');
    assert.equal(await holder.exited, 0, 'the lock holder committed');
    await catalog.updateCustom('after', { description: 'then described' }, T0);
    await catalog.delete('before', 'custom', {}, T0);
    assert.deepEqual((await catalog.list({}, T0)).map((r) => [r.name, r.description]), [['after', 'then described']], 'every write landed');
  });

  test('a write lock held past the busy timeout is a busy CatalogError, not a database error', async () => {
    await catalog.close();
    catalog = new SqliteCatalog(path, { busyTimeoutMs: 50 });
    await catalog.insert(voice('exists'), T0);
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      assert.equal(await code(() => catalog.insert(voice('blocked'), T0)), 'busy', 'insert');
      assert.equal(await code(() => catalog.updateCustom('exists', { name: 'renamed' }, T0)), 'busy', 'rename');
      assert.equal(await code(() => catalog.delete('exists', 'custom', {}, T0)), 'busy', 'delete');
      assert.equal(await code(() => catalog.deleteExpired(T0)), 'busy', 'sweep');
      assert.ok(await catalog.get('exists', T0), 'reads go on while another process writes');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.deepEqual((await catalog.list({}, T0)).map((r) => r.name), ['exists'], 'the refused writes changed nothing');
    await catalog.insert(voice('later'), T0);
    assert.deepEqual(await catalog.checkIntegrity(), [], 'sound afterwards');
  });

  test("a deleted voice's bytes leave every file of the directory when the delete returns, WAL included", async () => {
    const big = marked('big', 'kokoro-sized', 600);
    const small = marked('small', 'espeak-sized', 1);
    const keep = marked('keep', 'kept', 600);
    await catalog.insertAll([big.voice, small.voice, keep.voice], T0);
    // A second connection, as the CLI beside the server, must not keep the bytes alive either.
    const other = new SqliteCatalog(path);
    try {
      assert.ok(await other.get('big', T0), 'the other connection sees the voice');
      assert.ok(filesHolding(dir, big.marker).length > 0, 'the data is on disk before the delete');
      await catalog.delete('big', 'custom', {}, T0);
      await other.delete('small', 'custom', {}, T0);
      assert.deepEqual(filesHolding(dir, big.marker), [], 'a deleted Kokoro-sized voice is in no file');
      assert.deepEqual(filesHolding(dir, small.marker), [], 'a deleted small voice is in no file');
      assert.ok(filesHolding(dir, keep.marker).length > 0, 'a voice not deleted is still there');
      await catalog.insert(temp('brief', 's', T0 + 10, { data: marked('brief', 'expiring', 600).voice.data }), T0);
      await other.deleteExpired(T0 + 10);
      assert.deepEqual(filesHolding(dir, marked('brief', 'expiring', 1).marker), [], 'a swept voice is in no file');
    } finally {
      await other.close();
    }
    assert.deepEqual((await catalog.getWithData('keep', T0))!.data, keep.voice.data, 'the kept voice reads back whole');
    assert.deepEqual(await catalog.checkIntegrity(), []);
  });

  test("a delete that another reader kept in the WAL is gone from every file once the catalog is opened after a crash", async () => {
    const doomed = marked('doomed', 'crash', 600);
    await catalog.insert(doomed.voice, T0);
    // A read transaction on another connection keeps the checkpoint from truncating the WAL.
    const reader = new Database(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM voices').get();
    await catalog.delete('doomed', 'custom', {}, T0);
    // The crash: the files as they are now, copied while every connection is still open.
    const crashed = mkdtempSync(join(tmpdir(), 'litetts-catalog-crash-'));
    try {
      for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(crashed, f));
      reader.exec('COMMIT');
      reader.close();
      const reopened = new SqliteCatalog(join(crashed, 'voices.db'));
      try {
        assert.equal(await reopened.get('doomed', T0), undefined, 'the acknowledged delete holds');
        assert.deepEqual(filesHolding(crashed, doomed.marker), [], 'opening the catalog leaves the deleted bytes in no file');
        assert.ok(!existsSync(join(crashed, 'voices.db-wal')) || readFileSync(join(crashed, 'voices.db-wal')).length === 0, 'the WAL is empty');
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(crashed, { recursive: true, force: true });
    }
  });
});
