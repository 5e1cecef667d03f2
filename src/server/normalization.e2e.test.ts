import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/server.js';

describe('normalization_options on /v1/audio/speech (real server)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ args: ['--workers', '1', '--max-input-chars', '100000'] });
  });
  after(async () => server.stop());

  const speak = (body: Record<string, unknown>): Promise<Response> =>
    fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'espeak-en-gb-male', response_format: 'pcm', ...body }),
    });

  test('accepts Kokoro-FastAPI option names and speaks', async () => {
    const response = await speak({
      input: 'Dr. Smith paid $3.50 at https://example.com on 2012-07-25.',
      normalization_options: { normalize: true, url_normalization: false, unit_normalization: true, replace_remaining_symbols: false },
    });
    assert.equal(response.status, 200);
    assert.ok((await response.arrayBuffer()).byteLength > 24000);
  });

  test('normalised text is spoken longer than the written digits would be', async () => {
    // "1234567" read as a number takes far longer than with normalisation off, where espeak
    // is given the digits themselves; the same voice and input otherwise.
    const on = await (await speak({ input: 'It cost $1,234,567.89 today.' })).arrayBuffer();
    const off = await (await speak({ input: 'It cost $1,234,567.89 today.', normalization_options: { normalize: false } })).arrayBuffer();
    assert.ok(on.byteLength > 0 && off.byteLength > 0);
    assert.notEqual(on.byteLength, off.byteLength);
  });

  test('a 100,000-character input full of numbers streams its first audio quickly', async () => {
    const unit = 'On 2012-07-25 at 3:30 PM, Dr. Smith paid $3.50 for 2 kg of apples, 12% more than in 1999. ';
    const input = unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000);
    const controller = new AbortController();
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'espeak-en-gb-male', response_format: 'pcm', input }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    const seconds = (performance.now() - started) / 1000;
    controller.abort();
    await reader.cancel().catch(() => undefined);
    assert.ok(first.value && first.value.byteLength > 0);
    assert.ok(seconds < 5, `first audio after ${seconds.toFixed(2)} s`);
  });

  for (const [label, options] of [
    ['an unknown option name', { normalise: true }],
    ['a wrong type', { normalize: 'yes' }],
    ['a number for a switch', { url_normalization: 1 }],
    ['not an object', 'on'],
  ] as const) {
    test(`refuses ${label} with a 400 in the error shape`, async () => {
      const response = await speak({ input: 'Hello.', normalization_options: options });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { message: string; type: string } };
      assert.equal(body.error.type, 'invalid_request_error');
      assert.ok(body.error.message.length > 0);
    });
  }

  test('names the unknown option', async () => {
    const response = await speak({ input: 'Hello.', normalization_options: { normalize: true, normalise: true } });
    const body = (await response.json()) as { error: { message: string; param: string; code: string } };
    assert.equal(body.error.code, 'unknown_parameter');
    assert.equal(body.error.param, 'normalization_options.normalise');
    assert.match(body.error.message, /normalise/);
  });
});
