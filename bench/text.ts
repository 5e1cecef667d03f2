/**
 * `npm run bench -- text`: the text front end of Kokoro English — the server's normaliser,
 * sentence splitting and the lexicon-first G2P (phonemes → token ids) — measured on the
 * benchmark paragraph and on a text of 2,000 distinct lexicon words:
 *  - throughput in MB of input text per CPU second (issue target ≥ 1 MB/s), warm (espeak's readings
 *    of the words the lexicon lacks cached, as in a server that has spoken a while) and cold;
 *  - its share of Kokoro's per-sentence cost, with the tiny Kokoro-shaped model standing in for
 *    the real one (src/test-support/tiny-kokoro.ts): the real model costs far more per sentence,
 *    so the share printed is an upper bound;
 *  - the lexicons' load time and heap (misaki's files from ../shared/data/misaki).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KokoroEngine } from '../src/engines/kokoro/engine.js';
import { MISAKI_LEXICON_DIR, sampleTensor } from '../src/test-support/fixtures.js';
import { makeTinyKokoroModel } from '../src/test-support/tiny-kokoro.js';
import { normalizeText } from '../src/text/normalize.js';
import { splitSentences } from '../src/text/sentences.js';
import { PARAGRAPH } from './paragraph.js';
import { median, type BenchResult } from './report.js';

const TARGET_MB_PER_S = 1;
/** Heap per English language the lexicon may take (gold + silver of one language). */
const LEXICON_HEAP_BUDGET_MB = 80;
const LEXICON_LOAD_BUDGET_MS = 1500;
const ROUNDS = 7;
/** Rounds run before the warm ones are timed, so that V8 has compiled the hot paths. */
const WARMUP_ROUNDS = 20;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** 2,000 distinct lower-case words of the American gold lexicon in sentences of 12 (a seeded, fixed pick). */
function wordsText(lexiconDir: string): string {
  const words = Object.keys(JSON.parse(readFileSync(join(lexiconDir, 'us_gold.json'), 'utf8')) as object).filter((w) => /^[a-z]{2,}$/.test(w));
  let state = 12_345;
  const picked: string[] = [];
  for (let i = 0; i < 2000; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    picked.push(words.splice(state % words.length, 1)[0]!);
  }
  const sentences: string[] = [];
  for (let i = 0; i < picked.length; i += 12) {
    const s = picked.slice(i, i + 12).join(' ');
    sentences.push(`${s.charAt(0).toUpperCase()}${s.slice(1)}.`);
  }
  return sentences.join(' ');
}

export async function benchText(): Promise<BenchResult[]> {
  if (MISAKI_LEXICON_DIR === undefined) {
    return [{ name: 'text front end', ratio: 0, target: 'n/a', pass: true, detail: 'skipped: misaki lexicons not on this machine (../shared/data/misaki)' }];
  }
  const dir = mkdtempSync(join(tmpdir(), 'litetts-bench-text-'));
  const modelPath = join(dir, 'tiny-kokoro.onnx');
  writeFileSync(modelPath, makeTinyKokoroModel());
  const results: BenchResult[] = [];
  try {
    // Load time and heap of each language's lexicon, in a fresh engine.
    gc();
    const engine = await KokoroEngine.load(modelPath, { lexiconDir: MISAKI_LEXICON_DIR });
    for (const language of ['en-us', 'en-gb'] as const) {
      gc();
      const before = process.memoryUsage().heapUsed;
      const used = process.cpuUsage();
      engine.lexicons.get(language);
      const { user, system } = process.cpuUsage(used);
      gc();
      const heapMb = (process.memoryUsage().heapUsed - before) / 1e6;
      const ms = engine.lexicons.loads.find((l) => l.language === language)!.ms;
      results.push({
        name: `${language} lexicon heap (MB)`,
        ratio: heapMb,
        target: `≤ ${LEXICON_HEAP_BUDGET_MB}`,
        pass: heapMb <= LEXICON_HEAP_BUDGET_MB,
        detail: `gold + silver, heap growth after GC`,
      });
      results.push({
        name: `${language} lexicon load (ms)`,
        ratio: ms,
        target: `≤ ${LEXICON_LOAD_BUDGET_MS}`,
        pass: ms <= LEXICON_LOAD_BUDGET_MS,
        detail: `wall clock, once per synthesis thread on first use; ${((user + system) / 1000).toFixed(0)} ms of CPU`,
      });
    }

    // Rounds of tens of milliseconds: CPU time is counted in coarse steps.
    const texts = { paragraph: PARAGRAPH.repeat(25), 'lexicon words': wordsText(MISAKI_LEXICON_DIR) };
    for (const [name, text] of Object.entries(texts)) {
      const bytes = Buffer.byteLength(text);
      const frontEnd = (): number => {
        let ids = 0;
        for (const sentence of splitSentences(normalizeText(text), { firstMaxChars: 400 })) for (const piece of engine.tokenPieces(sentence, 'en-us')) ids += piece.length;
        return ids;
      };
      const t0 = performance.now();
      frontEnd();
      const coldMs = performance.now() - t0;
      for (let r = 0; r < WARMUP_ROUNDS; r++) frontEnd();
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const start = performance.now();
        const used = process.cpuUsage();
        frontEnd();
        const { user, system } = process.cpuUsage(used);
        wall.push(performance.now() - start);
        cpu.push((user + system) / 1000);
      }
      // Judged on the CPU time this process spent: on a shared machine the wall clock also
      // counts other processes' turns on the cores. Both are printed.
      const mbPerS = bytes / 1e6 / (median(cpu) / 1000);
      const wallMbPerS = bytes / 1e6 / (median(wall) / 1000);
      const coldMbPerS = bytes / 1e6 / (coldMs / 1000);
      results.push({
        name: `${name}: normalise + G2P (MB/s)`,
        ratio: mbPerS,
        target: `≥ ${TARGET_MB_PER_S}`,
        pass: mbPerS >= TARGET_MB_PER_S,
        detail: `${(bytes / 1e3).toFixed(1)} kB, by CPU time, median of ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up rounds; by wall clock ${wallMbPerS.toFixed(2)} MB/s; first (cold) round ${coldMbPerS.toFixed(2)} MB/s`,
      });
    }

    // Share of the per-sentence cost: tokenPieces inside synthesize with the tiny model.
    const tensor = sampleTensor(1);
    const sentences = splitSentences(normalizeText(PARAGRAPH), { firstMaxChars: 400 });
    const g2p: number[] = [];
    const synth: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let a = 0;
      let b = 0;
      for (const sentence of sentences) {
        const t0 = performance.now();
        engine.tokenPieces(sentence, 'en-us');
        a += performance.now() - t0;
        const t1 = performance.now();
        for await (const _ of engine.synthesize({ text: sentence, voice: { engine: 'kokoro', tensor }, speed: 1, language: 'en-us' }));
        b += performance.now() - t1;
      }
      g2p.push(a / sentences.length);
      synth.push(b / sentences.length);
    }
    const share = median(g2p) / median(synth);
    results.push({
      name: 'G2P share of a sentence (tiny model)',
      ratio: share,
      target: 'info',
      pass: true,
      detail: `${median(g2p).toFixed(3)} ms of ${median(synth).toFixed(3)} ms per sentence with the tiny stand-in model (a real Kokoro-82M sentence costs far more: bench:kokoro --model-dir)`,
    });
    await engine.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
