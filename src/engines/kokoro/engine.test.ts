import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MISAKI_LEXICON_DIR, sampleTensor } from '../../test-support/fixtures.js';
import { closestStyleRow, decodeTinyWaveform, makeTinyKokoroModel } from '../../test-support/tiny-kokoro.js';
import { EspeakEngine } from '../espeak/engine.js';
import { renderPiece } from '../render.js';
import { KokoroEngine, kokoroLanguage } from './engine.js';
import { trimSilence } from './trim.js';
import { tokenize } from './tokens.js';

describe('KokoroEngine with a tiny model of Kokoro’s signature', () => {
  let dir: string;
  let engine: KokoroEngine;
  const unknown: string[] = [];
  const tensor = sampleTensor(7);
  const voice = { engine: 'kokoro' as const, tensor };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-kokoro-'));
    writeFileSync(join(dir, 'model.onnx'), makeTinyKokoroModel());
    engine = await KokoroEngine.load(join(dir, 'model.onnx'), { onUnknownSymbol: (s) => unknown.push(s) });
  });
  after(async () => {
    await engine.release();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(text: string, speed = 1, language = 'en-us'): Promise<ReturnType<typeof decodeTinyWaveform>[]> {
    const out = [];
    for await (const chunk of engine.synthesize({ text, voice, speed, language })) out.push(decodeTinyWaveform(chunk));
    return out;
  }

  test('the right ids reach the model, framed by the pad token', async () => {
    const [piece] = await run('Hello world.');
    const expected = tokenize('həlˈO wˈɜɹld.');
    assert.deepEqual(piece!.ids, [0, ...expected, 0]);
  });

  test('the style row is pack[min(number of tokens, 509)]', async () => {
    const seen = new Set<number>();
    for (const text of ['Hi', 'Oh.', 'Yes!', 'Go now', 'Hello.', 'Good day.', 'Thank you.', 'See you soon.', 'A short sentence.']) {
      const [piece] = await run(text);
      const tokens = piece!.ids.length - 2;
      seen.add(tokens);
      const match = closestStyleRow(piece!.style, tensor);
      assert.equal(match.row, Math.min(tokens, 509), `${JSON.stringify(text)}: ${tokens} tokens`);
      assert.ok(match.distance < 1e-5 && match.runnerUp > match.distance, `${text}: unambiguous match`);
    }
    assert.ok(seen.size >= 5, `lengths covered: ${[...seen].join(', ')}`);
  });

  test('speed reaches the model', async () => {
    for (const speed of [0.5, 1, 1.7, 3]) {
      const [piece] = await run('Speed test.', speed);
      assert.ok(Math.abs(piece!.speed - speed) < 1e-4, `speed ${speed} decoded as ${piece!.speed}`);
    }
  });

  test('long text is split into model calls of at most 510 tokens, losing none', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1}, and it goes on for a while.`).join(' ');
    const pieces = await run(text);
    assert.ok(pieces.length >= 2, `${pieces.length} model calls`);
    for (const p of pieces) {
      assert.ok(p.ids.length <= 512, `${p.ids.length} ids in one call`);
      assert.equal(p.ids[0], 0);
      assert.equal(p.ids.at(-1), 0);
    }
    const all = pieces.flatMap((p) => p.ids.slice(1, -1));
    assert.deepEqual(all, engine.tokenPieces(text, 'en-us').flat());
    const [first] = pieces;
    assert.equal(closestStyleRow(first!.style, tensor).row, Math.min(first!.ids.length - 2, 509));
  });

  test('other Kokoro languages phonemise to known symbols; unknown languages read as American English', async () => {
    unknown.length = 0;
    for (const [language, text] of [['fr-fr', 'Bonjour tout le monde.'], ['es', '¿Dónde está la biblioteca?'], ['it', 'Buongiorno a tutti.']] as const) {
      const [piece] = await run(text, 1, language);
      assert.ok(piece!.ids.length > 5, language);
    }
    assert.deepEqual(unknown, []);
    assert.equal(kokoroLanguage('xx-yy'), 'en-us');
    assert.equal(kokoroLanguage('en-gb'), 'en-gb');
  });

  test('renders to 24 kHz Int16 without resampling or stretching', async () => {
    const pcm = await renderPiece(engine, { text: 'Hello world.', voice, speed: 2, language: 'en-us' });
    assert.equal(pcm.length, (tokenize('həlˈO wˈɜɹld.').length + 2) * 240);
  });

  test('an aborted request stops between model calls', async () => {
    const controller = new AbortController();
    controller.abort();
    const chunks = [];
    for await (const c of engine.synthesize({ text: 'Hello.', voice, speed: 1, signal: controller.signal })) chunks.push(c);
    assert.equal(chunks.length, 0);
  });

  test('symbols outside the vocab are dropped and counted once per synthesis', async () => {
    const counts: Record<string, number>[] = [];
    const counting = await KokoroEngine.load(join(dir, 'model.onnx'), { onUnknownSymbols: (c) => counts.push(c) });
    // espeak never gives a symbol the mapping does not know; make it give one.
    const original = EspeakEngine.prototype.phonemize;
    EspeakEngine.prototype.phonemize = () => 'h_ə_l_ˈoʊ ʘ_ʘ w_ˈɜː_l_d ǂ\n';
    try {
      const [ids] = counting.tokenPieces('Hello world.', 'en-us');
      assert.deepEqual(counts, [{ ʘ: 2, ǂ: 1 }], `one report with the counts: ${JSON.stringify(counts)}`);
      assert.ok(ids!.length > 5, 'the known symbols are kept');
    } finally {
      EspeakEngine.prototype.phonemize = original;
      await counting.release();
    }
    counting.tokenPieces('Hello world.', 'en-us');
    assert.equal(counts.length, 1, 'no report when nothing was dropped');
  });

  test('English without a lexicon beside the model goes through espeak-ng alone', () => {
    assert.equal(engine.lexicons.get('en-us'), null, 'the temporary model directory has no lexicon/');
    assert.equal(engine.phonemize('sheikh', 'en-us').phonemes, 'ʃˈAk', "espeak's reading");
  });

  test('with the lexicons, English is read lexicon first, each language loaded on first use', { skip: MISAKI_LEXICON_DIR === undefined && 'misaki lexicons not on this machine' }, async () => {
    const withLexicon = await KokoroEngine.load(join(dir, 'model.onnx'), { lexiconDir: MISAKI_LEXICON_DIR! });
    try {
      assert.equal(withLexicon.lexicons.isLoaded('en-us'), false, 'nothing read at load');
      withLexicon.tokenPieces('Bonjour.', 'fr-fr');
      assert.equal(withLexicon.lexicons.isLoaded('en-us'), false, 'French does not read it');
      const [ids] = withLexicon.tokenPieces('The sheikh, the butter.', 'en-us');
      assert.deepEqual(ids, tokenize('ðə ʃˈik, ðə bˈʌTəɹ.'), 'gold: ʃˈik; the flap as Kokoro v1.0 has it');
      assert.equal(withLexicon.lexicons.isLoaded('en-us'), true);
      assert.equal(withLexicon.lexicons.isLoaded('en-gb'), false, 'British is read only when spoken');
      assert.equal(withLexicon.phonemize('Zyzzyvaquux.', 'en-us').phonemes, engine.phonemize('Zyzzyvaquux.', 'en-us').phonemes, 'an unknown word falls back to espeak');
    } finally {
      await withLexicon.release();
    }
  });

  test('espeak voices are refused', async () => {
    const espeakVoice = { engine: 'espeak' as const, base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 };
    await assert.rejects(async () => {
      for await (const _ of engine.synthesize({ text: 'x', voice: espeakVoice, speed: 1 }));
    }, /cannot speak/);
  });
});

describe('trimSilence', () => {
  test('removes leading and trailing silence, keeping a short margin', () => {
    const rate = 24000;
    const signal = new Float32Array(rate); // 1 s: 0.3 s silence, 0.4 s tone, 0.3 s silence
    for (let i = 7200; i < 16800; i++) signal[i] = 0.5 * Math.sin(i / 5);
    const trimmed = trimSilence(signal, rate);
    assert.ok(trimmed.length > 9600 && trimmed.length <= 9600 + 2 * 480 + 480, `${trimmed.length} samples kept`);
    assert.equal(trimSilence(new Float32Array(1000), rate).length, 0, 'all silence → nothing');
    assert.equal(trimSilence(new Float32Array(0), rate).length, 0);
  });
});
