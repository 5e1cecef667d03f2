import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import type { NewVoice } from '../store/catalog.js';
import { verifyCopy } from '../store/copy.js';
import { PostgresCatalog } from '../store/postgres.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { runLitetts } from '../test-support/cli.js';
import { stopTestServer, testDatabase, testServerKind, type TestDatabase } from '../test-support/postgres.js';
import { startTestServer } from '../test-support/server.js';

/**
 * `litetts migrate` end to end (bin/litetts.js over dist/): schema migrations on the configured
 * database, and a whole library copied from a SQLite data directory into PostgreSQL, verified,
 * then served by a server on PostgreSQL.
 */
const dirs: string[] = [];
const databases: TestDatabase[] = [];
after(async () => {
  for (const db of databases) await db.drop();
  await stopTestServer();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function database(): Promise<string> {
  const db = await testDatabase();
  databases.push(db);
  return db.url;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-migrate-'));
  dirs.push(dir);
  return dir;
}

const NOW = Date.now();
const HOUR = 3_600_000;

function voice(name: string, extra: Partial<NewVoice> = {}): NewVoice {
  return {
    name, engine: 'kokoro', kind: 'custom', language: 'en-us', gender: 'female', description: `about ${name}`, source: 'import', expiresAt: null, sessionId: null,
    data: new Uint8Array(Array.from({ length: 2048 }, (_, i) => (i * 31 + name.length) % 251)),
    ...extra,
  };
}

/** A library with every kind of thing a copy must carry, and some it must leave behind. */
async function fillSqlite(path: string): Promise<void> {
  const c = new SqliteCatalog(path);
  const shared = new Uint8Array([5, 4, 3, 2, 1]);
  await c.insert(voice('Alpha', { data: shared }), NOW - 3 * HOUR);
  await c.insert(voice('beta-twin', { data: shared, gender: null, description: '' }), NOW - 2 * HOUR);
  await c.insert(voice('Clone_1', { source: 'clone', similarity: 0.8125, externalId: 'voice_0123abcd' }), NOW - HOUR);
  await c.insert(voice('Draft', { kind: 'temporary', sessionId: 'sess-1', expiresAt: NOW + 24 * HOUR }), NOW - HOUR);
  await c.insert(voice('gone-already', { kind: 'temporary', sessionId: 'sess-1', expiresAt: NOW - 1000 }), NOW - HOUR);
  await c.insertConsent({ id: 'cons_abc', name: 'Ada', language: 'en-US', recording: new Uint8Array([9, 8, 7, 6]) }, NOW - 5 * HOUR);
  await c.putPronunciations([{ word: 'Nginx', language: 'en-us', phonemes: 'ˈɛnʤɪnˈɛks' }], NOW - 4 * HOUR);
  await c.putPronunciations([{ word: 'Kokoro', language: 'en-gb', phonemes: 'kˈOkəɹO' }], NOW - 3 * HOUR);
  await c.insertJob({ id: 'job_queued', type: 'clone', sessionId: 'sess-1', params: '{"voice_name":"x"}', input: new Uint8Array([1, 1, 2, 3, 5]) }, NOW - HOUR);
  await c.claimJob('job_queued', 'old-owner', NOW - HOUR);
  await c.updateJob('job_queued', 'old-owner', { progress: 0.25, step: 'walk 3/12', bestScore: 0.61, elapsedMsDelta: 4321, checkpoint: new Uint8Array([42]) }, NOW - HOUR);
  await c.requeueRunning({ deadOwner: 'old-owner' }, NOW - HOUR);
  await c.insertJob({ id: 'job_done', type: 'clone', sessionId: 'sess-1', params: '{}', input: new Uint8Array([1]) }, NOW - HOUR);
  await c.finishJob('job_done', { status: 'failed', error: { code: 'x', message: 'y' } }, NOW - HOUR);
  await c.close();
}

describe(`litetts migrate (${testServerKind()})`, () => {
  test('without --from/--to it migrates the configured database once, then says it is up to date', async () => {
    const url = await database();
    const first = await runLitetts(['migrate', '--database-url', url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /migrated to schema 1 \(applied 1\)/);
    const again = await runLitetts(['migrate', '--database-url', url, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { backend: 'postgresql', applied: [], version: 1 });
    const sqlite = await runLitetts(['migrate', '--data-dir', tempDir()]);
    assert.equal(sqlite.code, 0, sqlite.stderr);
    assert.match(sqlite.stdout, /SQLite catalog in .* is up to date/);
  });

  test('a library copied from SQLite is whole in PostgreSQL, verified; a second copy into it is refused', async () => {
    const dir = tempDir();
    await fillSqlite(join(dir, 'voices.db'));
    const url = await database();
    const run = await runLitetts(['migrate', '--from', `sqlite:${dir}`, '--to', url]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /copied 4 voices, 1 consents, 2 pronunciations, 1 unfinished jobs \(left behind: 1 finished jobs, and any expired temporary voices\)/);
    assert.match(run.stdout, /verified: counts, fields and content hashes match/);

    const source = new SqliteCatalog(join(dir, 'voices.db'));
    const target = await PostgresCatalog.open(url);
    try {
      const rows = await source.list({}, NOW);
      assert.deepEqual(await target.list({}, NOW), rows, 'every live voice, every field (times, session, similarity, OpenAI id) as it was');
      for (const row of rows) {
        assert.deepEqual([...(await target.getWithData(row.name, NOW))!.data], [...(await source.getWithData(row.name, NOW))!.data], `${row.name}: its data`);
      }
      assert.equal(await target.get('gone-already', 0), undefined, 'the expired voice stayed behind');
      assert.deepEqual(await target.getConsent('cons_abc'), await source.getConsent('cons_abc'), 'the consent with its recording and time');
      assert.deepEqual(await target.listPronunciations({}), await source.listPronunciations({}), 'the lexicon with its times');
      const job = (await target.getJob('job_queued'))!;
      assert.deepEqual(
        [job.status, job.progress, job.step, job.bestScore, job.elapsedMs, job.createdAt],
        ['queued', 0.25, 'walk 3/12', 0.61, 4321, NOW - HOUR],
        'the unfinished job, queued with its progress',
      );
      assert.deepEqual([...(await target.jobInput('job_queued'))!], [1, 1, 2, 3, 5], 'its input');
      assert.deepEqual([...(await target.jobCheckpoint('job_queued'))!], [42], 'its checkpoint');
      assert.equal(await target.getJob('job_done'), undefined, 'finished jobs are not copied');
      assert.deepEqual(await target.checkIntegrity(), []);

      // The verification is not a formality: a changed field or changed bytes are found.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query("UPDATE voices SET description = 'tampered' WHERE name_key = 'alpha'");
        await client.query("UPDATE voice_data SET data = '\\x00'::bytea WHERE content_hash = (SELECT content_hash FROM voices WHERE name_key = 'clone_1')");
      } finally {
        await client.end();
      }
      const problems = await verifyCopy(source, target, NOW);
      assert.ok(problems.some((p) => /voice 'Alpha': description is "tampered"/.test(p)), problems.join('\n'));
      assert.ok(problems.some((p) => /voice 'Clone_1': its data does not hash/.test(p)), problems.join('\n'));
      assert.ok((await target.checkIntegrity()).some((p) => /Clone_1/.test(p)), 'checkIntegrity finds the bytes too');
    } finally {
      await source.close();
      await target.close();
    }

    const again = await runLitetts(['migrate', '--from', `sqlite:${dir}`, '--to', url]);
    assert.equal(again.code, 2, 'a non-empty target is refused');
    assert.match(again.stderr, /the target is not empty \(4 voices, 1 consents, 2 pronunciations, 1 jobs\).*--force/);
    const forced = await runLitetts(['migrate', '--from', `sqlite:${dir}`, '--to', url, '--force']);
    assert.equal(forced.code, 2, '--force still refuses names the target has');
    assert.match(forced.stderr, /already has voice 'Alpha'.*nothing was copied/);
  });

  test('bad arguments are refusals (exit 2) with a message, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['migrate', '--from', 'mysql://u:Secr3t@h/db', '--to', 'postgres://h/db'], /the source must be sqlite:PATH or postgres:\/\/… \(got 'mysql:…'\)/],
      [['migrate', '--from', `sqlite:${join(tempDir(), 'nothing-here')}`, '--to', 'postgres://h/db'], /there is no catalog at/],
      [['migrate', '--to', 'postgres://h/db'], /--from and --to go together/],
      [['migrate', '--database-url', 'postgres://user:Secr3t@/db'], /Invalid setting 'databaseUrl' \(from flag --database-url\)/],
    ];
    for (const [args, message] of cases) {
      const r = await runLitetts(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /Secr3t|\n\s+at /, 'no password, no stack');
    }
  });

  test('a library made by a SQLite server, migrated, is served by a server on PostgreSQL', async () => {
    const sqliteServer = await startTestServer();
    const blend = await fetch(`${sqliteServer.url}/v1/voices/blend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Carried', voices: 'espeak-en-us-female+espeak-en-us-male' }),
    });
    assert.equal(blend.status, 201);
    await sqliteServer.stop({ keepData: true });
    const url = await database();
    const run = await runLitetts(['migrate', '--from', `sqlite:${sqliteServer.dataDir}`, '--to', url]);
    assert.equal(run.code, 0, run.stderr);
    rmSync(sqliteServer.dataDir, { recursive: true, force: true });

    const pgServer = await startTestServer({ env: { LITETTS_DATABASE_URL: url } });
    try {
      const health = (await (await fetch(`${pgServer.url}/health`)).json()) as { catalog: { backend: string }; voices: { custom: number } };
      assert.deepEqual([health.catalog.backend, health.voices.custom], ['postgresql', 1]);
      const speech = await fetch(`${pgServer.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'Carried over.', voice: 'carried', response_format: 'wav' }),
      });
      assert.equal(speech.status, 200);
      assert.ok((await speech.arrayBuffer()).byteLength > 1000, 'audio');
      const taken = await fetch(`${pgServer.url}/v1/voices/blend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'CARRIED', voices: 'espeak-en-us-female' }),
      });
      assert.equal(taken.status, 409, 'names stay unique case-insensitively');
      const nul = await fetch(`${pgServer.url}/v1/voices/custom/carried`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'a\u0000b' }),
      });
      assert.deepEqual([nul.status, ((await nul.json()) as { error: { code: string } }).error.code], [400, 'invalid_text'], 'text PostgreSQL cannot keep: 400');
      assert.equal((await fetch(`${pgServer.url}/v1/jobs/job_%00x`)).status, 400, 'an id PostgreSQL cannot hold: 400, not 500');
      assert.equal((await fetch(`${pgServer.url}/v1/voices/custom/carried`, { method: 'DELETE' })).status, 200);
      const gone = await fetch(`${pgServer.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'Gone.', voice: 'carried' }),
      });
      assert.equal(gone.status, 404, 'a deleted voice is not served');
    } finally {
      await pgServer.stop();
    }
  });
});
