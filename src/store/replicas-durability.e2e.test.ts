import assert from 'node:assert/strict';
import { test } from 'node:test';
import { espeakVoice, importVoice, json, kokoroVoice, listedNames, speak, type MarkedVoice } from '../test-support/library-client.js';
import { startReplicas } from '../test-support/replicas.js';

/**
 * Two replicas take creates and deletes at once; one is SIGKILLed in the middle. Whatever
 * either of them acknowledged holds on the survivor and on the killed replica once it is back:
 * every acknowledged create is there with its data, every acknowledged delete is gone.
 */
interface Tracked {
  voice: MarkedVoice;
  state: 'present' | 'absent' | 'unknown' | 'refused';
}

test('SIGKILL of a replica under writes loses nothing either replica acknowledged', { timeout: 90_000 }, async (t) => {
  const replicas = await startReplicas({ count: 2, args: ['--upload-concurrency', '4'] });
  try {
    const voices = new Map<string, Tracked>();
    const failures: string[] = [];
    const down = new Set<number>();
    let stop = false;
    let nextId = 1;

    const writer = async (w: number, replica: number) => {
      const url = replicas.servers[replica]!.url;
      const mine: string[] = [];
      while (!stop && !down.has(replica)) {
        const id = nextId++;
        const deleting = mine.length > 2 && id % 3 !== 0;
        const name = deleting ? mine.shift()! : `rdur${w}-${id}`;
        if (!deleting) voices.set(name, { voice: id % 4 === 0 ? kokoroVoice(id) : espeakVoice(id), state: 'unknown' });
        const tracked = voices.get(name)!;
        let code: number;
        try {
          code = deleting ? (await json(url, `/v1/voices/custom/${name}`, { method: 'DELETE' })).status : (await importVoice(url, name, tracked.voice)).status;
        } catch {
          tracked.state = 'unknown'; // in flight when its replica died: acknowledged neither way
          return;
        }
        if (deleting && code === 200) tracked.state = 'absent';
        else if (!deleting && code === 201) {
          tracked.state = 'present';
          mine.push(name);
        } else {
          if (code !== 429 && code !== 503) failures.push(`${deleting ? 'delete' : 'create'} ${name} on ${replica}: ${code}`);
          if (!deleting) tracked.state = 'refused';
          else mine.push(name);
        }
      }
    };
    const writers = [0, 1, 2, 3].map((w) => writer(w, w % 2));
    const absent = () => [...voices.values()].filter((v) => v.state === 'absent').length;
    while (absent() < 12) await new Promise((r) => setTimeout(r, 50));
    down.add(0);
    await replicas.servers[0]!.kill();
    // The survivor keeps writing for a while after its peer died.
    const before = absent();
    while (absent() < before + 6) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await Promise.all(writers);

    assert.deepEqual(failures, [], 'every write was acknowledged or refused as overload, never a 500 or a wrong answer');
    const present = [...voices].filter(([, v]) => v.state === 'present');
    const gone = [...voices].filter(([, v]) => v.state === 'absent');
    t.diagnostic(`backend ${replicas.backend}: ${present.length} acknowledged present, ${gone.length} acknowledged deleted, ${voices.size - present.length - gone.length} unknown or refused`);
    assert.ok(present.some(([, v]) => v.voice.engine === 'kokoro') && gone.some(([, v]) => v.voice.engine === 'kokoro'), 'Kokoro voices were created and deleted');

    const back = await replicas.restart(0);
    for (const server of [replicas.servers[1]!, back]) {
      const listed = new Set(await listedNames(server.url, 'all'));
      for (const [name, v] of present) {
        assert.ok(listed.has(name), `${name}: an acknowledged create is listed`);
        const download = await fetch(`${server.url}/v1/voices/${name}/download`);
        assert.equal(download.status, 200, `${name}: downloadable`);
        const bytes = new Uint8Array(await download.arrayBuffer());
        if (v.voice.engine === 'kokoro') assert.deepEqual(Buffer.from(bytes), Buffer.from(v.voice.file), `${name}: the tensor as uploaded`);
        else assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), JSON.parse(new TextDecoder().decode(v.voice.file)), `${name}: the parameters as uploaded`);
      }
      for (const [name] of gone) {
        assert.ok(!listed.has(name), `${name}: an acknowledged delete is not listed`);
        assert.equal((await json(server.url, `/v1/voices/${name}`)).status, 404, `${name}: get 404`);
        assert.equal((await speak(server.url, name)).status, 404, `${name}: speech 404`);
      }
    }
  } finally {
    await replicas.close();
  }
});
