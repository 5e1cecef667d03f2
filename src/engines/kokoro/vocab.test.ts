import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { KOKORO_N_TOKEN, KOKORO_VOCAB, MAX_PHONEME_TOKENS, PAD_ID } from './vocab.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The model's config.json where this machine has it (beside the checkout); skipped otherwise. */
const CONFIG_JSON: string | undefined = [
  process.env['KOKORO_CONFIG_JSON'],
  `${ROOT}shared/data/kokoro/config.json`,
  `${ROOT}../shared/data/kokoro/config.json`,
  '/work/shared/data/kokoro/config.json',
].find((path): path is string => path !== undefined && existsSync(path));

describe('KOKORO_VOCAB', () => {
  test('has 114 single-code-point symbols with distinct ids in 1..177', () => {
    assert.equal(KOKORO_VOCAB.size, 114);
    const ids = new Set<number>();
    for (const [symbol, id] of KOKORO_VOCAB) {
      assert.equal(Array.from(symbol).length, 1, `symbol ${JSON.stringify(symbol)} is one code point`);
      assert.ok(Number.isInteger(id) && id > PAD_ID && id < KOKORO_N_TOKEN, `id ${id} of ${symbol}`);
      ids.add(id);
    }
    assert.equal(ids.size, 114);
  });

  test('constants', () => {
    assert.equal(PAD_ID, 0);
    assert.equal(MAX_PHONEME_TOKENS, 510);
    assert.equal(KOKORO_N_TOKEN, 178);
  });

  test('spot checks, including the unusual symbols', () => {
    const expected: [string, number][] = [
      [';', 1],
      ['—', 9],
      ['…', 10],
      [' ', 16],
      ['\u0303', 17],
      ['ʤ', 82],
      ['ꭧ', 23],
      ['ᵝ', 22],
      ['ɡ', 92], // U+0261, not ASCII g (which the vocab lacks)
      ['ˈ', 156],
      ['ˌ', 157],
      ['ː', 158],
      ['ᵻ', 177],
    ];
    for (const [symbol, id] of expected) assert.equal(KOKORO_VOCAB.get(symbol), id, symbol);
    assert.equal(KOKORO_VOCAB.get('g'), undefined);
  });

  test('matches config.json exactly', { skip: CONFIG_JSON === undefined && 'config.json not available' }, () => {
    const config = JSON.parse(readFileSync(CONFIG_JSON!, 'utf8')) as { vocab: Record<string, number>; n_token: number };
    assert.equal(config.n_token, KOKORO_N_TOKEN);
    assert.deepEqual([...KOKORO_VOCAB.entries()], Object.entries(config.vocab));
  });
});
