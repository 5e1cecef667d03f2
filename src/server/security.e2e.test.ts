import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { rawRequest } from '../test-support/raw-http.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

interface ErrorShape {
  error: { message: string; type: string; param: string | null; code: string };
}

const KEY = 'env-key-1';
const FILE_KEY = 'file-key-2';
const LISTED = 'https://app.example';

async function expectError(response: Response, status: number, code: string, what: string): Promise<ErrorShape> {
  const text = await response.text();
  assert.equal(response.status, status, `${what}: status (${text.slice(0, 300)})`);
  const body = JSON.parse(text) as ErrorShape;
  assert.equal(body.error.code, code, `${what}: code (${text.slice(0, 300)})`);
  for (const field of ['message', 'type', 'code'] as const) assert.equal(typeof body.error[field], 'string', `${what}: error.${field}`);
  assert.ok('param' in body.error, `${what}: error.param present`);
  return body;
}

function auth(key = KEY): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

describe('security (real server, keys on)', () => {
  let server: TestServer;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'litetts-keys-'));
    const keyFile = join(work, 'keys.txt');
    writeFileSync(keyFile, `# deploy keys\n\n  ${FILE_KEY}  \n# retired: old-key\n`);
    server = await startTestServer({ env: { LITETTS_API_KEYS: KEY }, args: ['--api-keys-file', keyFile, '--cors-origins', LISTED] });
  });
  after(async () => {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('any spelling that routes to a /v1 route needs the key', async () => {
    const routed: [string, string][] = [
      ['GET', '/%761/voices'],
      ['GET', '/v%31/voices'],
      ['GET', '/%76%31/%76%6F%69%63%65%73'],
      ['GET', '/v1/%76oices/custom'],
      ['POST', '/%761/audio/speech'],
      ['DELETE', '/%761/voices/custom/X'],
      ['POST', '/v1/voices/temporary/%63leanup'],
      ['GET', '/%761/health'],
    ];
    for (const [method, path] of routed) {
      const init: RequestInit = { method, ...(method === 'POST' && { headers: { 'content-type': 'application/json' }, body: '{"input":"hi","voice":"alloy"}' }) };
      await expectError(await fetch(`${server.url}${path}`, init), 401, 'invalid_api_key', `${method} ${path}`);
    }
    for (const path of ['//v1/voices', '/V1/voices', '/v1/voices/', '/v1/voices;a=1', '/v1%2Fvoices', '/v1/voices%2F', '/v1//voices']) {
      const response = await fetch(`${server.url}${path}`);
      assert.ok(response.status === 401 || response.status === 404, `GET ${path} without a key: ${response.status}`);
      await response.arrayBuffer();
    }
  });

  test('keys come from the environment and the key file; comment lines are not keys', async () => {
    assert.equal((await fetch(`${server.url}/v1/voices`, { headers: auth(KEY) })).status, 200, 'env key');
    assert.equal((await fetch(`${server.url}/v1/voices`, { headers: auth(FILE_KEY) })).status, 200, 'file key');
    await expectError(await fetch(`${server.url}/v1/voices`, { headers: auth('# deploy keys') }), 401, 'invalid_api_key', 'a comment');
    await expectError(await fetch(`${server.url}/v1/voices`, { headers: auth('old-key') }), 401, 'invalid_api_key', 'a commented-out key');
    await expectError(await fetch(`${server.url}/v1/voices`, { headers: { authorization: `Basic ${KEY}` } }), 401, 'invalid_api_key', 'another scheme');
  });

  test('/metrics and /v1/health need the key; /health, the dashboard and /docs stay open', async () => {
    await expectError(await fetch(`${server.url}/metrics`), 401, 'invalid_api_key', '/metrics without a key');
    assert.equal((await fetch(`${server.url}/metrics`, { headers: auth() })).status, 200, '/metrics with a key');
    await expectError(await fetch(`${server.url}/v1/health`), 401, 'invalid_api_key', '/v1/health');
    for (const path of ['/health', '/', '/js/main.js', '/docs', '/docs/json']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, `${path} is open`);
      await response.arrayBuffer();
    }
  });

  test('two Authorization headers are refused even when the first is right', async () => {
    const response = await rawRequest(
      server.url,
      `GET /v1/voices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nAuthorization: Bearer wrong\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(response.status, 401, `two Authorization headers: ${response.body}`);
    assert.equal((JSON.parse(response.body) as ErrorShape).error.code, 'invalid_api_key', response.body);
  });

  test('an 8 KB Authorization header is a 401, not a 500', async () => {
    await expectError(await fetch(`${server.url}/v1/voices`, { headers: auth('k'.repeat(8192)) }), 401, 'invalid_api_key', 'huge key');
  });

  test('a state-changing request from another origin is 403 before the key or the body is looked at', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(16)]), 'voice.bin');
    const evil = { origin: 'https://evil.example' };
    await expectError(await fetch(`${server.url}/v1/voices/import`, { method: 'POST', headers: evil, body: form }), 403, 'cross_site_request', 'multipart from a foreign page');
    await expectError(await fetch(`${server.url}/v1/voices/import`, { method: 'POST', headers: { ...evil, ...auth() }, body: form }), 403, 'cross_site_request', 'even with a key');
    await expectError(await fetch(`${server.url}/v1/voices/custom/x`, { method: 'DELETE', headers: { origin: 'null', ...auth() } }), 403, 'cross_site_request', 'Origin: null');
    await expectError(
      await fetch(`${server.url}/v1/voices/temporary/cleanup`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', ...auth() } }),
      403,
      'cross_site_request',
      'Sec-Fetch-Site: cross-site without Origin',
    );
    await expectError(
      await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { origin: 'http://127.0.0.1:1', 'content-type': 'application/json', ...auth() }, body: '{"input":"hi","voice":"alloy"}' }),
      403,
      'cross_site_request',
      'same host, other port',
    );
    // Same origin (the dashboard), a listed origin, and no Origin at all (curl, SDKs) pass on to the route.
    const own = new URL(server.url).origin;
    const passing: Record<string, string>[] = [{ origin: own }, { origin: LISTED, 'sec-fetch-site': 'cross-site' }, {}, { 'sec-fetch-site': 'same-origin' }];
    for (const headers of passing) {
      const response = await fetch(`${server.url}/v1/voices/custom/nobody`, { method: 'DELETE', headers: { ...headers, ...auth() } });
      await expectError(response, 404, 'voice_not_found', `DELETE with ${JSON.stringify(headers)}`);
    }
    assert.equal((await fetch(`${server.url}/v1/voices`, { headers: { ...evil, ...auth() } })).status, 200, 'reads are not refused');
  });

  test('CORS: preflight works for a listed origin (with Authorization), not for others', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/v1/audio/speech`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const listed = await preflight(LISTED);
    assert.ok(listed.status === 204 || listed.status === 200, `preflight status ${listed.status}`);
    assert.equal(listed.headers.get('access-control-allow-origin'), LISTED, 'allowed origin echoed');
    assert.match(listed.headers.get('access-control-allow-headers') ?? '', /authorization/i, 'Authorization allowed');
    assert.match(listed.headers.get('access-control-allow-methods') ?? '', /POST/, 'POST allowed');
    const other = await preflight('https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'no CORS grant for an unlisted origin');
    const read = await fetch(`${server.url}/v1/voices`, { headers: { origin: LISTED, ...auth() } });
    assert.equal(read.headers.get('access-control-allow-origin'), LISTED, 'a listed origin may read answers');
  });

  test('security headers on every kind of response', async () => {
    const responses = await Promise.all(
      ['/health', '/v1/voices', '/nothing-here', '/', '/js/main.js', '/docs', '/docs/json'].map(async (path) => [path, await fetch(`${server.url}${path}`)] as const),
    );
    for (const [path, response] of responses) {
      await response.arrayBuffer();
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'self'/, `${path}: frame-ancestors (${csp})`);
      assert.match(csp, /default-src 'self'/, `${path}: default-src`);
      assert.match(csp, /media-src 'self' blob:/, `${path}: the dashboard plays blob: audio`);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, `${path}: plain-HTTP LAN use keeps working`);
      assert.equal(response.headers.get('x-powered-by'), null, `${path}: no X-Powered-By`);
    }
  });

  test('bodiless requests with a JSON content type are accepted where no body is needed', async () => {
    const bodiless = (method: string, path: string) =>
      fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', ...auth() } });
    await expectError(await bodiless('DELETE', '/v1/voices/custom/x'), 404, 'voice_not_found', 'DELETE custom');
    await expectError(await bodiless('DELETE', '/v1/voices/temporary/x'), 404, 'voice_not_found', 'DELETE temporary');
    const cleanup = await bodiless('POST', '/v1/voices/temporary/cleanup');
    assert.equal(cleanup.status, 200, `cleanup: ${await cleanup.clone().text()}`);
    assert.deepEqual(await cleanup.json(), { removed: 0 }, 'cleanup answer');
    const save = await bodiless('POST', '/v1/voices/custom/nobody/save');
    assert.equal(save.status, 404, `save without a body reaches the library: ${await save.text()}`);
    const speech = await expectError(await bodiless('POST', '/v1/audio/speech'), 400, 'missing_parameter', 'speech without a body');
    assert.equal(speech.error.param, 'input', 'names the missing field');
  });

  test('wrong content types are 415 naming what came and what the route takes', async () => {
    const text = await expectError(
      await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth() }, body: 'hello' }),
      415,
      'unsupported_media_type',
      'text/plain to speech',
    );
    assert.match(text.error.message, /text\/plain/, 'names what came');
    assert.match(text.error.message, /application\/json/, 'names what it takes');
    const form = new FormData();
    form.append('input', 'hi');
    const multipart = await expectError(
      await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: auth(), body: form }),
      415,
      'unsupported_media_type',
      'multipart to a JSON route',
    );
    assert.match(multipart.error.message, /multipart\/form-data.*application\/json/, multipart.error.message);
    const json = await expectError(
      await fetch(`${server.url}/v1/voices/import`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: '{}' }),
      415,
      'unsupported_media_type',
      'JSON to an upload route',
    );
    assert.match(json.error.message, /application\/json.*multipart\/form-data/, json.error.message);
    await expectError(
      await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=iso-8859-1', ...auth() },
        body: '{"input":"hi","voice":"alloy"}',
      }),
      415,
      'unsupported_media_type',
      'JSON in another charset',
    );
  });

  test('overflowing numbers and prototype keys are 400s that say so', async () => {
    const speech = (body: string) =>
      fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body });
    const big = await expectError(await speech('{"input":"hi","voice":"alloy","speed":1e400}'), 400, 'number_out_of_range', '1e400');
    assert.equal(big.error.param, 'speed', 'names the field');
    assert.match(big.error.message, /out of range/, big.error.message);
    const nested = await expectError(
      await fetch(`${server.url}/v1/voices/blend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth() },
        body: '{"name":"b","voices":[{"voice":"alloy","weight":-1e999}]}',
      }),
      400,
      'number_out_of_range',
      'nested -1e999',
    );
    assert.equal(nested.error.param, 'voices.0.weight', 'names the nested field');
    for (const key of ['__proto__', 'constructor']) {
      const body = await expectError(await speech(`{"input":"hi","voice":"alloy","x":{"${key}":{"a":1}}}`), 400, 'forbidden_key', key);
      assert.match(body.error.message, new RegExp(`'${key}' are not allowed`), body.error.message);
    }
    const escaped = await expectError(await speech('{"input":"hi","voice":"alloy","\\u005f_proto__":{}}'), 400, 'forbidden_key', 'escaped __proto__');
    assert.match(escaped.error.message, /__proto__/, escaped.error.message);
  });

  test('malformed HTTP is answered in the error shape', async () => {
    const cases: [string, string][] = [
      ['a Content-Length that is not a number', `POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`],
      ['two different Content-Lengths', `POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
      ['an absurd Content-Length', `POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}`],
      ['a request line that is not HTTP', 'GET / SPDY/9\r\n\r\n'],
    ];
    for (const [what, request] of cases) {
      const response = await rawRequest(server.url, request);
      assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status} ${response.body}`);
      const body = JSON.parse(response.body) as ErrorShape;
      assert.equal(typeof body.error?.code, 'string', `${what}: error shape (${response.body})`);
      assert.equal(response.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
    }
  });

  test('messages name no server paths', async () => {
    const noBoundary = await fetch(`${server.url}/v1/voices/import`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data', ...auth() },
      body: 'xx',
    });
    const body = await expectError(noBoundary, 400, 'invalid_multipart', 'multipart without a boundary');
    assert.doesNotMatch(body.error.message, /node_modules|\/work\/|\/tmp\/|file:|\n\s+at /, body.error.message);
  });
});

describe('rate limit and public metrics (real server)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { LITETTS_API_KEYS: 'a-key,b-key' }, args: ['--rate-limit-per-minute', '3', '--metrics-public', 'true'] });
  });
  after(async () => server.stop());

  test('beyond the limit: 429 rate_limited with Retry-After, per key; /health is exempt', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${server.url}/v1/models`, { headers: auth('a-key') })).status, 200, `request ${i + 1}`);
    const limited = await fetch(`${server.url}/v1/models`, { headers: auth('a-key') });
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, `Retry-After: ${limited.headers.get('retry-after')}`);
    const body = await expectError(limited, 429, 'rate_limited', 'fourth request');
    assert.equal(body.error.type, 'rate_limit_error', 'type');
    assert.equal((await fetch(`${server.url}/v1/models`, { headers: auth('b-key') })).status, 200, 'another key has its own budget');
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${server.url}/health`)).status, 200, `/health ${i + 1}`);
  });

  test('--metrics-public serves /metrics without a key; no CORS headers without --cors-origins', async () => {
    const metrics = await fetch(`${server.url}/metrics`, { headers: { origin: 'https://app.example' } });
    assert.equal(metrics.status, 200, 'public metrics');
    assert.equal(metrics.headers.get('access-control-allow-origin'), null, 'CORS is off by default');
  });
});

describe('API key file problems stop the start', () => {
  const work = mkdtempSync(join(tmpdir(), 'litetts-keyfile-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [what, setup] of [
    ['a missing key file', () => join(work, 'absent.txt')],
    ['a key file with only comments', () => {
      const file = join(work, 'empty.txt');
      writeFileSync(file, '# nothing yet\n\n');
      return file;
    }],
  ] as const) {
    test(`${what} exits 2 naming the file, without listening`, async () => {
      const file = setup();
      const run = await runLitetts(['serve', '--port', '0', '--data-dir', join(work, 'data'), '--api-keys-file', file]);
      assert.equal(run.code, 2, `exit code (${run.stderr})`);
      assert.ok(run.stderr.includes(file), `names the file: ${run.stderr}`);
      assert.doesNotMatch(run.stdout, /listening/, 'never listened');
    });
  }
});
