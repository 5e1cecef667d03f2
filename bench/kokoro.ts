/**
 * `npm run bench:kokoro [-- --model-dir DIR [--variant FILE] [--voice NAME] [--rounds N] [--threads N]]`
 *
 * Always, with the tiny Kokoro-shaped model (src/test-support/tiny-kokoro.ts): what the engine
 * costs per sentence besides the model itself, i.e. text → espeak IPA → Kokoro phonemes → token
 * ids, plus everything `KokoroEngine.synthesize` does around `session.run` (style row, tensors,
 * silence trimming, the async iteration). Issue target: the two together ≤ 5 ms per sentence.
 *
 * With --model-dir (real Kokoro-82M weights): real-time factor and time to first audio.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InferenceSession } from 'onnxruntime-node';
import { EspeakEngine } from '../src/engines/espeak/engine.js';
import { KokoroEngine } from '../src/engines/kokoro/engine.js';
import { KOKORO_MODEL_SAMPLE_RATE, KokoroModel } from '../src/engines/kokoro/model.js';
import { DEFAULT_VARIANT, KOKORO_VARIANTS, KOKORO_VOICE_SIZE, voicePath } from '../src/engines/kokoro/model-files.js';
import { KOKORO_PACKS_DIR, sampleTensor } from '../src/test-support/fixtures.js';
import { makeTinyKokoroModel } from '../src/test-support/tiny-kokoro.js';
import { normalizeText } from '../src/text/normalize.js';
import { splitSentences } from '../src/text/sentences.js';
import { PARAGRAPH } from './paragraph.js';
import { median, printResults, type BenchResult } from './report.js';

const LANGUAGE = 'en-us';
/** Per-sentence cost budget from the issue: phonemise + tokenise + engine overhead around session.run. */
const TARGET_MS = 5;
const TINY_WARMUP_ROUNDS = 3;
const TINY_ROUNDS = 25;

/** The paragraph as the server speaks it: normalised, then split with the default settings (first piece ≤ 80 chars). */
const SERVER_PIECES = splitSentences(normalizeText(PARAGRAPH));
/** The paragraph's whole sentences (no short first piece): the per-sentence unit of the tiny-model figures. */
const SENTENCES = splitSentences(normalizeText(PARAGRAPH), { firstMaxChars: 400 });

/** A measured value with no target: printed for information, in the same layout as the results. */
export interface Figure {
  name: string;
  value: number;
  detail: string;
}

export function printFigures(title: string, figures: readonly Figure[]): void {
  const width = Math.max(...figures.map((f) => f.name.length));
  process.stdout.write(`\n${title}\n`);
  for (const f of figures) {
    process.stdout.write(`  ${f.name.padEnd(width)}  ${f.value.toFixed(3).padStart(9)}  ${f.detail}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Timing the layers: accumulate the time spent inside a method while the bench runs.

interface Inside {
  /** KokoroEngine.prototype.tokenPieces: text → token ids (synthesize calls it). */
  tokenPieces: number;
  /** EspeakEngine.prototype.phonemize: espeak-ng's text → IPA (tokenPieces calls it). */
  espeak: number;
  /** KokoroModel.prototype.run: tensors in, session.run, output checks. */
  modelRun: number;
  /** InferenceSession.prototype.run: onnxruntime itself. */
  sessionRun: number;
  modelCalls: number;
  espeakCalls: number;
}

const inside: Inside = { tokenPieces: 0, espeak: 0, modelRun: 0, sessionRun: 0, modelCalls: 0, espeakCalls: 0 };

function resetInside(): void {
  inside.tokenPieces = inside.espeak = inside.modelRun = inside.sessionRun = inside.modelCalls = inside.espeakCalls = 0;
}

type RunFn = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/**
 * Replaces `proto[name]` by a version that reports how long each call took (to the end of its
 * promise, for an async method); returns the function that puts the original back.
 */
function timeMethod<T extends object, K extends keyof T>(proto: T, name: K, report: (ms: number) => void): () => void {
  const original = proto[name] as unknown as (...args: unknown[]) => unknown;
  proto[name] = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    const done = () => report(performance.now() - start);
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      done();
      throw error;
    }
    if (result instanceof Promise) return result.finally(done);
    done();
    return result;
  } as T[K];
  return () => {
    proto[name] = original as T[K];
  };
}

/** Wraps the four prototype methods; returns the function that puts the originals back. */
function instrument(): () => void {
  // The exported InferenceSession is typed as a factory; at run time it is the class whose
  // instances KokoroModel holds.
  const sessionProto = (InferenceSession as unknown as { prototype: { run: RunFn } }).prototype;
  const restores = [
    timeMethod(KokoroEngine.prototype, 'tokenPieces', (ms) => (inside.tokenPieces += ms)),
    timeMethod(EspeakEngine.prototype, 'phonemize', (ms) => {
      inside.espeak += ms;
      inside.espeakCalls++;
    }),
    timeMethod(KokoroModel.prototype, 'run', (ms) => {
      inside.modelRun += ms;
      inside.modelCalls++;
    }),
    timeMethod(sessionProto, 'run', (ms) => (inside.sessionRun += ms)),
  ];
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

/** Runs `synthesize` to the end; the time of the first chunk and of the whole, and the samples. */
async function synthesizeTimed(engine: KokoroEngine, text: string, tensor: Float32Array): Promise<{ first: number; total: number; samples: number }> {
  const start = performance.now();
  let first = 0;
  let samples = 0;
  for await (const chunk of engine.synthesize({ text, voice: { engine: 'kokoro', tensor }, speed: 1, language: LANGUAGE })) {
    if (samples === 0 && first === 0) first = performance.now() - start;
    samples += chunk.length;
  }
  return { first, total: performance.now() - start, samples };
}

function voiceTensor(path: string): Float32Array {
  const bytes = readFileSync(path);
  if (bytes.length !== KOKORO_VOICE_SIZE) {
    throw new Error(`${path} has ${bytes.length} bytes; a Kokoro voice pack is raw float32 510×256 (${KOKORO_VOICE_SIZE} bytes)`);
  }
  const tensor = new Float32Array(bytes.length / 4);
  new Uint8Array(tensor.buffer).set(bytes);
  return tensor;
}

const ms = (v: number, digits = 2) => `${v.toFixed(digits)} ms`;

// ---------------------------------------------------------------------------------------------
// 1. The engine's own cost, with the tiny model

export interface TinyReport {
  figures: Figure[];
  results: BenchResult[];
}

/**
 * Each round times `tokenPieces` over every sentence, then `synthesize` of every sentence with
 * the layers instrumented; per-sentence figures are medians over the rounds of each round's mean.
 */
export async function benchKokoroTiny(): Promise<TinyReport> {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-bench-kokoro-'));
  const modelPath = join(dir, 'tiny-kokoro.onnx');
  writeFileSync(modelPath, makeTinyKokoroModel());
  // The tensor's values do not change the cost; a real pack where there is one.
  const packPath = KOKORO_PACKS_DIR ? join(KOKORO_PACKS_DIR, 'af_heart.bin') : undefined;
  const tensor = packPath && existsSync(packPath) ? voiceTensor(packPath) : sampleTensor(1);
  const engine = await KokoroEngine.load(modelPath);
  const restore = instrument();

  const n = SENTENCES.length;
  const perSentence = { tokenize: [] as number[], synth: [] as number[], tokenPiecesInSynth: [] as number[], espeakInSynth: [] as number[], modelRun: [] as number[], sessionRun: [] as number[], outsideModel: [] as number[], around: [] as number[] };
  let tokens = 0;
  let modelCalls = 0;
  let phonemizeCalls = 0;
  try {
    for (let round = -TINY_WARMUP_ROUNDS; round < TINY_ROUNDS; round++) {
      let roundTokens = 0;
      const t0 = performance.now();
      for (const sentence of SENTENCES) {
        for (const ids of engine.tokenPieces(sentence, LANGUAGE)) roundTokens += ids.length;
      }
      const tokenize = performance.now() - t0;

      resetInside();
      let synth = 0;
      for (const sentence of SENTENCES) synth += (await synthesizeTimed(engine, sentence, tensor)).total;
      if (round < 0) continue; // warm-up
      tokens = roundTokens;
      modelCalls = inside.modelCalls;
      phonemizeCalls = inside.espeakCalls;
      perSentence.tokenize.push(tokenize / n);
      perSentence.synth.push(synth / n);
      perSentence.tokenPiecesInSynth.push(inside.tokenPieces / n);
      perSentence.espeakInSynth.push(inside.espeak / n);
      perSentence.modelRun.push(inside.modelRun / n);
      perSentence.sessionRun.push(inside.sessionRun / n);
      // What synthesize spends outside KokoroModel.run: phonemise + tokenise + everything around the run.
      perSentence.outsideModel.push((synth - inside.modelRun) / n);
      perSentence.around.push((synth - inside.modelRun - inside.tokenPieces) / n);
    }
  } finally {
    restore();
    await engine.release();
    rmSync(dir, { recursive: true, force: true });
  }

  const m = Object.fromEntries(Object.entries(perSentence).map(([k, v]) => [k, median(v)])) as Record<keyof typeof perSentence, number>;
  const { outsideModel, around } = m;
  const chars = SENTENCES.reduce((a, s) => a + s.length, 0);
  const figures: Figure[] = [
    { name: 'text → token ids (ms/sentence)', value: m.tokenize, detail: `${(1000 / m.tokenize).toFixed(0)} sentences/s, ${((tokens / n) * (1000 / m.tokenize)).toFixed(0)} tokens/s; ${n} sentences, ${(chars / n).toFixed(0)} chars and ${(tokens / n).toFixed(0)} tokens each on average` },
    { name: 'synthesize, end to end (ms/sentence)', value: m.synth, detail: `${(modelCalls / n).toFixed(1)} model call(s) per sentence` },
    { name: '  inside tokenPieces', value: m.tokenPiecesInSynth, detail: `text → espeak IPA → Kokoro phonemes → ids; of which ${ms(m.espeakInSynth)} inside espeak-ng (EspeakEngine.phonemize, ${(phonemizeCalls / n).toFixed(1)} calls per sentence)` },
    { name: '  inside KokoroModel.run', value: m.modelRun, detail: `of which ${ms(m.sessionRun, 3)} inside onnxruntime session.run (the tiny model: fixed per-call cost only)` },
    { name: '  around the run', value: around, detail: 'style row, tensors, silence trim, iteration (trim scans the tiny model\'s short output)' },
  ];
  const results: BenchResult[] = [
    {
      name: 'text → ids + engine overhead around session.run (ms/sentence)',
      ratio: outsideModel,
      target: `<= ${TARGET_MS}`,
      pass: outsideModel <= TARGET_MS,
      detail: `${ms(m.tokenPiecesInSynth)} text → ids + ${ms(around)} around KokoroModel.run; medians of ${TINY_ROUNDS} rounds × ${n} sentences`,
    },
  ];
  return { figures, results };
}

// ---------------------------------------------------------------------------------------------
// 2. Real weights: real-time factor and time to first audio

interface RealOptions {
  modelDir: string;
  variant: string;
  voice: string;
  rounds: number;
  threads: number | undefined;
}

function fail(message: string): never {
  process.stderr.write(`bench:kokoro: ${message}\n`);
  process.exit(1);
}

function checkModelDir(options: RealOptions): { modelPath: string; voiceFile: string } {
  const dir = options.modelDir;
  const layout = `expected ${join(dir, options.variant)} and ${join(dir, voicePath(options.voice))} (the layout \`litetts models pull\` installs, by default in <data-dir>/models/kokoro)`;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`--model-dir ${dir} is not a directory; ${layout}`);
  const modelPath = join(dir, options.variant);
  const voiceFile = join(dir, voicePath(options.voice));
  if (!existsSync(modelPath)) fail(`no model file ${modelPath}; ${layout}${options.variant in KOKORO_VARIANTS ? '' : ` (known variants: ${Object.keys(KOKORO_VARIANTS).join(', ')})`}`);
  if (!existsSync(voiceFile)) fail(`no voice pack ${voiceFile}; ${layout}`);
  return { modelPath, voiceFile };
}

async function benchKokoroReal(options: RealOptions): Promise<BenchResult[]> {
  const { modelPath, voiceFile } = checkModelDir(options);
  let tensor: Float32Array;
  try {
    tensor = voiceTensor(voiceFile);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  const known = (KOKORO_VARIANTS as Record<string, { size: number }>)[options.variant];
  const size = statSync(modelPath).size;
  process.stdout.write(
    `\nkokoro, real model — figures from:\n` +
      `  cpu       ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}\n` +
      `  runtime   node ${process.version}, onnxruntime-node ${ortVersion}, intra-op threads ${options.threads ?? "onnxruntime's default (one per core)"}\n` +
      `  model     ${resolve(modelPath)}, ${(size / 1e6).toFixed(1)} MB (${size} bytes)` +
      `${known ? (known.size === size ? ` (${options.variant} as published)` : ` (NOT the published ${options.variant}: that is ${known.size} bytes)`) : ''}\n` +
      `  voice     ${resolve(voiceFile)}\n` +
      `  text      bench/paragraph.ts: ${PARAGRAPH.length} chars; the server speaks it as ${SERVER_PIECES.length} pieces, the first "${SERVER_PIECES[0]}"\n`,
  );

  const loadStart = performance.now();
  const engine = await KokoroEngine.load(modelPath, options.threads === undefined ? {} : { intraOpThreads: options.threads });
  const loadMs = performance.now() - loadStart;
  const restore = instrument();
  const paragraph = normalizeText(PARAGRAPH);
  const first = SERVER_PIECES[0]!;
  const samples = {
    firstPieceFirst: [] as number[],
    paragraphFirst: [] as number[],
    paragraphRtf: [] as number[],
    piecesRtf: [] as number[],
    piecesOutsideModel: [] as number[],
    piecesTokenPieces: [] as number[],
    piecesAround: [] as number[],
    paragraphTotal: [] as number[],
    paragraphTokenPieces: [] as number[],
  };
  let audioSeconds = 0;
  let paragraphCalls = 0;
  try {
    // Warm-up: onnxruntime's first runs allocate and plan.
    for (let i = 0; i < 2; i++) await synthesizeTimed(engine, first, tensor);
    for (let round = 0; round < options.rounds; round++) {
      // What the server does first: synthesise only the first piece.
      samples.firstPieceFirst.push((await synthesizeTimed(engine, first, tensor)).first);

      // The whole paragraph in one synthesize call (the engine splits it at 510 tokens).
      resetInside();
      const whole = await synthesizeTimed(engine, paragraph, tensor);
      paragraphCalls = inside.modelCalls;
      samples.paragraphTotal.push(whole.total);
      samples.paragraphTokenPieces.push(inside.tokenPieces);
      audioSeconds = whole.samples / KOKORO_MODEL_SAMPLE_RATE;
      samples.paragraphFirst.push(whole.first);
      samples.paragraphRtf.push(whole.total / 1000 / audioSeconds);

      // The paragraph as the server renders it: one synthesize call per piece, in order.
      resetInside();
      let total = 0;
      let pieceSamples = 0;
      for (const piece of SERVER_PIECES) {
        const r = await synthesizeTimed(engine, piece, tensor);
        total += r.total;
        pieceSamples += r.samples;
      }
      samples.piecesRtf.push(total / 1000 / (pieceSamples / KOKORO_MODEL_SAMPLE_RATE));
      samples.piecesOutsideModel.push((total - inside.modelRun) / SERVER_PIECES.length);
      samples.piecesTokenPieces.push(inside.tokenPieces / SERVER_PIECES.length);
      samples.piecesAround.push((total - inside.modelRun - inside.tokenPieces) / SERVER_PIECES.length);
    }
  } finally {
    restore();
    await engine.release();
  }

  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof samples, number>;
  printFigures(`kokoro, real model (medians of ${options.rounds} round(s) after warm-up)`, [
    { name: 'model load (ms)', value: loadMs, detail: 'KokoroEngine.load: onnxruntime session + espeak-ng' },
    { name: 'time to first audio, first piece only (ms)', value: m.firstPieceFirst, detail: `synthesize("${first}") — what the server does` },
    { name: 'time to first audio, whole paragraph (ms)', value: m.paragraphFirst, detail: `synthesize(paragraph): first of ${paragraphCalls} chunk(s) of ≤ 510 tokens; ${ms(m.paragraphTokenPieces, 0)} of it phonemising the whole text before the first model call` },
    { name: 'first piece / whole paragraph', value: m.firstPieceFirst / m.paragraphFirst, detail: 'time-to-first-audio ratio, same run' },
    { name: 'paragraph, one synthesize call (ms)', value: m.paragraphTotal, detail: `${audioSeconds.toFixed(1)} s of audio` },
  ]);
  const outside = m.piecesOutsideModel;
  return [
    { name: 'real-time factor, paragraph in one call', ratio: m.paragraphRtf, target: '< 1', pass: m.paragraphRtf < 1, detail: 'synthesis time / audio duration (< 1: faster than real time, so a stream need not stall)' },
    { name: 'real-time factor, paragraph piece by piece (server)', ratio: m.piecesRtf, target: '< 1', pass: m.piecesRtf < 1, detail: `${SERVER_PIECES.length} pieces, one synthesize call each` },
    {
      name: 'text → ids + engine overhead around session.run (ms/piece)',
      ratio: outside,
      target: `<= ${TARGET_MS}`,
      pass: outside <= TARGET_MS,
      detail: `${ms(m.piecesTokenPieces)} text → ids + ${ms(m.piecesAround)} around KokoroModel.run, real output lengths`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------

function parseCli() {
  try {
    return parseArgs({
      options: {
        'model-dir': { type: 'string' },
        variant: { type: 'string', default: DEFAULT_VARIANT },
        voice: { type: 'string', default: 'af_heart' },
        rounds: { type: 'string', default: '3' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
}

async function main(): Promise<void> {
  const { values } = parseCli();
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench:kokoro [-- --model-dir DIR [--variant FILE] [--voice NAME] [--rounds N] [--threads N]]\n' +
        '  always: the engine\'s own per-sentence cost, with a tiny Kokoro-shaped model\n' +
        `  --model-dir DIR  also real weights: DIR/<variant> and DIR/voices/<voice>.bin\n` +
        `  --variant FILE   model file in DIR (default ${DEFAULT_VARIANT})\n` +
        '  --voice NAME     voice pack in DIR/voices (default af_heart)\n' +
        '  --rounds N       measured rounds with the real model (default 3)\n' +
        "  --threads N      onnxruntime intra-op threads (default: onnxruntime's, one per core)\n",
    );
    return;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) fail(`--rounds must be a positive integer, got '${values.rounds}'`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) fail(`--threads must be a positive integer, got '${values.threads}'`);

  const real: RealOptions | undefined =
    values['model-dir'] === undefined ? undefined : { modelDir: values['model-dir'], variant: values.variant, voice: values.voice, rounds, threads };
  if (real) checkModelDir(real); // before the tiny-model part, so a wrong directory fails at once

  process.stdout.write(`LiteTTS Kokoro benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
  const tiny = await benchKokoroTiny();
  printFigures('kokoro, engine cost (tiny model)', tiny.figures);
  printResults('kokoro (tiny model)', tiny.results);
  let missed = tiny.results.filter((r) => !r.pass).length;
  if (real) {
    const results = await benchKokoroReal(real);
    printResults('kokoro, real model', results);
    missed += results.filter((r) => !r.pass).length;
  } else {
    process.stdout.write('\n(no --model-dir: real-time factor and time to first audio need real Kokoro weights)\n');
  }
  process.stdout.write(missed === 0 ? '\nall targets met\n' : `\n${missed} target(s) missed\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
