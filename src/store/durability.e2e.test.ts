import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/server.js';

/**
 * SIGKILL in the middle of a storm of creates and deletes, then a restart on the
 * same data directory: every acknowledged create is there with its data, every
 * acknowledged delete is gone from the API and its bytes from every file.
 *
 * Each voice carries a marker no other voice has: espeak voices in their pitch
 * (digits of its own, stored as written in the voice's JSON), Kokoro voices as a tensor that repeats
 * four floats of its own (a 16-byte pattern on every page of the blob).
 */
interface Tracked {
  engine: 'espeak' | 'kokoro';
  /** The uploaded file, and what a download of the voice returns byte for byte (Kokoro) or field for field (espeak). */
  file: Uint8Array;
  marker: Buffer;
  /** `refused`: a create turned away as overload, so it never existed (not counted as an acknowledged delete). */
  state: 'creating' | 'present' | 'deleting' | 'absent' | 'refused' | 'unknown';
}

function espeakVoice(id: number): Pick<Tracked, 'engine' | 'file' | 'marker'> {
  // A pitch with digits of its own (espeak rounds it when speaking); JSON writes it back the same.
  const pitch = 10 + id / 1000 + 0.000000731;
  const json = { engine: 'espeak', base: 'en-us', variant: 'f3', pitch, range: 50, rate: 175, volume: 100 };
  return { engine: 'espeak', file: new TextEncoder().encode(JSON.stringify(json)), marker: Buffer.from(JSON.stringify(pitch)) };
}

function kokoroVoice(id: number): Pick<Tracked, 'engine' | 'file' | 'marker'> {
  // Values of a real style vector's size; exact in float32 and distinct per id.
  const pattern = new Float32Array([0.25 + id / 65536, -0.375 - id / 131072, 0.0625 + id / 262144, -0.5 + id / 524288]);
  const tensor = new Float32Array(510 * 256);
  for (let i = 0; i < tensor.length; i++) tensor[i] = pattern[i % 4]!;
  return { engine: 'kokoro', file: new Uint8Array(tensor.buffer), marker: Buffer.from(pattern.buffer) };
}

/** Every file under `dir`, recursively: the whole data directory. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

async function importVoice(url: string, name: string, voice: Pick<Tracked, 'engine' | 'file'>): Promise<number> {
  const form = new FormData();
  form.append('voice_name', name);
  form.append('file', new Blob([voice.file]), voice.engine === 'kokoro' ? `${name}.bin` : `${name}.json`);
  const response = await fetch(`${url}/v1/voices/import`, { method: 'POST', body: form });
  await response.arrayBuffer();
  return response.status;
}

async function status(url: string, method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

test('SIGKILL mid-storm: acknowledged creates survive with their data; acknowledged deletes are gone, bytes included, from every file', async (t) => {
  // One upload slot per writer, so imports are rarely turned away as overload (that is tested elsewhere).
  const args = ['--upload-concurrency', '4'];
  let server: TestServer = await startTestServer({ args });
  const { dataDir } = server;
  const voices = new Map<string, Tracked>();
  const failures: string[] = [];
  let killed = false;
  let nextId = 1;

  const writer = async (w: number) => {
    const mine: string[] = [];
    while (!killed) {
      const id = nextId++;
      const deleting = mine.length > 2 && id % 3 !== 0;
      const name = deleting ? mine.shift()! : `dur${w}-${id}`;
      const tracked = deleting ? voices.get(name)! : { ...(id % 4 === 0 ? kokoroVoice(id) : espeakVoice(id)), state: 'creating' as const };
      voices.set(name, tracked);
      tracked.state = deleting ? 'deleting' : 'creating';
      let code: number;
      try {
        code = deleting ? await status(server.url, 'DELETE', `/v1/voices/custom/${name}`) : await importVoice(server.url, name, tracked);
      } catch {
        tracked.state = 'unknown'; // in flight when the server died: acknowledged neither way
        return;
      }
      if (deleting && code === 200) tracked.state = 'absent';
      else if (!deleting && code === 201) {
        tracked.state = 'present';
        mine.push(name);
      } else {
        // Overload (429, 503 with Retry-After) refuses a write and changes nothing; anything else is wrong.
        if (code !== 429 && code !== 503) failures.push(`${deleting ? 'delete' : 'create'} ${name}: ${code}`);
        tracked.state = deleting ? 'present' : 'refused';
      }
    }
  };
  const writers = Array.from({ length: 4 }, (_, w) => writer(w));
  // Let the storm reach a steady state, then kill the server in the middle of it.
  while (Array.from(voices.values()).filter((v) => v.state === 'absent').length < 12) await new Promise((r) => setTimeout(r, 50));
  await server.kill();
  killed = true;
  await Promise.all(writers);

  assert.deepEqual(failures, [], 'every write was acknowledged or refused as overload, never a 500 or a wrong answer');
  const present = [...voices].filter(([, v]) => v.state === 'present');
  const absent = [...voices].filter(([, v]) => v.state === 'absent');
  t.diagnostic(`${present.length} acknowledged present, ${absent.length} acknowledged deleted, ${voices.size - present.length - absent.length} unknown`);
  assert.ok(present.some(([, v]) => v.engine === 'kokoro') && absent.some(([, v]) => v.engine === 'kokoro'), 'Kokoro voices were created and deleted');

  server = await startTestServer({ dataDir, args });
  try {
    const listed = new Set(
      ((await (await fetch(`${server.url}/v1/voices?kind=all`)).json()) as { data: { name: string }[] }).data.map((v) => v.name),
    );
    for (const [name, v] of present) {
      assert.ok(listed.has(name), `${name}: an acknowledged create is listed`);
      const download = await fetch(`${server.url}/v1/voices/${name}/download`);
      assert.equal(download.status, 200, `${name}: downloadable`);
      const bytes = new Uint8Array(await download.arrayBuffer());
      if (v.engine === 'kokoro') assert.deepEqual(Buffer.from(bytes), Buffer.from(v.file), `${name}: the tensor as uploaded`);
      else assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), { ...JSON.parse(new TextDecoder().decode(v.file)) }, `${name}: the parameters as uploaded`);
    }
    for (const [name] of absent) {
      assert.ok(!listed.has(name), `${name}: an acknowledged delete is not listed`);
      assert.equal(await status(server.url, 'GET', `/v1/voices/${name}`), 404, `${name}: get 404`);
      assert.equal(await status(server.url, 'POST', '/v1/audio/speech', { input: 'Hi.', voice: name, response_format: 'pcm' }), 404, `${name}: speech 404`);
    }

    const files = filesUnder(dataDir).map((file) => ({ file, bytes: readFileSync(file) }));
    t.diagnostic(`data directory after the restart: ${files.map((f) => `${f.file.slice(dataDir.length + 1)} (${f.bytes.length} B)`).join(', ')}`);
    // The search must be able to find what is there, or finding nothing proves nothing.
    for (const [name, v] of present) assert.ok(files.some((f) => f.bytes.includes(v.marker)), `${name}: the marker of a kept voice is found`);
    for (const [name, v] of absent) {
      const holding = files.filter((f) => f.bytes.includes(v.marker)).map((f) => f.file);
      assert.deepEqual(holding, [], `${name} (${v.engine}): a deleted voice's bytes are in no file of the data directory`);
    }
  } finally {
    await server.stop();
  }
});
