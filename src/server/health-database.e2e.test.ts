import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testDatabase } from '../test-support/postgres.js';
import { startTestServer } from '../test-support/server.js';

test('/health is 503 "unavailable" while the replica cannot read its PostgreSQL catalog, and 200 with it', async () => {
  const database = await testDatabase();
  const server = await startTestServer({ env: { LITETTS_DATABASE_URL: database.url } });
  try {
    const ok = await fetch(`${server.url}/health`);
    const body = (await ok.json()) as { status: string; catalog: { backend: string; reachable: boolean } };
    assert.deepEqual([ok.status, body.status, body.catalog], [200, 'ok', { backend: 'postgresql', reachable: true }]);

    // The database goes away under the running replica.
    await database.drop();
    const down = await fetch(`${server.url}/health`);
    const answer = (await down.json()) as { status: string; catalog: { reachable: boolean }; error: { code: string } };
    assert.equal(down.status, 503, 'a load balancer sees the replica as down');
    assert.equal(down.headers.get('retry-after'), '5');
    assert.deepEqual([answer.status, answer.catalog.reachable, answer.error.code], ['unavailable', false, 'catalog_unavailable']);
    assert.equal((await fetch(`${server.url}/v1/health`)).status, 503, 'the alias says the same');
    for (const path of ['/v1/voices', '/v1/voices/not-a-builtin']) {
      const refused = await fetch(`${server.url}${path}`);
      const error = ((await refused.json()) as { error: { code: string } }).error;
      assert.deepEqual([refused.status, error.code, refused.headers.has('retry-after')], [503, 'server_busy', true], `${path}: 503 server_busy with Retry-After, not a 500`);
    }
  } finally {
    await server.stop();
    await database.drop();
  }
});
