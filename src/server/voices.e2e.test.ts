import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readNpz } from '../voices/formats/index.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { catalogPath } from '../voices/open.js';
import { KOKORO_PACKS_DIR } from '../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const packsDir = KOKORO_PACKS_DIR;

interface VoiceJson {
  name: string;
  kind: string;
  session_id: string | null;
  expires_at: string | null;
  engine: string;
}

class Client {
  constructor(readonly url: string) {}
  async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }
  async names(query = ''): Promise<string[]> {
    return (await this.json<{ data: VoiceJson[] }>('GET', `/v1/voices${query}`)).body.data.map((v) => v.name);
  }
  blend(name: string, extra: Record<string, unknown> = {}) {
    return this.json<{ voice: VoiceJson }>('POST', '/v1/voices/blend', {
      name,
      voices: 'espeak-en-us-female(2)+espeak-en-us-female-2(1)',
      ...extra,
    });
  }
  async speak(voice: string): Promise<number> {
    const response = await fetch(`${this.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'Short test.', voice, response_format: 'pcm' }),
    });
    await response.arrayBuffer();
    return response.status;
  }
  async upload(path: string, fileName: string, bytes: Uint8Array, fields: Record<string, string> = {}) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([bytes]), fileName);
    const response = await fetch(`${this.url}${path}`, { method: 'POST', body: form });
    return { status: response.status, body: (await response.json()) as { data: VoiceJson[]; error?: { code: string } } };
  }
  async bytes(path: string): Promise<{ status: number; bytes: Uint8Array }> {
    const response = await fetch(`${this.url}${path}`);
    return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
  }
}

async function integrity(dataDir: string): Promise<string[]> {
  const catalog = new SqliteCatalog(catalogPath(dataDir));
  try {
    return await catalog.checkIntegrity();
  } finally {
    await catalog.close();
  }
}

describe('voice library (real server)', () => {
  let server: TestServer;
  let api: Client;

  before(async () => {
    server = await startTestServer();
    api = new Client(server.url);
  });
  after(async () => server.stop());

  test('a deleted custom voice is gone everywhere, also after a clean restart and after SIGKILL', async () => {
    assert.equal((await api.blend('Doomed', { temporary: false })).status, 201);
    assert.equal((await api.blend('Survivor', { temporary: false })).status, 201);
    assert.ok((await api.names()).includes('Doomed'));
    assert.equal(await api.speak('doomed'), 200);
    assert.equal((await api.bytes('/v1/voices/Doomed/download')).status, 200);

    assert.deepEqual((await api.json('DELETE', '/v1/voices/custom/DOOMED')).body, { deleted: 'Doomed' });
    const gone = async () => {
      for (const query of ['', '?kind=all', '?kind=custom']) assert.ok(!(await api.names(query)).includes('Doomed'), query);
      assert.ok(!(await api.json<{ data: VoiceJson[] }>('GET', '/v1/voices/custom')).body.data.some((v) => v.name === 'Doomed'));
      assert.equal((await api.json('GET', '/v1/voices/Doomed')).status, 404);
      assert.equal((await api.bytes('/v1/voices/Doomed/download')).status, 404);
      assert.equal(await api.speak('Doomed'), 404);
      assert.equal(await api.speak('Doomed(1)+espeak-en-us-male(1)'), 404);
      assert.equal((await api.json('DELETE', '/v1/voices/custom/Doomed')).status, 404);
      assert.equal(await api.speak('Survivor'), 200);
    };
    await gone();

    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir: server.dataDir });
    api = new Client(server.url);
    await gone();

    await server.kill();
    server = await startTestServer({ dataDir: server.dataDir });
    api = new Client(server.url);
    await gone();
    assert.deepEqual(await integrity(server.dataDir), []);
  });

  test('temporary voices: hidden from the library, listed by session, usable at once, saved, deleted with session checks', async () => {
    const created = await api.blend('Draft-1', { session_id: 'session-a' });
    assert.equal(created.status, 201);
    assert.equal(created.body.voice.kind, 'temporary');
    assert.equal(created.body.voice.session_id, 'session-a');
    assert.ok(Date.parse(created.body.voice.expires_at!) > Date.now() + 23 * 3600_000, 'default TTL is 24 h');
    const other = await api.blend('Draft-2', { session_id: 'session-b' });
    assert.equal(other.status, 201);
    const generated = await api.blend('Draft-3', { temporary: true });
    assert.match(generated.body.voice.session_id!, /^[0-9a-f-]{36}$/, 'a session id is generated when none is given');

    assert.ok(!(await api.names()).includes('Draft-1'), 'temporary voices are not in the library list');
    assert.ok((await api.names('?kind=all')).includes('Draft-1'));
    assert.ok((await api.names('?kind=temporary')).includes('Draft-2'));
    const sessionA = (await api.json<{ data: VoiceJson[] }>('GET', '/v1/voices/temporary?session_id=session-a')).body.data;
    assert.deepEqual(sessionA.map((v) => v.name), ['Draft-1']);
    assert.deepEqual(await api.names('?session_id=session-b'), ['Draft-2']);
    assert.equal(await api.speak('draft-1'), 200, 'usable in speech at once');
    assert.equal((await api.json('GET', '/v1/health')).body.voices && true, true);

    // Session checks.
    const wrong = await api.json<{ error: { code: string } }>('DELETE', '/v1/voices/temporary/Draft-2?session_id=session-a');
    assert.equal(wrong.status, 404);
    assert.equal(wrong.body.error.code, 'session_mismatch');
    assert.equal((await api.json('POST', '/v1/voices/custom/Draft-1/save', { session_id: 'session-b' })).status, 404);
    assert.equal((await api.json('DELETE', '/v1/voices/custom/Draft-2')).status, 409, 'a temporary voice is not deleted as custom');
    assert.deepEqual((await api.json('DELETE', '/v1/voices/temporary/Draft-2?session_id=session-b')).body, { deleted: 'Draft-2' });
    assert.equal(await api.speak('Draft-2'), 404);

    // Save: permanent, renamed, surviving a restart.
    const saved = await api.json<{ voice: VoiceJson }>('POST', '/v1/voices/custom/Draft-1/save?session_id=session-a', { new_name: 'Keeper' });
    assert.equal(saved.status, 200);
    assert.deepEqual([saved.body.voice.name, saved.body.voice.kind, saved.body.voice.expires_at, saved.body.voice.session_id], ['Keeper', 'custom', null, null]);
    const again = await api.json<{ voice: VoiceJson }>('POST', '/v1/voices/custom/Keeper/save');
    assert.equal(again.status, 200, 'saving a custom voice is a no-op 200');
    assert.equal((await api.json('POST', '/v1/voices/custom/Draft-1/save')).status, 404);
    assert.equal((await api.json('DELETE', '/v1/voices/temporary/Keeper')).status, 409);
    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir: server.dataDir });
    api = new Client(server.url);
    assert.ok((await api.names()).includes('Keeper'));
    assert.equal(await api.speak('Keeper'), 200);
  });

  test('expiry with a TTL of seconds; the cleanup endpoint removes expired voices', async () => {
    assert.equal((await api.blend('Brief', { ttl_seconds: 1, session_id: 'short' })).status, 201);
    assert.equal((await api.blend('Longer', { ttl_seconds: 600, session_id: 'short' })).status, 201);
    assert.equal(await api.speak('Brief'), 200);
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(await api.speak('Brief'), 404, 'invisible the instant it expires');
    assert.deepEqual(await api.names('?session_id=short'), ['Longer']);
    assert.equal((await api.json('POST', '/v1/voices/custom/Brief/save')).status, 404);
    const cleanup = await api.json<{ removed: number }>('POST', '/v1/voices/temporary/cleanup');
    assert.ok(cleanup.body.removed >= 1);
    assert.deepEqual((await api.json<{ removed: number }>('POST', '/v1/voices/temporary/cleanup')).body, { removed: 0 });
    assert.equal((await api.blend('Brief', { ttl_seconds: 60 })).status, 201, 'the name is free again');
    const tooLong = await api.json<{ error: { code: string; param: string } }>('POST', '/v1/voices/blend', { name: 'x1', voices: 'espeak-en-us-female+espeak-de-male', ttl_seconds: 10 ** 9 });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.param, 'ttl_seconds');
  });

  test('409 for names taken by builtin, custom and live temporary voices in any letter case', async () => {
    await api.blend('Clash-Custom', { temporary: false });
    await api.blend('Clash-Temp', { temporary: true });
    for (const name of ['ESPEAK-EN-US-FEMALE', 'clash-custom', 'CLASH-TEMP']) {
      const response = await api.blend(name);
      assert.equal(response.status, 409, name);
    }
    assert.equal((await api.json('DELETE', '/v1/voices/custom/espeak-en-us-female')).status, 409);
    assert.equal((await api.json('PATCH', '/v1/voices/custom/espeak-en-us-female', { description: 'x' })).status, 409);
    assert.equal((await api.json('PATCH', '/v1/voices/custom/Clash-Custom', { name: 'clash-temp' })).status, 409);
    const renamed = await api.json<{ voice: VoiceJson }>('PATCH', '/v1/voices/custom/Clash-Custom', { name: 'Clash-Renamed', description: 'now renamed' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.voice.name, 'Clash-Renamed');
    assert.equal(await api.speak('Clash-Custom'), 404);
    assert.equal(await api.speak('Clash-Renamed'), 200);
  });

  test('each lifecycle event is logged once with name, kind and session', async () => {
    const events = () => server.logs.filter((l) => typeof l.event === 'string' && String(l.name ?? '').startsWith('Logged'));
    await api.blend('Logged-A', { session_id: 'log-s', ttl_seconds: 1 });
    await api.blend('Logged-B', { session_id: 'log-s' });
    await api.json('POST', '/v1/voices/custom/Logged-B/save', { new_name: 'Logged-C' });
    await api.json('DELETE', '/v1/voices/custom/Logged-C');
    await new Promise((r) => setTimeout(r, 1200));
    await api.json('POST', '/v1/voices/temporary/cleanup');
    await new Promise((r) => setTimeout(r, 200)); // logs are written asynchronously
    const seen = events().map((l) => `${String(l.event)} ${String(l.name)} ${String(l.kind)} ${String(l.session)}`);
    assert.deepEqual(seen, [
      'voice.temporary.created Logged-A temporary log-s',
      'voice.temporary.created Logged-B temporary log-s',
      'voice.temporary.saved Logged-C custom null',
      'voice.renamed Logged-C custom null',
      'voice.deleted Logged-C custom null',
    ]);
    const expired = server.logs.filter((l) => l.event === 'voice.expired').at(-1) as { count: number; voices: { name: string; session: string }[] } | undefined;
    assert.ok(expired && expired.voices.some((v) => v.name === 'Logged-A' && v.session === 'log-s'), 'the expiry is logged with names and sessions');
    assert.ok(server.logs.some((l) => l.event === 'voice.cleanup'), 'the cleanup run is logged');
  });

  test('400 for bad names', async () => {
    for (const name of ['../x', 'two words', 'x'.repeat(65), 'naïve', '', '-lead', 'a/b']) {
      const response = await api.json<{ error: { code: string } }>('POST', '/v1/voices/blend', { name, voices: 'espeak-en-us-female+espeak-en-us-male' });
      assert.equal(response.status, 400, JSON.stringify(name));
      assert.equal(response.body.error.code, 'invalid_voice_name', JSON.stringify(name));
    }
    assert.equal((await api.json('PATCH', '/v1/voices/custom/Keeper', { name: '../up' })).status, 400);
  });

  test('blends: formulas and lists, one engine, usable inline in speech', async () => {
    assert.equal(await api.speak('espeak-en-us-female(2)+espeak-en-gb-male(1)'), 200);
    const list = await api.json<{ voice: VoiceJson }>('POST', '/v1/voices/blend', {
      name: 'ListBlend',
      voices: [{ voice: 'espeak-fr-female', weight: 3 }, { voice: 'espeak-fr-male' }],
      temporary: false,
    });
    assert.equal(list.status, 201);
    const download = await api.bytes('/v1/voices/ListBlend/download');
    const params = JSON.parse(new TextDecoder().decode(download.bytes)) as { base: string; pitch: number };
    assert.equal(params.base, 'fr');
    assert.equal((await api.json('POST', '/v1/voices/blend', { name: 'Bad', voices: 'espeak-en-us-female(x)' })).status, 400);
    assert.equal((await api.json('POST', '/v1/voices/blend', { name: 'Bad', voices: 'nobody+espeak-en-us-female' })).status, 404);
  });

  test('many clients creating, saving and deleting the same names at once leave a consistent catalog', async () => {
    const names = ['Race-A', 'Race-B', 'Race-C'];
    const ops = Array.from({ length: 60 }, (_, i) => {
      const name = names[i % names.length]!;
      switch (i % 4) {
        case 0:
          return api.blend(name, { temporary: false });
        case 1:
          return api.blend(name.toLowerCase(), { session_id: 'race' });
        case 2:
          return api.json('POST', `/v1/voices/custom/${name}/save`);
        default:
          return api.json('DELETE', `/v1/voices/custom/${name.toUpperCase()}`);
      }
    });
    const results = await Promise.all(ops);
    for (const r of results) assert.ok([200, 201, 404, 409].includes(r.status), `unexpected ${r.status}`);
    const all = (await api.json<{ data: VoiceJson[] }>('GET', '/v1/voices?kind=all')).body.data;
    for (const name of names) assert.ok(all.filter((v) => v.name.toLowerCase() === name.toLowerCase()).length <= 1, name);
    assert.deepEqual(await integrity(server.dataDir), []);
  });

  test('import and export: .bin, .npz and espeak JSON; the export is built from the catalog', async () => {
    const tensor = new Float32Array(510 * 256).map((_, i) => Math.sin(i) / 10);
    const bin = new Uint8Array(tensor.buffer.slice(0));
    const one = await api.upload('/v1/voices/import', 'mine.bin', bin, { voice_name: 'af_mine' });
    assert.equal(one.status, 201);
    assert.deepEqual(one.body.data.map((v) => [v.name, v.engine, v.kind]), [['af_mine', 'kokoro', 'custom']]);
    const exported = await api.bytes('/v1/voices/export');
    assert.equal(exported.status, 200);
    const npz = readNpz(exported.bytes);
    assert.ok(npz.has('af_mine'));
    assert.deepEqual(new Uint8Array(npz.get('af_mine')!.buffer), bin);
    assert.equal(await api.speak('af_mine'), 503, 'Kokoro voices need the Kokoro engine');
    await api.json('DELETE', '/v1/voices/custom/af_mine');
    assert.ok(!readNpz((await api.bytes('/v1/voices/export')).bytes).has('af_mine'), 'a deleted voice leaves the export');

    const bad = await api.upload('/v1/voices/import', 'broken.bin', bin.subarray(0, 1000), { voice_name: 'x' });
    assert.equal(bad.status, 400);
    const espeak = await api.upload('/v1/voices/import', 'robot.json', new TextEncoder().encode(JSON.stringify({ engine: 'espeak', base: 'en-us', variant: 'klatt', pitch: 30, range: 10, rate: 150, volume: 100 })), { voice_name: 'Robot', temporary: 'true', session_id: 'imp' });
    assert.equal(espeak.status, 201);
    assert.equal(espeak.body.data[0]!.kind, 'temporary');
    assert.equal(await api.speak('Robot'), 200);
    const notMultipart = await api.json('POST', '/v1/voices/import', { file: 'x' });
    assert.equal(notMultipart.status, 415);
  });

  test('import/export round trip of the 54 real packs is byte-identical', async (t) => {
    if (!packsDir) return t.skip('the Kokoro voice packs are not on this machine');
    const files = readdirSync(packsDir).filter((f) => f.endsWith('.bin')).sort();
    assert.equal(files.length, 54);
    for (const file of files) {
      const result = await api.upload('/v1/voices/import', file, new Uint8Array(readFileSync(join(packsDir, file))), { voice_name: `pack_${file.slice(0, -4)}` });
      assert.equal(result.status, 201, file);
    }
    const exported = readNpz((await api.bytes('/v1/voices/export')).bytes);
    for (const file of files) {
      const original: Uint8Array = new Uint8Array(readFileSync(join(packsDir, file)));
      const name = `pack_${file.slice(0, -4)}`;
      assert.deepEqual(new Uint8Array(exported.get(name)!.buffer), original, name);
      const single = await api.bytes(`/v1/voices/${name}/download?format=bin`);
      assert.deepEqual(single.bytes, original, `${name} download`);
    }
    const af = (await api.json<VoiceJson & { language: string; gender: string }>('GET', '/v1/voices/pack_af_heart')).body;
    assert.equal(af.engine, 'kokoro');
  });
});

describe('durability under SIGKILL', () => {
  test('every acknowledged write is present and every acknowledged delete absent after a kill mid-stream', async () => {
    let server = await startTestServer();
    const api = new Client(server.url);
    const acknowledged = new Map<string, 'present' | 'absent' | 'unknown'>();
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `dur-${w}-${i % 25}`;
        try {
          if (acknowledged.get(name) === 'present') {
            const r = await api.json('DELETE', `/v1/voices/custom/${name}`);
            if (r.status === 200) acknowledged.set(name, 'absent');
          } else {
            const r = await api.blend(name, { temporary: false });
            if (r.status === 201) acknowledged.set(name, 'present');
          }
        } catch {
          acknowledged.set(name, 'unknown'); // in flight when the server died: never acknowledged either way
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await server.kill();
    stop = true;
    await Promise.all(writers);
    assert.ok(acknowledged.size > 20, `only ${acknowledged.size} writes were acknowledged`);
    assert.deepEqual(await integrity(server.dataDir), []);
    server = await startTestServer({ dataDir: server.dataDir });
    try {
      const names = new Set((await new Client(server.url).names('?kind=custom')).map((n) => n));
      for (const [name, state] of acknowledged) {
        if (state !== 'unknown') assert.equal(names.has(name), state === 'present', `${name} should be ${state}`);
      }
    } finally {
      await server.stop();
    }
  });
});
