import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** Over HTTP: OpenAI names are shown as the voice they map to, and no stored voice may take one. */
describe('OpenAI voice names over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ args: ['--voice-aliases', 'narrator=espeak-en-gb-male'] });
  });
  after(() => server.stop());
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  test('GET /v1/voices/{openai name} answers with the voice it maps to, and says so', async () => {
    for (const name of ['alloy', 'NOVA', 'marin', 'cedar', 'narrator']) {
      const { status, body } = await call('GET', `/v1/voices/${name}`);
      assert.equal(status, 200, `GET ${name}`);
      assert.equal(body.name, name, `${name} keeps its name`);
      assert.match(String(body.alias_of), /^espeak-/, `${name} names the voice it maps to`);
      assert.equal(body.engine, 'espeak', `${name}: the engine of that voice`);
    }
  });

  test('speech with marin and cedar works', async () => {
    for (const voice of ['marin', 'cedar']) {
      const response = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'Hello.', voice, response_format: 'wav' }),
      });
      await response.arrayBuffer();
      assert.equal(response.status, 200, `speech with ${voice}`);
      assert.match(response.headers.get('x-voice') ?? '', /^espeak-/, `${voice} speaks with an espeak voice here`);
    }
  });

  test('a blend named like an OpenAI voice or a configured alias is a 409 voice_name_reserved', async () => {
    for (const name of ['nova', 'ALLOY', 'Cedar', 'narrator']) {
      const { status, body } = await call('POST', '/v1/voices/blend', { name, voices: 'espeak-en-us-female+espeak-en-us-male' });
      assert.equal(status, 409, `blend named ${name}`);
      assert.equal(body.error?.code, 'voice_name_reserved', `code for ${name}`);
    }
  });
});
