import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { espeakVoice, exportedNames, importVoice, json, kokoroVoice, listedNames, speak } from '../test-support/library-client.js';
import { startReplicas, type ReplicaSet } from '../test-support/replicas.js';

/**
 * Three real servers on one library (one PostgreSQL database, or where there is none one
 * SQLite data directory): what one replica changes, the others answer at once.
 */
describe('three replicas, one library', () => {
  let replicas: ReplicaSet;
  before(async () => {
    // Expired temporary voices are swept every second on every replica, so that the sweep test sees several sweeps race.
    replicas = await startReplicas({ count: 3, args: ['--cleanup-interval-seconds', '1'] });
  });
  after(async () => replicas.close());
  const url = (i: number): string => replicas.servers[i]!.url;

  test('created on A: listed, fetched, spoken and exported on B and C; deleted on B: gone on A and C at once (list, fetch, speech, export, download)', async (t) => {
    t.diagnostic(`backend: ${replicas.backend}`);
    const created = await Promise.all([importVoice(url(0), 'rep-es', espeakVoice(1)), importVoice(url(0), 'rep-ko', kokoroVoice(2))]);
    assert.deepEqual(created.map((c) => c.status), [201, 201], JSON.stringify(created.map((c) => c.body)));

    for (const i of [0, 1, 2]) {
      const names = await listedNames(url(i), 'custom');
      assert.ok(names.includes('rep-es') && names.includes('rep-ko'), `replica ${i} lists both voices: ${names.join(', ')}`);
      assert.equal((await json(url(i), '/v1/voices/rep-ko')).status, 200, `replica ${i} fetches the Kokoro voice`);
      // Speaking fills the replica's caches (voice data, audio): a delete elsewhere must not be served from them.
      const spoken = await speak(url(i), 'rep-es');
      assert.equal(spoken.status, 200, `replica ${i} speaks the voice made on A (${spoken.code})`);
      assert.ok(spoken.bytes > 4800, `replica ${i}: real audio (${spoken.bytes} bytes)`);
      assert.ok((await exportedNames(url(i))).includes('rep-ko'), `replica ${i} exports the Kokoro voice`);
      const download = await fetch(`${url(i)}/v1/voices/rep-ko/download`);
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), Buffer.from(kokoroVoice(2).file), `replica ${i} downloads the tensor as uploaded`);
    }

    const deleted = await Promise.all(['rep-es', 'rep-ko'].map((name) => json(url(1), `/v1/voices/custom/${name}`, { method: 'DELETE' })));
    assert.deepEqual(deleted.map((d) => [d.status, d.body.deleted]), [[200, 'rep-es'], [200, 'rep-ko']]);

    // No waiting: the very next request to A and C already finds them gone.
    for (const i of [0, 2]) {
      const [names, getEs, getKo, spoken, exported, download] = await Promise.all([
        listedNames(url(i), 'all'),
        json(url(i), '/v1/voices/rep-es'),
        json(url(i), '/v1/voices/rep-ko'),
        speak(url(i), 'rep-es'),
        exportedNames(url(i)),
        fetch(`${url(i)}/v1/voices/rep-ko/download`).then(async (r) => (await r.arrayBuffer(), r.status)),
      ]);
      assert.ok(!names.includes('rep-es') && !names.includes('rep-ko'), `replica ${i} no longer lists them`);
      assert.deepEqual([getEs.status, getKo.status], [404, 404], `replica ${i}: GET 404`);
      assert.deepEqual([spoken.status, spoken.code], [404, 'voice_not_found'], `replica ${i}: speech 404, not a cached voice`);
      assert.ok(!exported.includes('rep-ko'), `replica ${i}: not in the export`);
      assert.equal(download, 404, `replica ${i}: download 404`);
    }
  });

  test('a temporary voice made on one replica speaks on the others and is listed there for its session', async () => {
    const made = await importVoice(url(2), 'rep-temp', espeakVoice(3), { temporary: 'true', session_id: 'sess-rep' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    for (const i of [0, 1]) {
      const spoken = await speak(url(i), 'rep-temp');
      assert.equal(spoken.status, 200, `replica ${i} speaks the temporary voice (${spoken.code})`);
      const session = await json<{ data: { name: string }[] }>(url(i), '/v1/voices/temporary?session_id=sess-rep');
      assert.deepEqual(session.body.data.map((v) => v.name), ['rep-temp'], `replica ${i} lists it for its session`);
      assert.ok(!(await listedNames(url(i), 'custom')).includes('rep-temp'), `replica ${i}: not among the custom voices`);
    }
    const removed = await json(url(0), '/v1/voices/temporary/rep-temp?session_id=sess-rep', { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal((await speak(url(2), 'rep-temp')).status, 404, 'deleted on A: gone on C');
  });

  test('a name race across replicas has one winner: 24 creates of one name (any letter case) → one 201, the rest 409; all replicas agree on the winner', async () => {
    const spellings = ['race-voice', 'Race-Voice', 'RACE-VOICE'];
    // Blends (JSON, no upload slot to wait for), each of its own mix and description, spread over the replicas.
    const attempts = await Promise.all(
      Array.from({ length: 24 }, (_, k) =>
        json(url(k % 3), '/v1/voices/blend', {
          method: 'POST',
          body: { name: spellings[k % 3], voices: `espeak-en-us-female(${k + 1})+espeak-en-us-male(1)`, description: `attempt ${k}` },
        }).then((answer) => ({ k, ...answer })),
      ),
    );
    const won = attempts.filter((a) => a.status === 201);
    const lost = attempts.filter((a) => a.status === 409);
    assert.equal(won.length, 1, `exactly one create succeeded: ${attempts.map((a) => a.status).join(' ')}`);
    assert.equal(lost.length, 23, `every other one is a 409: ${attempts.map((a) => a.status).join(' ')}`);
    for (const a of lost) assert.equal((a.body.error as { code: string }).code, 'voice_name_taken');

    const seen = await Promise.all([0, 1, 2].map((i) => json<{ created_at: string; description: string }>(url(i), '/v1/voices/race-voice')));
    for (const s of seen) assert.deepEqual([s.status, s.body.description], [200, `attempt ${won[0]!.k}`], "every replica has the winner's voice");
    assert.equal(new Set(seen.map((s) => s.body.created_at)).size, 1, 'one voice, created once');
    const data = await Promise.all([0, 1, 2].map(async (i) => (await fetch(`${url(i)}/v1/voices/race-voice/download`)).text()));
    assert.equal(new Set(data).size, 1, "and the winner's data on every replica");
    assert.equal((await json(url(1), '/v1/voices/custom/race-voice', { method: 'DELETE' })).status, 200);
  });

  test('an expired temporary voice is swept exactly once across the replicas, and none of them serves it after its expiry', async () => {
    const name = `rep-expiring-${Date.now().toString(36)}`;
    const made = await importVoice(url(0), name, espeakVoice(4), { temporary: 'true', ttl_seconds: '2' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const expiresAt = Date.parse((made.body.data as { expires_at: string }[])[0]!.expires_at);
    for (const i of [1, 2]) assert.equal((await speak(url(i), name)).status, 200, `replica ${i} speaks it while it lives`);

    const sweptBy = () =>
      replicas
        .logs()
        .filter(({ entry }) => entry.event === 'voice.expired' && (entry.voices as { name: string }[]).some((v) => v.name === name))
        .map(({ replica }) => replica);
    const deadline = Date.now() + 15_000;
    while (sweptBy().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(Date.now() >= expiresAt, 'not swept before it expired');
    for (const i of [0, 1, 2]) assert.equal((await speak(url(i), name)).status, 404, `replica ${i}: expired, not spoken`);
    // Three more sweeps on every replica: none of them may remove it again.
    await new Promise((r) => setTimeout(r, 3000));
    const sweeps = replicas.logs().filter(({ entry }) => entry.event === 'voice.cleanup');
    assert.ok(new Set(sweeps.map((s) => s.replica)).size === 3, 'every replica has been sweeping');
    assert.equal(sweptBy().length, 1, `swept once, by replica ${sweptBy().join(', ')}`);
  });
});
