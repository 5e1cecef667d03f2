import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runLoad, statusCounts, type LoadKind } from '../../bench/load-client.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** The mixed-load benchmark's clients (bench/load.ts), for a few seconds in CI. */
describe('mixed load (real server)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ waitForWarmUp: true, args: ['--audio-cache-mb', '0'] });
  });
  after(() => server.stop());

  test('4 clients for 8 s: no 5xx, no connection errors, every answer well-formed', async () => {
    const result = await runLoad(server.url, { seconds: 8, clients: 4 });
    const { serverErrors, busy, otherNon2xx } = statusCounts(result);
    assert.deepEqual(result.connectionErrors, [], 'requests without an answer');
    assert.deepEqual(result.malformed, [], 'answers that break the contract');
    assert.equal(serverErrors, 0, '5xx answers');
    assert.equal(busy, 0, '503s: 4 clients stay far below the queue');
    assert.deepEqual(otherNon2xx, {}, 'other non-2xx answers');
    const kinds: LoadKind[] = ['speech-mp3', 'speech-opus', 'speech-aac', 'speech-flac', 'speech-wav', 'speech-pcm', 'speech-sse', 'voices-list', 'voice-blend', 'voice-delete', 'health'];
    for (const kind of kinds) assert.ok((result.kinds[kind]?.count ?? 0) > 0, `${kind} was sent (${result.requests} requests in all)`);
    assert.equal(result.kinds['voice-delete']!.count, result.kinds['voice-blend']!.count, 'every blended voice was deleted again');

    const left = (await (await fetch(`${server.url}/v1/voices?kind=all`)).json()) as { data: { name: string }[] };
    assert.deepEqual(left.data.map((v) => v.name).filter((n) => n.startsWith('load-')), [], 'no load voice left in the library');
  });
});
