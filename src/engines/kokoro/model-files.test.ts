import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEFAULT_VARIANT,
  KOKORO_BASE_URL,
  KOKORO_REPOSITORY,
  KOKORO_VARIANTS,
  KOKORO_VOICE_NAMES,
  KOKORO_VOICE_SIZE,
  fileUrl,
} from './model-files.js';

/** Reference data on development machines only; the checks against it are skipped elsewhere. */
const SHARED = '/work/shared/data/kokoro';

test('the variant table is well formed and holds the default', () => {
  assert.ok(DEFAULT_VARIANT in KOKORO_VARIANTS, 'default variant in the table');
  assert.deepEqual(KOKORO_VARIANTS[DEFAULT_VARIANT], {
    path: 'onnx/model_quantized.onnx',
    size: 92_361_116,
    sha256: 'fbae9257e1e05ffc727e951ef9b9c98418e6d79f1c9b6b13bd59f5c9028a1478',
  });
  for (const [name, file] of Object.entries(KOKORO_VARIANTS)) {
    assert.equal(file.path, `onnx/${name}`);
    assert.match(file.sha256, /^[0-9a-f]{64}$/);
    assert.ok(Number.isInteger(file.size) && file.size > 50_000_000, `${name} size`);
  }
});

test('the variant table matches the published facts', { skip: !existsSync(`${SHARED}/model-files.json`) }, () => {
  const published = JSON.parse(readFileSync(`${SHARED}/model-files.json`, 'utf8')) as { repository: string; files: unknown };
  assert.equal(published.repository, KOKORO_REPOSITORY);
  assert.deepEqual(published.files, KOKORO_VARIANTS);
});

test('54 distinct voice names of the form <language><gender>_<name>', () => {
  assert.equal(KOKORO_VOICE_NAMES.length, 54);
  assert.equal(new Set(KOKORO_VOICE_NAMES).size, 54);
  for (const name of KOKORO_VOICE_NAMES) assert.match(name, /^[abefhijpz][fm]_[a-z]+$/);
  assert.equal(KOKORO_VOICE_SIZE, 522_240);
});

test('the voice names are those of the official packs', { skip: !existsSync(`${SHARED}/voices`) }, () => {
  const files = readdirSync(`${SHARED}/voices`).filter((f) => f.endsWith('.bin'));
  assert.deepEqual([...KOKORO_VOICE_NAMES].sort(), files.map((f) => f.slice(0, -'.bin'.length)).sort());
});

test('fileUrl joins a base URL and a repository path', () => {
  assert.equal(KOKORO_BASE_URL, 'https://huggingface.co/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main');
  assert.equal(
    fileUrl(undefined, 'onnx/model_quantized.onnx'),
    'https://huggingface.co/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main/onnx/model_quantized.onnx',
  );
  assert.equal(fileUrl('http://127.0.0.1:8080/repo', 'voices/af_heart.bin'), 'http://127.0.0.1:8080/repo/voices/af_heart.bin');
  assert.equal(fileUrl('http://127.0.0.1:8080/repo/', 'voices/a b.bin'), 'http://127.0.0.1:8080/repo/voices/a%20b.bin');
});
