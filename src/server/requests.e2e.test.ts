import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** Details a first hour with the API runs into: filters, aborted requests in the log, the error responses in /docs. */
describe('requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('the start-up line says where it listens, where the dashboard is, and which engines are ready', () => {
    const line = server.logs.find((l) => String(l.msg).startsWith('LiteTTS listening'));
    assert.equal(
      line?.msg,
      `LiteTTS listening on ${server.url}; dashboard ${server.url}/, API docs ${server.url}/docs; engines: kokoro not installed (\`litetts models pull\`, or LITETTS_MODEL_DIR), espeak ready`,
    );
  });

  test('defaults: blends and imports are custom unless they ask for a temporary voice (temporary, or a session or lifetime)', async () => {
    const blend = async (body: Record<string, unknown>) => {
      const response = await fetch(`${server.url}/v1/voices/blend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ voices: 'espeak-en-us-female+espeak-en-gb-male', ...body }),
      });
      assert.equal(response.status, 201, JSON.stringify(body));
      return ((await response.json()) as { voice: { kind: string; expires_at: string | null } }).voice;
    };
    assert.equal((await blend({ name: 'default-blend' })).kind, 'custom', 'a blend without temporary');
    assert.equal((await blend({ name: 'asked-blend', temporary: true })).kind, 'temporary', 'temporary: true');
    assert.equal((await blend({ name: 'session-blend', session_id: 's1' })).kind, 'temporary', 'a session asks for a temporary voice');

    const importOne = async (name: string, fields: Record<string, string> = {}) => {
      const download = await fetch(`${server.url}/v1/voices/espeak-en-us-female/download`);
      const form = new FormData();
      form.append('file', new Blob([await download.arrayBuffer()]), 'voice.json');
      form.append('voice_name', name);
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const response = await fetch(`${server.url}/v1/voices/import`, { method: 'POST', body: form });
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { data: { kind: string }[] }).data[0]!;
    };
    assert.equal((await importOne('default-import')).kind, 'custom', 'an import without temporary');
    assert.equal((await importOne('asked-import', { temporary: 'true' })).kind, 'temporary', 'temporary=true');
  });

  test('?engine= is validated like ?kind=: an unknown one is a 400 naming the engines, not an empty list', async () => {
    for (const path of ['/v1/voices', '/v1/audio/voices', '/v1/voices/custom']) {
      const bogus = await fetch(`${server.url}${path}?engine=bogus`);
      assert.equal(bogus.status, 400, path);
      const body = (await bogus.json()) as { error: { param: string; code: string; message: string } };
      assert.equal(body.error.param, 'engine', `${path}: names the parameter`);
      assert.match(body.error.message, /kokoro, espeak/, `${path}: lists the engines`);
    }
    const kind = await fetch(`${server.url}/v1/voices?kind=bogus`);
    assert.equal(kind.status, 400, '?kind= as before');
    const espeak = (await (await fetch(`${server.url}/v1/voices?engine=espeak`)).json()) as { data: { engine: string }[] };
    assert.ok(espeak.data.length > 0 && espeak.data.every((v) => v.engine === 'espeak'), 'a known engine filters');
  });

  test('a client that goes away mid-answer is logged', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'A sentence to speak, said again and again. '.repeat(60), voice: 'espeak-en-us-female', response_format: 'pcm' }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    await response.body!.getReader().read();
    controller.abort();
    let aborted: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !aborted; i++) {
      await sleep(100);
      aborted = server.logs.find((l) => l.event === 'request.aborted');
    }
    assert.ok(aborted, 'an aborted request is logged');
    assert.equal(aborted.url, '/v1/audio/speech');
    assert.equal(aborted.method, 'POST');
    assert.equal(aborted.status, 200, 'with the status it had begun to answer');
  });

  test('the OpenAPI document lists the error responses of every route, in the error shape', async () => {
    const doc = (await (await fetch(`${server.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>>;
    };
    let routes = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        routes++;
        const codes = Object.keys(operation.responses);
        for (const code of ['400', '401', '429', '503']) assert.ok(codes.includes(code), `${method} ${path} documents ${code}: ${codes.join(', ')}`);
        const error = operation.responses['400']!.content?.['application/json']?.schema;
        assert.ok(error?.properties?.error, `${method} ${path}: the 400 is in the error shape`);
      }
    }
    assert.ok(routes > 20, `${routes} routes documented`);
    const responses = (path: string, method: string) => Object.keys(doc.paths[path]![method]!.responses);
    for (const code of ['404', '409', '413', '415', '422']) assert.ok(responses('/v1/voices/create', 'post').includes(code), `cloning documents ${code}`);
    assert.ok(responses('/v1/voices/{name}', 'get').includes('404'), 'one voice: 404');
    assert.ok(responses('/v1/audio/speech', 'post').includes('404'), 'speech: an unknown voice');
    assert.ok(!responses('/v1/models', 'get').includes('415'), 'no upload errors where nothing is uploaded');
  });
});
