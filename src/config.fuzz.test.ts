import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, resultOr } from './test-support/fuzz.js';
import { ConfigError, SETTINGS, defaultConfig, loadConfig, type ConfigKey } from './config.js';

const KEYS = Object.keys(SETTINGS) as ConfigKey[];
const PATHS = new Set<ConfigKey>(['dataDir', 'logDir', 'modelDir']);

/** Text a setting may be given as: mostly near what its kind reads, sometimes anything. */
const rawArb = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }).map(String),
  fc.constantFrom(' 42 ', '+7', '-0', '0x10', '1e3', '99999999999999999999', '', ' ', 'null', 'none'),
  fc.constantFrom('true', 'FALSE', ' yes ', 'off', 'on', 'maybe'),
  fc.constantFrom('a,b', ' a , ,b ', 'alloy=af_heart', 'alloy=af_heart,echo=bm_george', 'x=', '=y', 'a=b=c', ',,'),
  fc.constantFrom('info', 'silent', 'model.onnx', 'dir/model.onnx', 'https://example.com/x', 'not a url', '127.0.0.1'),
  fc.string(),
  fc.string({ unit: 'binary' }),
);

const envArb = fc.dictionary(fc.constantFrom(...KEYS), rawArb, { maxKeys: 6 });

/** What the text reads as where loadConfig accepted it, for the kinds that have one reading. */
function expectedValue(key: ConfigKey, raw: string): unknown {
  switch (SETTINGS[key].kind) {
    case 'int':
      return Number(raw);
    case 'bool':
      return ['1', 'true', 'yes', 'on'].includes(raw.trim().toLowerCase());
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'string':
      return PATHS.has(key) ? resolve(raw) : raw;
    case 'nullable-string':
      if (raw === 'null' || raw === 'none') return null;
      return PATHS.has(key) ? resolve(raw) : raw;
    case 'map':
      return undefined; // checked by config.test.ts; here only that it is a ConfigError or a map
  }
}

test('loadConfig: random environment values give a valid config that reflects them, or a ConfigError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  let loaded = 0;
  fc.assert(
    fc.property(envArb, (settings) => {
      const env: Record<string, string> = {};
      for (const [key, raw] of Object.entries(settings) as [ConfigKey, string][]) env[SETTINGS[key].env] = raw;
      const r = resultOr(ConfigError, () => loadConfig({ env, file: null }));
      if (!r.ok) {
        assert.match(r.error.message, /^Invalid (setting|value for setting) '/, 'the message names the setting');
        return;
      }
      loaded++;
      for (const [key, raw] of Object.entries(settings) as [ConfigKey, string][]) {
        if (raw === '') continue; // an empty variable is unset
        const expected = expectedValue(key, raw);
        if (expected !== undefined) assert.deepEqual(r.value[key], expected, `${SETTINGS[key].env}=${JSON.stringify(raw)}`);
      }
      assert.ok(r.value.temporaryTtlSeconds <= r.value.maxTtlSeconds, 'cross-setting rules hold');
      assert.ok(r.value.firstSentenceMaxChars <= r.value.sentenceMaxChars, 'cross-setting rules hold');
    }),
    fuzzParams(1000),
  );
  assert.ok(loaded >= 50, `the inputs reach valid configs too (${loaded} of 1000)`);
});

test('loadConfig: a config file of random JSON gives a config or a ConfigError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-config-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const defaults = defaultConfig();
  const fileArb = fc.oneof(
    fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...Object.values(defaults))), { maxKeys: 5 }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  let n = 0;
  fc.assert(
    fc.property(fileArb, fc.boolean(), (content, broken) => {
      const path = join(dir, `c${n++}.json`);
      writeFileSync(path, broken ? JSON.stringify(content).slice(0, -1) : JSON.stringify(content));
      const r = resultOr(ConfigError, () => loadConfig({ env: {}, file: path }));
      if (r.ok && typeof content === 'object' && content !== null && !Array.isArray(content)) {
        for (const [key, value] of Object.entries(content) as [ConfigKey, unknown][]) {
          if (!PATHS.has(key)) assert.deepEqual(r.value[key], value, `${key} from the file`);
        }
      }
    }),
    fuzzParams(300),
  );
});
