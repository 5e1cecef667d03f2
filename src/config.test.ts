import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, SETTINGS, defaultConfig, kebab, loadConfig, type ConfigSources } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'litetts-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` (an object as JSON, or raw text) to a fresh temp file and returns its path. */
function configFile(content: unknown): string {
  const path = join(dir, `config-${++fileCount}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Loads with an explicit (empty by default) env, so the test never depends on process.env. */
function load(sources: ConfigSources = {}) {
  return loadConfig({ env: {}, ...sources });
}

/** Asserts a ConfigError whose message matches every pattern. */
function assertConfigError(sources: ConfigSources, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    load(sources);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.name, 'ConfigError');
  for (const pattern of patterns) assert.match(caught.message, pattern);
}

const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('config defaults', () => {
  test('no sources gives the defaults, with absolute directories', () => {
    const config = load();
    const defaults = defaultConfig();
    assert.deepEqual(config, {
      ...defaults,
      dataDir: resolve(defaults.dataDir),
      // The Kokoro model lives in the data directory unless a model directory is given.
      modelDir: resolve(defaults.dataDir, 'models', 'kokoro'),
    });
    assert.equal(load({ flags: { modelDir: 'elsewhere' } }).modelDir, resolve('elsewhere'));
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8356);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.logDir, null);
    assert.equal(config.defaultVoice, null);
    assert.deepEqual(config.apiKeys, []);
    assert.deepEqual(config.voiceAliases, {});
    assert.ok(config.workers >= 1);
    assert.ok(config.firstSentenceMaxChars <= config.sentenceMaxChars);
    assert.ok(isAbsolute(config.dataDir));
  });

  test('every setting has a LITETTS_ env variable, and they are all different', () => {
    const envs = Object.values(SETTINGS).map((s) => s.env);
    for (const env of envs) assert.match(env, /^LITETTS_[A-Z0-9_]+$/);
    assert.equal(new Set(envs).size, envs.length);
    assert.deepEqual(Object.keys(SETTINGS).sort(), Object.keys(defaultConfig()).sort());
  });

  test('kebab turns setting keys into flag names', () => {
    assert.equal(kebab('firstSentenceMaxChars'), 'first-sentence-max-chars');
    assert.equal(kebab('port'), 'port');
  });
});

describe('config precedence: flags > env > file > defaults', () => {
  test('each key takes its value from the strongest source that sets it', () => {
    const file = configFile({ host: 'file-host', port: 1111, logLevel: 'warn', maxQueue: 5, mp3Bitrate: 96 });
    const config = load({
      file,
      env: { LITETTS_HOST: 'env-host', LITETTS_PORT: '2222', LITETTS_MAX_QUEUE: '7', LITETTS_OPUS_BITRATE: '48' },
      flags: { port: '3333', maxQueue: 9 },
    });
    assert.equal(config.port, 3333, 'flag beats env and file');
    assert.equal(config.maxQueue, 9, 'flag (already a number) beats env and file');
    assert.equal(config.host, 'env-host', 'env beats file');
    assert.equal(config.opusBitrate, 48, 'env beats default');
    assert.equal(config.logLevel, 'warn', 'file beats default');
    assert.equal(config.mp3Bitrate, 96, 'file beats default');
    assert.equal(config.aacBitrate, defaultConfig().aacBitrate, 'default when nothing sets it');
  });

  test('an empty env variable counts as unset', () => {
    const file = configFile({ port: 1111 });
    assert.equal(load({ file, env: { LITETTS_PORT: '' } }).port, 1111);
    assert.equal(load({ env: { LITETTS_PORT: '' } }).port, 8356);
  });

  test('undefined flags count as unset', () => {
    assert.equal(load({ env: { LITETTS_PORT: '2222' }, flags: { port: undefined } }).port, 2222);
  });

  test('LITETTS_CONFIG names the file; an explicit file wins over it', () => {
    const fromEnv = configFile({ port: 4444 });
    const explicit = configFile({ port: 5555 });
    assert.equal(load({ env: { LITETTS_CONFIG: fromEnv } }).port, 4444);
    assert.equal(load({ env: { LITETTS_CONFIG: fromEnv }, file: explicit }).port, 5555);
  });

  test('the config file holds values in their JSON types', () => {
    const file = configFile({ apiKeys: ['k1', 'k2'], voiceAliases: { alloy: 'espeak-en-us-male' }, defaultVoice: null, logDir: 'logs' });
    const config = load({ file });
    assert.deepEqual(config.apiKeys, ['k1', 'k2']);
    assert.deepEqual(config.voiceAliases, { alloy: 'espeak-en-us-male' });
    assert.equal(config.defaultVoice, null);
    assert.equal(config.logDir, resolve('logs'));
  });
});

describe('config text parsing (env and string flags)', () => {
  test('int', () => {
    assert.equal(load({ env: { LITETTS_PORT: '9000' } }).port, 9000);
    assert.equal(load({ env: { LITETTS_PORT: ' 9001 ' } }).port, 9001);
    assert.equal(load({ flags: { workers: '3' } }).workers, 3);
    assert.equal(load({ env: { LITETTS_MAX_QUEUE: '0' } }).maxQueue, 0);
  });

  test('int rejects text that is not plainly a whole number', () => {
    for (const bad of ['abc', '1.5', '12abc', ' ', '0x10', '1e3', 'Infinity', 'NaN']) {
      assertConfigError({ env: { LITETTS_PORT: bad } }, /'port'/, /LITETTS_PORT/);
    }
  });

  test('list: comma-separated, trimmed, empty entries dropped', () => {
    assert.deepEqual(load({ env: { LITETTS_API_KEYS: 'a, b' } }).apiKeys, ['a', 'b']);
    assert.deepEqual(load({ env: { LITETTS_API_KEYS: ' a ,, b ,c,' } }).apiKeys, ['a', 'b', 'c']);
    assert.deepEqual(load({ env: { LITETTS_API_KEYS: 'single' } }).apiKeys, ['single']);
    assert.deepEqual(load({ flags: { apiKeys: 'x,y' } }).apiKeys, ['x', 'y']);
  });

  test('map: name=value pairs, names lower-cased', () => {
    assert.deepEqual(load({ env: { LITETTS_VOICE_ALIASES: 'alloy=x,echo=y' } }).voiceAliases, { alloy: 'x', echo: 'y' });
    assert.deepEqual(load({ env: { LITETTS_VOICE_ALIASES: ' Alloy = x , ECHO=y ,' } }).voiceAliases, { alloy: 'x', echo: 'y' });
    assert.deepEqual(load({ flags: { voiceAliases: 'nova=z' } }).voiceAliases, { nova: 'z' });
  });

  test('map rejects pairs that are not name=value', () => {
    for (const bad of ['alloy', 'alloy=', '=x', 'alloy=x=y', 'alloy=x,echo']) {
      assertConfigError({ env: { LITETTS_VOICE_ALIASES: bad } }, /'voiceAliases'/, /LITETTS_VOICE_ALIASES/);
    }
    assertConfigError({ flags: { voiceAliases: 'alloy' } }, /'voiceAliases'/, /--voice-aliases/);
  });

  test("nullable: 'none' and 'null' mean unset, anything else is the value", () => {
    assert.equal(load({ env: { LITETTS_DEFAULT_VOICE: 'none' } }).defaultVoice, null);
    assert.equal(load({ env: { LITETTS_DEFAULT_VOICE: 'null' } }).defaultVoice, null);
    assert.equal(load({ env: { LITETTS_DEFAULT_VOICE: 'alloy' } }).defaultVoice, 'alloy');
    assert.equal(load({ env: { LITETTS_LOG_DIR: 'none' } }).logDir, null);
    // A flag 'none' overrides a directory set in the file.
    const file = configFile({ logDir: '/var/log/litetts' });
    assert.equal(load({ file }).logDir, '/var/log/litetts');
    assert.equal(load({ file, flags: { logDir: 'none' } }).logDir, null);
  });

  test('string', () => {
    assert.equal(load({ env: { LITETTS_HOST: '0.0.0.0' } }).host, '0.0.0.0');
    assert.equal(load({ env: { LITETTS_LOG_LEVEL: 'debug' } }).logLevel, 'debug');
  });
});

describe('config errors name the setting and where it came from', () => {
  test('non-integer port', () => {
    assertConfigError({ env: { LITETTS_PORT: 'abc' } }, /'port'/, /environment variable LITETTS_PORT/, /abc/);
    assertConfigError({ flags: { port: 'abc' } }, /'port'/, /--port/, /abc/);
    const file = configFile({ port: 'abc' });
    assertConfigError({ file }, /'port'/, new RegExp(`config file ${regexEscape(file)}`));
    const fractional = configFile({ port: 80.5 });
    assertConfigError({ file: fractional }, /'port'/, new RegExp(regexEscape(fractional)));
  });

  test('enumerated settings: an mp3 bitrate MP3 does not have is refused, listing the ones it has; a log format likewise', () => {
    assertConfigError({ flags: { mp3Bitrate: '100' } }, /'mp3Bitrate'/, /--mp3-bitrate/, /must be one of 8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320/);
    assertConfigError({ env: { LITETTS_MP3_BITRATE: '129' } }, /LITETTS_MP3_BITRATE/, /one of .*128, 160/);
    assert.equal(loadConfig({ flags: { mp3Bitrate: '128' }, env: {} }).mp3Bitrate, 128, 'a bitrate MP3 has');
    assertConfigError({ flags: { logFormat: 'fancy' } }, /'logFormat'/, /auto.*pretty.*json/);
    assert.equal(loadConfig({ flags: { logFormat: 'json' }, env: {} }).logFormat, 'json', 'a known format');
  });

  test('port out of range', () => {
    assertConfigError({ env: { LITETTS_PORT: '70000' } }, /'port'/, /environment variable LITETTS_PORT/);
    assertConfigError({ flags: { port: '70000' } }, /'port'/, /flag --port/);
    assertConfigError({ flags: { port: '-1' } }, /'port'/, /flag --port/);
    const file = configFile({ port: 70000 });
    assertConfigError({ file }, /'port'/, new RegExp(`config file ${regexEscape(file)}`));
  });

  test('unknown log level', () => {
    assertConfigError({ env: { LITETTS_LOG_LEVEL: 'loud' } }, /'logLevel'/, /environment variable LITETTS_LOG_LEVEL/);
    assertConfigError({ flags: { logLevel: 'loud' } }, /'logLevel'/, /flag --log-level/);
    const file = configFile({ logLevel: 'loud' });
    assertConfigError({ file }, /'logLevel'/, new RegExp(regexEscape(file)));
  });

  test('unknown key in the config file', () => {
    const file = configFile({ port: 1234, prot: 1234 });
    assertConfigError({ file }, /'prot'/, new RegExp(`config file ${regexEscape(file)}`));
  });

  test('unknown flag key', () => {
    assertConfigError({ flags: { nonsense: 1 } as ConfigSources['flags'] }, /'nonsense'/);
  });

  test('invalid JSON file', () => {
    const file = configFile('{ "port": 1234, }');
    assertConfigError({ file }, new RegExp(regexEscape(file)), /JSON/);
  });

  test('config file that is not a JSON object', () => {
    for (const content of ['[1, 2]', '42', 'null', '"text"']) {
      const file = configFile(content);
      assertConfigError({ file }, new RegExp(regexEscape(file)), /object/);
    }
  });

  test('missing file', () => {
    const file = join(dir, 'does-not-exist.json');
    assertConfigError({ file }, new RegExp(regexEscape(file)));
    assertConfigError({ env: { LITETTS_CONFIG: file } }, new RegExp(regexEscape(file)));
  });

  test('firstSentenceMaxChars larger than sentenceMaxChars', () => {
    assertConfigError(
      { env: { LITETTS_FIRST_SENTENCE_MAX_CHARS: '500' } },
      /'firstSentenceMaxChars'/,
      /sentenceMaxChars/,
      /environment variable LITETTS_FIRST_SENTENCE_MAX_CHARS/,
    );
    const file = configFile({ sentenceMaxChars: 100 });
    assertConfigError({ file, flags: { firstSentenceMaxChars: '150' } }, /'firstSentenceMaxChars'/, /flag --first-sentence-max-chars/, new RegExp(regexEscape(file)));
    // Equal is fine.
    assert.equal(load({ file, flags: { firstSentenceMaxChars: '100' } }).firstSentenceMaxChars, 100);
  });

  test('other range checks', () => {
    assertConfigError({ env: { LITETTS_WORKERS: '0' } }, /'workers'/, /LITETTS_WORKERS/);
    assertConfigError({ env: { LITETTS_HOST: '' }, flags: { host: '' } }, /'host'/, /flag --host/);
    assertConfigError({ file: configFile({ apiKeys: ['ok', ''] }) }, /'apiKeys'/);
    assertConfigError({ file: configFile({ voiceAliases: { alloy: 5 } }) }, /'voiceAliases'/);
  });
});

describe('config directories', () => {
  test('dataDir and logDir come back absolute, resolved against the working directory', () => {
    const config = load({ env: { LITETTS_DATA_DIR: 'some/data', LITETTS_LOG_DIR: './some/logs' } });
    assert.equal(config.dataDir, resolve(process.cwd(), 'some/data'));
    assert.equal(config.logDir, resolve(process.cwd(), 'some/logs'));
    assert.ok(isAbsolute(config.dataDir));
    assert.ok(config.logDir !== null && isAbsolute(config.logDir));
  });

  test('absolute directories are kept as given', () => {
    const config = load({ flags: { dataDir: join(dir, 'd'), logDir: join(dir, 'l') } });
    assert.equal(config.dataDir, join(dir, 'd'));
    assert.equal(config.logDir, join(dir, 'l'));
  });
});

describe('Kokoro settings', () => {
  test('auto-download is on by default; env and flags turn it off with any usual spelling', () => {
    assert.equal(load().modelAutoDownload, true, 'default on');
    for (const off of ['0', 'false', 'no', 'off', 'FALSE']) {
      assert.equal(load({ env: { LITETTS_MODEL_AUTO_DOWNLOAD: off } }).modelAutoDownload, false, `env ${off}`);
    }
    assert.equal(load({ flags: { modelAutoDownload: 'yes' }, env: { LITETTS_MODEL_AUTO_DOWNLOAD: '0' } }).modelAutoDownload, true, 'flag wins');
    assert.equal(load({ file: configFile({ modelAutoDownload: false }) }).modelAutoDownload, false, 'config file');
    assertConfigError({ env: { LITETTS_MODEL_AUTO_DOWNLOAD: 'maybe' } }, /modelAutoDownload/, /LITETTS_MODEL_AUTO_DOWNLOAD/, /'maybe' is not true or false/);
    assertConfigError({ file: configFile({ modelAutoDownload: 'yes' }) }, /modelAutoDownload/, /config file/);
  });

  test('the model variant is an .onnx file name inside the model directory', () => {
    assert.equal(load({ env: { LITETTS_MODEL_VARIANT: 'kokoro-v1.0.onnx' } }).modelVariant, 'kokoro-v1.0.onnx', 'any .onnx file name');
    for (const bad of ['../model.onnx', 'sub/model.onnx', 'model.bin']) {
      assertConfigError({ env: { LITETTS_MODEL_VARIANT: bad } }, /modelVariant/, /LITETTS_MODEL_VARIANT/, /\.onnx file name/);
    }
  });

  test('onnx threads: 0 (shared out among the workers) by default, a whole number otherwise', () => {
    assert.equal(load().onnxThreads, 0, 'default 0');
    assert.equal(load({ env: { LITETTS_ONNX_THREADS: '3' } }).onnxThreads, 3, 'env');
    assertConfigError({ env: { LITETTS_ONNX_THREADS: '-1' } }, /onnxThreads/, /LITETTS_ONNX_THREADS/);
    assertConfigError({ env: { LITETTS_ONNX_THREADS: 'many' } }, /onnxThreads/, /not a whole number/);
  });

  test('voice consent: required by default, with the threshold at the scorer\'s equal-error point 0.5', () => {
    assert.deepEqual([load().voiceConsentRequired, load().consentThreshold], [true, 0.5], 'defaults');
    assert.equal(load({ env: { LITETTS_VOICE_CONSENT_REQUIRED: 'false' } }).voiceConsentRequired, false, 'env');
    assert.equal(load({ flags: { voiceConsentRequired: false } }).voiceConsentRequired, false, 'flag (serve --no-voice-consent)');
    for (const [raw, value] of [['0.75', 0.75], ['.6', 0.6], ['1', 1], [' 0 ', 0], ['+0.25', 0.25]] as const) {
      assert.equal(load({ env: { LITETTS_CONSENT_THRESHOLD: raw } }).consentThreshold, value, JSON.stringify(raw));
    }
    assert.equal(load({ file: configFile({ consentThreshold: 0.9 }) }).consentThreshold, 0.9, 'config file');
    for (const bad of ['1.5', '-0.1', 'high', '1e-1', '0x1', 'NaN', 'Infinity', '0.5.1']) {
      assertConfigError({ env: { LITETTS_CONSENT_THRESHOLD: bad } }, /consentThreshold/, /LITETTS_CONSENT_THRESHOLD/);
    }
    assertConfigError({ env: { LITETTS_VOICE_CONSENT_REQUIRED: 'maybe' } }, /voiceConsentRequired/, /not true or false/);
  });

  test('inherited names are no settings: __proto__ and constructor in a config file are refused by name', () => {
    assertConfigError({ file: configFile('{"constructor": 1}') }, /Unknown setting 'constructor'/);
    assertConfigError({ file: configFile('{"__proto__": {"port": 1}}') }, /Unknown setting '__proto__'/);
    assertConfigError({ file: configFile('{"toString": "x"}') }, /Unknown setting 'toString'/);
  });
});

describe('database URL', () => {
  test('absent: null (the SQLite file); a postgres:// or postgresql:// URL is kept as given, from env or flag', () => {
    assert.equal(load().databaseUrl, null);
    const url = 'postgres://litetts:s3cret@db.internal:5432/litetts?sslmode=require';
    assert.equal(load({ env: { LITETTS_DATABASE_URL: url } }).databaseUrl, url);
    assert.equal(load({ flags: { databaseUrl: 'postgresql://localhost/litetts' } }).databaseUrl, 'postgresql://localhost/litetts');
    assert.equal(load({ env: { LITETTS_DATABASE_URL: url }, flags: { databaseUrl: 'none' } }).databaseUrl, null, "'none' on the flag keeps SQLite");
    assert.equal(load({ env: { LITETTS_DATABASE_POOL_SIZE: '3' } }).databasePoolSize, 3);
  });

  test('a malformed URL is a config error naming the setting and its source, never echoing the value', () => {
    for (const bad of ['not a url', 'mysql://user:Secr3tPw@host/db', 'postgres://user:Secr3tPw@host/a/b', 'postgres://', 'postgres:///db', 'postgres://host/a/b', 'http://host/db', '/var/run/postgresql']) {
      let caught: unknown;
      try {
        load({ env: { LITETTS_DATABASE_URL: bad } });
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof ConfigError, `${bad}: a ConfigError`);
      assert.match(caught.message, /'databaseUrl' \(from environment variable LITETTS_DATABASE_URL\): must be a PostgreSQL URL/, bad);
      assert.ok(!caught.message.includes('Secr3tPw'), `${bad}: the value is not repeated (it may hold a password)`);
    }
    assertConfigError({ flags: { databaseUrl: 'postgres://user:pw@' } }, /'databaseUrl' \(from flag --database-url\)/);
    assertConfigError({ env: { LITETTS_DATABASE_POOL_SIZE: '0' } }, /'databasePoolSize'/);
  });
});

test('job timings: a replica\'s death shows after jobStaleSeconds, which must leave room for a late heartbeat', () => {
  const config = loadConfig({ env: { LITETTS_JOB_HEARTBEAT_SECONDS: '1', LITETTS_JOB_STALE_SECONDS: '3', LITETTS_JOB_POLL_SECONDS: '1' }, file: null });
  assert.deepEqual([config.jobHeartbeatSeconds, config.jobStaleSeconds, config.jobPollSeconds], [1, 3, 1]);
  assert.throws(() => loadConfig({ env: { LITETTS_JOB_HEARTBEAT_SECONDS: '5', LITETTS_JOB_STALE_SECONDS: '9' }, file: null }), /jobStaleSeconds.*twice jobHeartbeatSeconds/);
  assert.throws(() => loadConfig({ flags: { jobPollSeconds: '0' }, env: {}, file: null }), /jobPollSeconds/);
});
