import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** The server lexicon over HTTP: writes, reads in any case, refusals that store nothing, a restart. */
describe('/v1/pronunciations', () => {
  let server: TestServer;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const words = async (query = '') => ((await call('GET', `/v1/pronunciations${query}`)).body.data as { word: string; language: string; phonemes: string }[]).map((e) => `${e.language} ${e.word} ${e.phonemes}`);

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.stop());

  test('PUT a word: 201 when new, 200 when replaced; GET in any case; the first spelling stays', async () => {
    const first = await call('PUT', '/v1/pronunciations/Kokoro', { phonemes: 'kˈOkəɹO' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual({ ...first.body, updated_at: undefined }, { object: 'pronunciation', word: 'Kokoro', language: 'en-us', phonemes: 'kˈOkəɹO', updated_at: undefined });
    assert.ok(!Number.isNaN(Date.parse(first.body.updated_at)));
    const again = await call('PUT', '/v1/pronunciations/KOKORO', { phonemes: 'kəkˈɔɹO', language: 'en-us' });
    assert.equal(again.status, 200);
    assert.equal(again.body.word, 'Kokoro');
    const got = await call('GET', '/v1/pronunciations/kokoro');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data.map((e: { phonemes: string }) => e.phonemes), ['kəkˈɔɹO']);
    assert.equal((await call('PUT', '/v1/pronunciations/Kokoro', { phonemes: 'kˈOkəɹO', language: 'en-gb' })).status, 201, 'another language is another entry');
    assert.deepEqual(await words(), ['en-gb Kokoro kˈOkəɹO', 'en-us Kokoro kəkˈɔɹO']);
    assert.deepEqual(await words('?language=en-gb'), ['en-gb Kokoro kˈOkəɹO']);
  });

  test('bad words, phonemes and languages are 400s naming the field; nothing is stored', async () => {
    const before = await words();
    const cases: [string, unknown, string, string][] = [
      ['/v1/pronunciations/two%20words', { phonemes: 'tˈu' }, 'invalid_word', 'word'],
      ['/v1/pronunciations/-dash', { phonemes: 'dˈæʃ' }, 'invalid_word', 'word'],
      [`/v1/pronunciations/${'a'.repeat(65)}`, { phonemes: 'ˈA' }, 'invalid_word', 'word'],
      ['/v1/pronunciations/hello', { phonemes: '' }, 'invalid_phonemes', 'phonemes'],
      ['/v1/pronunciations/hello', { phonemes: 'həlˈO!' }, 'invalid_phonemes', 'phonemes'],
      ['/v1/pronunciations/hello', { phonemes: 'hə lˈO' }, 'invalid_phonemes', 'phonemes'],
      ['/v1/pronunciations/hello', { phonemes: 'ʘhəlˈO' }, 'invalid_phonemes', 'phonemes'],
      ['/v1/pronunciations/hello', { phonemes: 'x'.repeat(129) }, 'invalid_phonemes', 'phonemes'],
      ['/v1/pronunciations/hello', { phonemes: 'həlˈO', language: 'xx-yy' }, 'invalid_language', 'language'],
      ['/v1/pronunciations/hello', { phonemes: 'həlˈO', language: 'english' }, 'invalid_language', 'language'],
    ];
    for (const [path, body, code, param] of cases) {
      const answer = await call('PUT', path, body);
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, code, `${path} ${JSON.stringify(body)}`);
      assert.equal(answer.body.error.param, param);
    }
    const click = await call('PUT', '/v1/pronunciations/hello', { phonemes: 'ʘhəlˈO' });
    assert.match(click.body.error.message, /U\+0298/, 'the message names the symbol Kokoro lacks');
    for (const body of [{}, { phonemes: 3 }, { phonemes: null }, '{not json']) {
      assert.equal((await call('PUT', '/v1/pronunciations/hello', body)).status, 400, JSON.stringify(body));
    }
    assert.deepEqual(await words(), before, 'the lexicon is as it was');
    assert.equal((await call('GET', '/v1/pronunciations?language=zz')).status, 400);
  });

  test('PUT many: all or none; too many or too large refused', async () => {
    const ok = await call('PUT', '/v1/pronunciations', { entries: [{ word: 'nginx', phonemes: 'ˈɛnʤɪnˌɛks' }, { word: 'Tomato', phonemes: 'təmˈɑːtəʊ', language: 'en-gb' }] });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.created, 2);
    const bad = await call('PUT', '/v1/pronunciations', { entries: [{ word: 'alpha', phonemes: 'ˈælfə' }, { word: 'beta', phonemes: 'bˈAɾə' }, { word: 'gamma', phonemes: 'g@mma' }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'entries[2].phonemes');
    assert.equal((await call('GET', '/v1/pronunciations/alpha')).status, 404, 'nothing of a refused put is stored');
    const before = await words();
    const refusals: [unknown[], string, string][] = [
      [[{ word: 'alpha', phonemes: 'ˈælfə' }, { word: 'two words', phonemes: 'tˈu' }], 'entries[1].word', 'invalid_word'],
      [[{ word: 'alpha', phonemes: 'ˈælfə' }, { word: 'beta', phonemes: '' }], 'entries[1].phonemes', 'invalid_phonemes'],
      [[{ word: 'alpha', phonemes: 'ˈælfə' }, { word: 'beta', phonemes: 'bˈAɾə', language: 'xx' }], 'entries[1].language', 'invalid_language'],
      [[{ word: 'nginx', phonemes: 'ˈɛnʤɪn' }, { phonemes: 'bˈAɾə' }], 'entries.1.word', 'missing_parameter'],
    ];
    for (const [entries, param, code] of refusals) {
      const refused = await call('PUT', '/v1/pronunciations', { entries });
      assert.equal(refused.status, 400, JSON.stringify(entries));
      assert.deepEqual([refused.body.error.param, refused.body.error.code, refused.body.error.type], [param, code, 'invalid_request_error']);
    }
    assert.deepEqual(await words(), before, 'no entry of a refused put is stored, and none it would have replaced changed');
    assert.equal((await call('PUT', '/v1/pronunciations', { entries: [] })).status, 400);
    const many = Array.from({ length: 5001 }, (_, i) => ({ word: `w${i}`, phonemes: 'wˈɜɹd' }));
    assert.equal((await call('PUT', '/v1/pronunciations', { entries: many })).status, 400, 'more than 5000 entries');
    const huge = JSON.stringify({ entries: Array.from({ length: 4000 }, (_, i) => ({ word: `w${i}`, phonemes: 'wˈɜɹd'.repeat(20) })) }) + ' '.repeat(2 * 1024 * 1024);
    const answer = await call('PUT', '/v1/pronunciations', huge);
    assert.equal(answer.status, 413, JSON.stringify(answer.body).slice(0, 300));
    assert.equal((await call('GET', '/v1/pronunciations/w1')).status, 404);
  });

  test('the lexicon and inline pronunciations reach what the engine is given; malformed markup is a 400', async () => {
    assert.equal((await call('PUT', '/v1/pronunciations/Zorbly', { phonemes: 'zˈɔɹbli' })).status, 201);
    const { KOKORO_VOCAB } = await import('../engines/kokoro/vocab.js');
    const ids = [...'zˈɔɹbli'].map((c) => KOKORO_VOCAB.get(c)!);
    const read = await call('POST', '/v1/audio/phonemes', { input: 'Hello ZORBLY, and [there](/ðˈɛɹ/).', language: 'en-us' });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.match(read.body.phonemes, /zˈɔɹbli/, 'the server lexicon');
    assert.match(read.body.phonemes, /ðˈɛɹ/, 'the inline pronunciation');
    const tokens = (read.body.tokens as number[]).join(',');
    assert.ok(tokens.includes(ids.join(',')), 'its token ids, in order, are what the model gets');
    for (const path of ['/v1/audio/phonemes', '/v1/audio/speech']) {
      const bad = await call('POST', path, { input: 'Say [this](/ðɪs!/) now.', voice: 'espeak-en-us-female', language: 'en-us' });
      assert.equal(bad.status, 400, path);
      assert.equal(bad.body.error.code, 'invalid_phonemes');
    }
    const res = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Say [this](/ðˈɪs/) now.', voice: 'espeak-en-us-female', response_format: 'wav' }) });
    assert.equal(res.status, 200, 'an espeak voice speaks the markup (as espeak-ng phonemes: pronounce-speech.e2e.test.ts)');
    await res.arrayBuffer();
  });

  test('DELETE a word in one language or all; then 404; entries survive a restart', async () => {
    await call('PUT', '/v1/pronunciations/Restart', { phonemes: 'ɹistˈɑɹt' });
    const one = await call('DELETE', '/v1/pronunciations/kokoro?language=en-gb');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.data.map((e: { language: string }) => e.language), ['en-gb']);
    assert.equal((await call('DELETE', '/v1/pronunciations/kokoro?language=en-gb')).status, 404);
    const all = await call('DELETE', '/v1/pronunciations/Kokoro');
    assert.equal(all.status, 200);
    const gone = await call('GET', '/v1/pronunciations/kokoro');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'pronunciation_not_found');
    const kept = await words();
    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir: server.dataDir });
    assert.deepEqual(await words(), kept, 'after a restart');
    assert.ok(kept.includes('en-us Restart ɹistˈɑɹt'));
  });
});
