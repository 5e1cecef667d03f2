import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import { CatalogError, contentHash, type CatalogChange, type NewVoice } from './catalog.js';
import { errorOf } from './contract-support.js';
import { PostgresCatalog } from './postgres.js';
import { createPool } from './postgres-db.js';
import { migrate, SCHEMA_VERSION } from './postgres-schema.js';
import { stopTestServer, testDatabase, testServerKind, type TestDatabase } from '../test-support/postgres.js';

/**
 * What only the PostgreSQL catalog can show, beyond the shared contract: replicas (instances
 * with pools of their own) racing on one database, the change feed, the sweeper on many
 * replicas, migrations started together, and the database's own failures mapped to `busy`.
 */
const T0 = Date.parse('2026-11-25T12:00:00Z');
const MINUTE = 60_000;

function voice(name: string, extra: Partial<NewVoice> = {}): NewVoice {
  return {
    name, engine: 'espeak', kind: 'custom', language: 'en-us', gender: null, description: '', source: 'blend', expiresAt: null, sessionId: null,
    data: new TextEncoder().encode(JSON.stringify({ engine: 'espeak', base: 'en-us', variant: name })),
    ...extra,
  };
}

/** Resolves with the first change `catalog` is told of that matches, or rejects after `ms`. */
function nextChange(catalog: PostgresCatalog, matches: (c: CatalogChange) => boolean, ms = 5000): Promise<CatalogChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching change within ${ms} ms`));
    }, ms);
    const stop = catalog.subscribe((change) => {
      if (!matches(change)) return;
      clearTimeout(timer);
      stop();
      resolve(change);
    });
  });
}

describe(`PostgresCatalog across replicas (${testServerKind()})`, () => {
  let db: TestDatabase;
  let a: PostgresCatalog;
  let b: PostgresCatalog;
  const extra: PostgresCatalog[] = [];

  beforeEach(async () => {
    db = await testDatabase();
    [a, b] = await Promise.all([PostgresCatalog.open(db.url, { poolSize: 4 }), PostgresCatalog.open(db.url, { poolSize: 4 })]);
  });
  afterEach(async () => {
    for (const c of [a, b, ...extra.splice(0)]) await c.close();
    await db.drop();
  });
  after(() => stopTestServer());

  test('a name raced by two replicas has exactly one winner; every loser gets name_taken with the winner', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `Raced-${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).insert(voice(i % 3 === 0 ? name.toUpperCase() : name, { description: `try ${i}` }), T0)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, `round ${round}: one winner`);
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<PostgresCatalog['insert']>>>).value;
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        assert.ok(r.reason instanceof CatalogError, `round ${round}: a CatalogError, not ${String(r.reason)}`);
        assert.equal(r.reason.code, 'name_taken', `round ${round}: name_taken`);
        assert.deepEqual(r.reason.row, winner, `round ${round}: the error carries the winner`);
      }
      assert.deepEqual(await b.get(name, T0), winner, `round ${round}: both replicas see the winner`);
    }
    assert.deepEqual(await a.checkIntegrity(), []);
  });

  test('an OpenAI id raced by two replicas has one winner too', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).insert(voice(`v${i}`, { externalId: 'voice_raced' }), T0)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as CatalogError).code, 'name_taken');
    assert.equal((await a.list({}, T0)).length, 1);
  });

  test('a delete through one replica is a miss through the other at once: get, data, list, id', async () => {
    await a.insert(voice('Shared', { externalId: 'voice_shared' }), T0);
    const listed = await b.list({}, T0);
    assert.ok(await b.getWithData('shared', T0), 'b has it');
    await a.delete('shared', 'custom', {}, T0);
    assert.equal(await b.get('shared', T0), undefined, 'get');
    assert.equal(await b.getWithData('shared', T0), undefined, 'getWithData');
    assert.equal(await b.getByExternalId('voice_shared', T0), undefined, 'getByExternalId');
    const after = await b.list({}, T0);
    assert.notEqual(after, listed, 'a new list');
    assert.deepEqual(after, [], 'without it');
    assert.equal((await errorOf(() => b.delete('shared', 'custom', {}, T0))).code, 'not_found', 'a second delete elsewhere');
  });

  test('the change feed tells the other replica of voice and lexicon writes, and nothing of a write that failed', async () => {
    const seen = nextChange(b, (c) => c.kind === 'voice' && c.nameKey === 'told');
    const row = await a.insert(voice('Told'), T0);
    assert.deepEqual(await seen, { kind: 'voice', nameKey: 'told', hash: row.contentHash });
    const all: CatalogChange[] = [];
    const stop = b.subscribe((c) => all.push(c));
    await errorOf(() => a.insert(voice('TOLD'), T0));
    const deleted = nextChange(b, (c) => c.kind === 'voice' && c.nameKey === 'told');
    await a.delete('told', 'custom', {}, T0);
    assert.deepEqual(await deleted, { kind: 'voice', nameKey: 'told', hash: row.contentHash }, 'a delete is told with the hash it had');
    assert.deepEqual(all, [{ kind: 'voice', nameKey: 'told', hash: row.contentHash }], 'the refused insert told nothing; only the delete');
    stop();
    const lexicon = nextChange(b, (c) => c.kind === 'lexicon');
    await a.putPronunciations([{ word: 'Nginx', language: 'en-us', phonemes: 'ˈɛnʤɪnˈɛks' }], T0);
    assert.deepEqual(await lexicon, { kind: 'lexicon' });
  });

  test('the listener reconnects after the server ends its connection, tells resync, and hears changes again', async () => {
    const resync = nextChange(b, (c) => c.kind === 'resync', 10_000);
    // Both replicas' listeners go (as when PostgreSQL restarts or a proxy cuts idle connections); both come back.
    const ended = await queryOne(db.url, "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'litetts-listener'");
    assert.equal(ended, 2, 'two listeners were connected');
    assert.deepEqual(await resync, { kind: 'resync' });
    const seen = nextChange(b, (c) => c.kind === 'voice' && c.nameKey === 'after-drop');
    await a.insert(voice('after-drop'), T0);
    assert.equal((await seen).kind, 'voice');
  });

  test('with the feed down, reads are still right: nothing depends on the notification', async () => {
    await b.feed.close();
    const before = await b.list({}, T0);
    await a.insert(voice('unheard'), T0);
    assert.deepEqual((await b.list({}, T0)).map((r) => r.name), ['unheard'], 'the list sees it by the change counter');
    assert.notEqual(await b.list({}, T0), before);
    await a.delete('unheard', 'custom', {}, T0);
    assert.equal(await b.getWithData('unheard', T0), undefined, 'a deleted voice is gone without a notification');
  });

  test('two replicas sweeping together remove each expired voice exactly once', async () => {
    const c = await PostgresCatalog.open(db.url, { poolSize: 2 });
    extra.push(c);
    const names = Array.from({ length: 40 }, (_, i) => `tmp-${String(i).padStart(2, '0')}`);
    // Pairs share content, so the sweep also decides which data goes with its last voice.
    await a.insertAll(names.map((n, i) => voice(n, { kind: 'temporary', sessionId: 's', expiresAt: T0 + 1 + (i % 3), data: new Uint8Array([i >> 1, 7]) })), T0);
    await a.insert(voice('keeper', { data: new Uint8Array([0, 7]) }), T0);
    const swept: string[] = [];
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([a, b, c].map((x) => x.deleteExpired(T0 + 10)));
      for (const rows of results) swept.push(...rows.map((r) => r.name));
    }
    assert.deepEqual([...swept].sort(), names, 'every expired voice once, none twice');
    assert.deepEqual((await b.list({}, T0)).map((r) => r.name), ['keeper'], 'the custom voice stays');
    assert.deepEqual([...((await b.getWithData('keeper', T0))?.data ?? [])], [0, 7], 'with the data it shared with a swept voice');
    assert.deepEqual(await c.checkIntegrity(), [], 'no data left without its voice');
  });

  test('voices added and deleted with the same content on two replicas never lose or orphan the shared data', async () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    await a.insert(voice('twin-0', { data }), T0);
    for (let i = 1; i <= 30; i++) {
      const results = await Promise.allSettled([b.insert(voice(`twin-${i}`, { data }), T0), a.delete(`twin-${i - 1}`, 'custom', {}, T0)]);
      for (const r of results) assert.equal(r.status, 'fulfilled', `step ${i}: ${r.status === 'rejected' ? String(r.reason) : ''}`);
    }
    assert.deepEqual([...((await a.getWithData('twin-30', T0))?.data ?? [])], [...data], 'the last twin has its data');
    assert.deepEqual(await b.checkIntegrity(), []);
    await a.delete('twin-30', 'custom', {}, T0);
    const left = await queryOne(db.url, 'SELECT count(*)::int AS n FROM voice_data WHERE content_hash = $1', [contentHash('espeak', data)]);
    assert.equal(left, 0, 'gone with its last voice');
  });

  test('migrations started by several replicas at once apply once', async () => {
    const fresh = await testDatabase();
    try {
      const pools = Array.from({ length: 4 }, () => createPool(fresh.url, { poolSize: 1 }));
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      await Promise.all(pools.map((p) => p.end()));
      assert.deepEqual(applied.flat().sort(), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1), 'each version applied by exactly one');
      const rows = await queryOne(fresh.url, 'SELECT count(*)::int AS n FROM schema_migrations');
      assert.equal(rows, SCHEMA_VERSION, 'recorded once each');
      const opened = await Promise.all([PostgresCatalog.open(fresh.url), PostgresCatalog.open(fresh.url)]);
      assert.deepEqual(await opened[0].checkIntegrity(), [], 'an opened catalog finds its schema current');
      for (const c of opened) await c.close();
    } finally {
      await fresh.drop();
    }
  });

  test('a database written by a newer schema is refused, and left as it was', async () => {
    await queryOne(db.url, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future') RETURNING 1", [SCHEMA_VERSION + 1]);
    await assert.rejects(PostgresCatalog.open(db.url), new RegExp(`written by a newer LiteTTS \\(schema ${SCHEMA_VERSION + 1}, this one knows ${SCHEMA_VERSION}\\); upgrade LiteTTS`));
    assert.equal(await queryOne(db.url, 'SELECT max(version)::int AS n FROM schema_migrations'), SCHEMA_VERSION + 1, 'nothing rolled back or added');
  });

  test('a row lock held past the lock timeout is busy (503 Retry-After), not a fault', async () => {
    const impatient = await PostgresCatalog.open(db.url, { lockTimeoutMs: 200 });
    extra.push(impatient);
    await a.insert(voice('locked'), T0);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM voices WHERE name_key = 'locked' FOR UPDATE");
      const busy = await errorOf(() => impatient.delete('locked', 'custom', {}, T0));
      assert.equal(busy.code, 'busy');
      await holder.query('ROLLBACK');
      assert.equal((await impatient.delete('locked', 'custom', {}, T0)).name, 'locked', 'the same call succeeds once the lock is gone');
    } finally {
      await holder.end();
    }
  });

  test('an unreachable database is busy for every call, and a catalog that cannot connect does not open', async () => {
    const port = new URL(db.url);
    port.port = '1';
    await assert.rejects(PostgresCatalog.open(port.toString(), { connectTimeoutMs: 500 }), (e: Error & { code?: string }) => e.code === 'ECONNREFUSED');
    const c = await PostgresCatalog.open(db.url, { poolSize: 1 });
    extra.push(c);
    await queryOne(db.url, "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'litetts'");
    // The pool notices the dead connection on its next use: a retryable error, then a fresh connection.
    const first = await c.get('x', T0).then(() => null, (e: unknown) => e);
    if (first !== null) assert.equal((first as CatalogError).code, 'busy', `a dropped connection is busy, not ${String(first)}`);
    assert.equal(await c.get('x', T0), undefined, 'then it works again');
  });

  test('text PostgreSQL cannot keep (NUL) is invalid_text for writes and reads alike, and nothing is written', async () => {
    for (const [what, call] of [
      ['a description', () => a.insert(voice('nul', { description: 'a\u0000b' }), T0)],
      ['a session', () => a.insert(voice('nul', { kind: 'temporary', sessionId: 's\u0000', expiresAt: T0 + MINUTE }), T0)],
      ['a consent name', () => a.insertConsent({ id: 'cons_x', name: '\u0000', language: 'en', recording: new Uint8Array([1]) }, T0)],
      ['a job id', () => a.getJob('job_\u0000')],
      ['a consent id', () => a.getConsent('cons_\u0000')],
      ['an OpenAI id', () => a.getByExternalId('voice_\u0000', T0)],
      ['a lexicon word', () => a.putPronunciations([{ word: 'a\u0000', language: 'en-us', phonemes: 'x' }], T0)],
    ] as const) {
      assert.equal((await errorOf(call)).code, 'invalid_text', what);
    }
    assert.deepEqual(await a.list({}, T0), [], 'nothing was written');
    assert.equal(await a.countPronunciations(), 0);
  });

  test('a temporary voice is invisible on every replica the moment it expires', async () => {
    await a.insert(voice('brief', { kind: 'temporary', sessionId: 's', expiresAt: T0 + MINUTE }), T0);
    assert.ok(await b.get('brief', T0 + MINUTE - 1));
    assert.equal(await b.get('brief', T0 + MINUTE), undefined);
    assert.deepEqual(await b.list({ kind: 'temporary' }, T0 + MINUTE), []);
    assert.equal((await b.insert(voice('BRIEF'), T0 + MINUTE)).name, 'BRIEF', 'its name is free on another replica at once');
  });
});

async function queryOne(url: string, text: string, values: unknown[] = []): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<Record<string, unknown>>(text, values);
    return r.rows[0] && Object.values(r.rows[0])[0];
  } finally {
    await client.end();
  }
}
