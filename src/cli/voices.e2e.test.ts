import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const cli = runLitetts;

async function speak(url: string, voice: string): Promise<number> {
  const response = await fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: 'Hello.', voice, response_format: 'pcm' }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the voices CLI beside a running server (same data directory)', () => {
  let server: TestServer;
  before(async () => {
    assert.ok(existsSync(fileURLToPath(new URL('../../dist/cli.js', import.meta.url))), 'run `npm run build` first');
    server = await startTestServer();
  });
  after(async () => server.stop());

  test('what the CLI writes, the server serves at once; what it deletes, the server no longer serves', async () => {
    const dir = ['--data-dir', server.dataDir];
    const blended = await cli(['voices', 'blend', 'FromCli', 'espeak-en-us-female(1)+espeak-de-female(1)', ...dir]);
    assert.equal(blended.code, 0, blended.stderr);
    assert.equal(await speak(server.url, 'fromcli'), 200);
    const listed = (await (await fetch(`${server.url}/v1/voices`)).json()) as { data: { name: string }[] };
    assert.ok(listed.data.some((v) => v.name === 'FromCli'), 'the server lists a voice the CLI made');

    // The server's caches are warm for this voice now; a CLI delete must still win.
    const deleted = await cli(['voices', 'delete', 'FROMCLI', ...dir]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await speak(server.url, 'FromCli'), 404);
    const after = (await (await fetch(`${server.url}/v1/voices`)).json()) as { data: { name: string }[] };
    assert.ok(!after.data.some((v) => v.name === 'FromCli'), 'gone from the list the server had cached');

    const check = await cli(['voices', 'check', ...dir]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /catalog ok/);
  });

  test('the server’s writes are seen by the CLI', async () => {
    const response = await fetch(`${server.url}/v1/voices/blend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'FromServer', voices: 'espeak-fr-female+espeak-fr-male', session_id: 'cli-test' }),
    });
    assert.equal(response.status, 201);
    const shown = await cli(['voices', 'list', '--session', 'cli-test', '--json', '--data-dir', server.dataDir]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual((JSON.parse(shown.stdout) as { name: string }[]).map((v) => v.name), ['FromServer']);
    const saved = await cli(['voices', 'save', 'FromServer', '--as', 'KeptByCli', '--session', 'cli-test', '--data-dir', server.dataDir]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(await speak(server.url, 'KeptByCli'), 200);
    assert.equal(await speak(server.url, 'FromServer'), 404);
  });
});
