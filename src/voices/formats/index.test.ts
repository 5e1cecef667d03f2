import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { zipSync } from 'fflate';
import { KOKORO_BYTES, KOKORO_FLOATS, VoiceFormatError, importVoiceFile, toBin, writeNpy, writeNpz } from './index.js';
import { KOKORO_PACKS_DIR, sampleTensor } from '../../test-support/fixtures.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const PACKS = KOKORO_PACKS_DIR;

function kokoroOf(v: { data: unknown }): Float32Array {
  const data = v.data as { engine: string; tensor: Float32Array };
  assert.equal(data.engine, 'kokoro');
  return data.tensor;
}

test('.bin: raw pack, named after the file or voiceName', () => {
  const t = sampleTensor();
  const bin = toBin(t);
  const [v] = importVoiceFile('uploads/af_mine.bin', bin);
  assert.equal(v!.name, 'af_mine');
  assert.deepEqual(kokoroOf(v!), t);
  assert.equal(importVoiceFile('af_mine.bin', bin, { voiceName: 'Other' })[0]!.name, 'Other');
  assert.equal(importVoiceFile('C:\\voices\\my voice.bin', bin)[0]!.name, null, 'invalid base name → null');
  assert.throws(
    () => importVoiceFile('blob', bin),
    (e: unknown) => e instanceof VoiceFormatError && e.code === 'unsupported_voice_format',
    'raw data without magic is recognised only by its .bin extension',
  );
});

test('.bin detection is not fooled by a pack whose first byte is "{"', () => {
  const bytes = toBin(sampleTensor());
  bytes[0] = 0x7b; // '{' as the low byte of the first float
  const [v] = importVoiceFile('af_x.bin', bytes);
  assert.equal(kokoroOf(v!).length, KOKORO_FLOATS);
});

test('.npy by magic, whatever the extension', () => {
  const t = sampleTensor(2);
  const [v] = importVoiceFile('bm_test.npy', writeNpy(t));
  assert.equal(v!.name, 'bm_test');
  assert.deepEqual(kokoroOf(v!), t);
  assert.deepEqual(kokoroOf(importVoiceFile('upload.dat', writeNpy(t))[0]!), t);
});

test('.npz: every entry, under its own name', () => {
  const a = sampleTensor(1);
  const b = sampleTensor(2);
  const found = importVoiceFile('voices.npz', writeNpz([['af_a', a], ['am_b', b]]), { voiceName: 'ignored' });
  assert.deepEqual(found.map((v) => v.name), ['af_a', 'am_b']);
  assert.deepEqual(kokoroOf(found[1]!), b);
});

test('.pt: a zip with data.pkl, single tensor or dict', () => {
  const [single] = importVoiceFile('af_torch.pt', fixture('voice-f32.pt'));
  assert.equal(single!.name, 'af_torch');
  assert.equal(kokoroOf(single!).length, KOKORO_FLOATS);
  const named = importVoiceFile('voice.pth', fixture('voice-f16.pt'), { voiceName: 'Mine' });
  assert.equal(named[0]!.name, 'Mine');
  const dict = importVoiceFile('voices.pt', fixture('voices-dict.pt'));
  assert.deepEqual(dict.map((v) => v.name), ['af_one', 'am_two']);
  // detected by content even under another extension
  assert.equal(importVoiceFile('whatever.zip', fixture('voices-dict.pt')).length, 2);
});

test('espeak JSON by its leading "{"', () => {
  const json = new TextEncoder().encode(' \n{"engine": "espeak", "base": "en-us", "variant": "f3", "pitch": 60}');
  const [v] = importVoiceFile('robot.json', json);
  assert.equal(v!.name, 'robot');
  assert.deepEqual(v!.data, { engine: 'espeak', base: 'en-us', variant: 'f3', pitch: 60, range: 50, rate: 175, volume: 100 });
  assert.equal(importVoiceFile('robot.txt', json, { voiceName: 'R2' })[0]!.name, 'R2');
});

test('the 54 official packs import as .bin with their names', (t) => {
  if (!PACKS) return t.skip('Kokoro voice packs not present');
  const bytes = new Uint8Array(readFileSync(join(PACKS, 'af_heart.bin')));
  const [v] = importVoiceFile('af_heart.bin', bytes);
  assert.equal(v!.name, 'af_heart');
  assert.deepEqual(toBin(kokoroOf(v!)), bytes);
});

test('unknown, empty and mislabelled files get clear errors', () => {
  const is = (code: string, pattern: RegExp) => (e: unknown) => e instanceof VoiceFormatError && e.code === code && pattern.test(e.message);
  assert.throws(() => importVoiceFile('a.wav', new Uint8Array([1, 2, 3])), is('unsupported_voice_format', /unrecognised/));
  assert.throws(() => importVoiceFile('a', new Uint8Array([1, 2, 3])), is('unsupported_voice_format', /unrecognised/));
  assert.throws(() => importVoiceFile('a.bin', new Uint8Array(0)), is('invalid_voice_file', /empty/));
  assert.throws(() => importVoiceFile('a.bin', new Uint8Array(1000)), is('invalid_voice_file', /522240/));
  assert.throws(() => importVoiceFile('a.npy', new Uint8Array(KOKORO_BYTES)), is('invalid_voice_file', /NUMPY/));
  assert.throws(() => importVoiceFile('a.npz', new Uint8Array(64)), is('invalid_voice_file', /not a zip/));
  assert.throws(() => importVoiceFile('a.pt', new Uint8Array([0x80, 2, 0x8a])), is('invalid_voice_file', /legacy/));
  assert.throws(() => importVoiceFile('a.pt', new Uint8Array([1, 2])), is('invalid_voice_file', /not a PyTorch zip/));
  assert.throws(() => importVoiceFile('a.json', new TextEncoder().encode('[]')), is('invalid_voice_file', /espeak/));
  assert.throws(() => importVoiceFile('a.json', new TextEncoder().encode('{"base": 1}')), is('invalid_voice_file', /"base"/));
  assert.throws(() => importVoiceFile('x.npz', writeNpz([])), is('invalid_voice_file', /holds no voices/));
  assert.throws(() => importVoiceFile('x.npz', zipSync({ 'a/b.npy': writeNpy(sampleTensor()) })), is('invalid_voice_file', /folder/));
  assert.throws(() => importVoiceFile('x.npz', writeNpz([['ok', sampleTensor()]]), { maxUncompressedBytes: 1000 }), is('invalid_voice_file', /inflate/));
});
