import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { espeakInfo } from '../engines/espeak/index.js';
import { kokoroInfo } from '../engines/kokoro/index.js';
import { LiteTtsError } from '../errors.js';
import { statusOf } from '../server/errors.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { sampleTensor } from '../test-support/fixtures.js';
import { toBin } from './formats/index.js';
import { VoiceLibrary } from './library.js';

/** Builtin voices follow what is installed: Kokoro's model and packs come and go on disk. */
describe('VoiceLibrary with Kokoro installed or not', () => {
  const dirs: string[] = [];
  let modelDir: string;
  let catalog: SqliteCatalog;
  let kokoro: ReturnType<typeof kokoroInfo>;
  let library: VoiceLibrary;

  const open = (aliases: Record<string, string> = {}, defaultVoice: string | null = null) =>
    new VoiceLibrary({ engines: [kokoro, espeakInfo], catalog, aliases, defaultVoice, temporary: { defaultTtlSeconds: 60, maxTtlSeconds: 3600 } });
  const installModel = () => writeFileSync(join(modelDir, 'model_quantized.onnx'), 'model bytes (not loaded here)');
  const installPack = (name: string, seed: number) => {
    mkdirSync(join(modelDir, 'voices'), { recursive: true });
    writeFileSync(join(modelDir, 'voices', `${name}.bin`), toBin(sampleTensor(seed)));
    kokoro.install.refresh();
  };
  const code = (error: unknown) => (error instanceof LiteTtsError ? `${statusOf(error)} ${error.code}` : String(error));

  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-library-'));
    dirs.push(dir);
    modelDir = join(dir, 'kokoro');
    mkdirSync(modelDir);
    catalog = new SqliteCatalog(join(dir, 'voices.db'));
    kokoro = kokoroInfo({ modelDir, modelVariant: 'model_quantized.onnx', onnxThreads: 1 });
    library = open();
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('without Kokoro: its voices are listed as unavailable, speak 503, and OpenAI names and the default go to espeak', async () => {
    const voices = await library.list({ engine: 'kokoro' });
    assert.equal(voices.length, 54, '54 Kokoro voices listed');
    assert.ok(voices.every((v) => !v.available), 'none available');
    await assert.rejects(library.resolve('af_heart'), (e) => code(e) === '503 engine_unavailable', 'af_heart: 503');
    assert.equal((await library.resolve('alloy')).voice.name, 'espeak-en-us-female', 'alloy on espeak');
    assert.equal(library.defaultVoiceName(), 'espeak-en-us-female', 'espeak default');
  });

  test('with the model and some packs: those voices speak their pack, the rest answer voice_not_installed', async () => {
    installModel();
    installPack('af_heart', 3);
    const listed = await library.list({ engine: 'kokoro' });
    assert.deepEqual(listed.filter((v) => v.available).map((v) => v.name), ['af_heart'], 'only af_heart available');
    const heart = await library.resolve('af_heart');
    assert.equal(heart.data.engine, 'kokoro', 'kokoro data');
    assert.deepEqual(heart.data.engine === 'kokoro' && heart.data.tensor, sampleTensor(3), 'the installed pack');
    await assert.rejects(library.resolve('af_bella'), (e) => code(e) === '503 voice_not_installed', 'af_bella: 503');
    assert.equal(library.defaultVoiceName(), 'af_heart', 'af_heart is the default');
    // af_alloy is not installed: alloy stays on espeak until it is.
    assert.equal((await library.resolve('alloy')).voice.name, 'espeak-en-us-female', 'alloy without its pack');
    installPack('af_alloy', 4);
    assert.equal((await library.resolve('alloy')).voice.name, 'af_alloy', 'alloy with its pack');
    assert.equal((await library.resolve('alloy', 'voice', { engine: 'espeak' })).voice.name, 'espeak-en-us-female', 'espeak asked for');
  });

  test('a replaced pack is read again; its content hash changes with it', async () => {
    installModel();
    installPack('am_echo', 5);
    const first = await library.resolve('am_echo');
    assert.equal((await library.resolve('am_echo')).hash, first.hash, 'same pack, same hash');
    installPack('am_echo', 6);
    const second = await library.resolve('am_echo');
    assert.notEqual(second.hash, first.hash, 'new pack, new hash');
    assert.deepEqual(second.data.engine === 'kokoro' && second.data.tensor, sampleTensor(6), 'the new pack');
  });

  test('a damaged pack answers 503 saying so, and speaks again once repaired', async () => {
    installModel();
    installPack('bf_lily', 21);
    const damaged = toBin(sampleTensor(21));
    new DataView(damaged.buffer, damaged.byteOffset).setFloat32(4 * 1000, Number.NaN, true);
    writeFileSync(join(modelDir, 'voices', 'bf_lily.bin'), damaged);
    kokoro.install.refresh();
    await assert.rejects(
      library.resolve('bf_lily'),
      (e) => code(e) === '503 voice_not_installed' && /damaged/.test((e as Error).message),
      'damaged: 503 that says so',
    );
    installPack('bf_lily', 21);
    const repaired = await library.resolve('bf_lily');
    assert.deepEqual(repaired.data.engine === 'kokoro' && repaired.data.tensor, sampleTensor(21), 'repaired pack speaks');
  });

  test('the list follows the install without a restart', async () => {
    const before = await library.list();
    assert.equal(before.find((v) => v.name === 'bf_emma')?.available, false, 'bf_emma unavailable');
    installModel();
    installPack('bf_emma', 7);
    const afterInstall = await library.list();
    assert.notEqual(afterInstall, before, 'a new list');
    assert.equal(afterInstall.find((v) => v.name === 'bf_emma')?.available, true, 'bf_emma available');
  });

  test('configured aliases and default voice win over the engines’ own', async () => {
    installModel();
    installPack('af_alloy', 8);
    const configured = open({ alloy: 'espeak-en-gb-female' }, 'espeak-de-male');
    assert.equal((await configured.resolve('alloy')).voice.name, 'espeak-en-gb-female', 'configured alias');
    assert.equal(configured.defaultVoiceName(), 'espeak-de-male', 'configured default');
  });

  test('blends of Kokoro builtins need their packs; export includes installed builtins only', async () => {
    installModel();
    installPack('af_heart', 9);
    installPack('am_echo', 10);
    const blend = await library.resolve('af_heart+am_echo');
    // Each tensor made once: calling sampleTensor inside the map made this check quadratic (~1 min).
    const [heart, echo] = [sampleTensor(9), sampleTensor(10)];
    const expected = heart.map((v, i) => (v + echo[i]!) / 2);
    assert.ok(blend.data.engine === 'kokoro' && blend.data.tensor.every((v, i) => Math.abs(v - expected[i]!) < 1e-6), 'equal-weight mean');
    await assert.rejects(library.resolve('af_heart+af_bella'), (e) => code(e) === '503 voice_not_installed', 'a missing part: 503');
    const exported: string[] = [];
    for await (const { voice } of library.voicesWithData('all', 'kokoro')) exported.push(voice.name);
    assert.deepEqual(exported.sort(), ['af_heart', 'am_echo'], 'installed builtins exported');
  });
});

describe('VoiceLibrary over a catalog another process is writing to', () => {
  test('a write that cannot get the lock in time is a 503 server_busy with Retry-After, not a 500', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'litetts-library-'));
    const path = join(dir, 'voices.db');
    const catalog = new SqliteCatalog(path, { busyTimeoutMs: 20 });
    const other = new Database(path);
    try {
      const library = new VoiceLibrary({ engines: [espeakInfo], catalog, aliases: {}, temporary: { defaultTtlSeconds: 60, maxTtlSeconds: 3600 } });
      await library.blend({ name: 'Existing', voices: 'espeak-en-us-female+espeak-en-us-male', temporary: false });
      other.exec('BEGIN IMMEDIATE');
      const refused = (error: unknown) =>
        error instanceof LiteTtsError && statusOf(error) === 503 && error.code === 'server_busy' && error.retryAfter !== undefined && error.retryAfter > 0;
      await assert.rejects(library.blend({ name: 'Blocked', voices: 'espeak-en-us-female+espeak-en-us-male' }), refused, 'create: 503 server_busy');
      await assert.rejects(library.update('Existing', { name: 'Renamed' }), refused, 'rename: 503 server_busy');
      await assert.rejects(library.delete('Existing', 'custom'), refused, 'delete: 503 server_busy');
      other.exec('ROLLBACK');
      assert.equal((await library.delete('Existing', 'custom')).name, 'Existing', 'the same delete goes through once the lock is free');
    } finally {
      other.close();
      await catalog.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
