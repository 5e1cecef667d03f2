/**
 * A tiny ONNX model with Kokoro-82M's signature whose output the speaker scorer hears as a voice,
 * for tests of Kokoro cloning (tiny-kokoro.ts encodes its inputs as a 6 kHz carrier instead,
 * which is no voice at all). Signature as the onnx-community export: `input_ids` int64 [1, T],
 * `style` float32 [1, 256], `speed` float32 [1] → `waveform` float32 [N] at 24 kHz.
 *
 * THE VOICE. Four controls come from the style vector, each the mean of four dimensions squashed
 * by a sigmoid, g = σ(1.5 · mean(style[4c .. 4c+3])) ∈ (0, 1), so that they move smoothly with
 * the style and a blend of two styles lies between them:
 *   c = 0  F0         90 · (260/90)^g Hz                       (a low man to a high woman)
 *   c = 1  tract      formants × 0.8 · (1.3/0.8)^g               (a longer or shorter vocal tract)
 *   c = 2  F2         the second formant × 0.85 · (1.2/0.85)^g
 *   c = 3  brightness harmonic h weighted by h^−(1.1 − 0.8g)     (a soft to a pressed voice)
 * The other 240 dimensions are ignored, as a real model ignores much of its input.
 *
 * Each id is a slot of 2400/speed samples (100 ms at speed 1), spoken as a phoneme table says
 * (`phoneTable`): ids below 17 (the pad, punctuation, the space) are silent, pauses between words;
 * vowels are fully voiced with their own F1–F4 (Peterson & Barney's), consonants less voiced on a
 * neutral schwa, fricatives and stops with frication noise. The voiced part is a sum of 64
 * harmonics of F0 · ρ(id) (ρ a per-id intonation step within ±4.5 semitones), each weighted by a
 * cascade of five resonators (F1–F4 of the phoneme, scaled by the tract and F2 controls, and a
 * fixed F5) times the brightness weight, harmonics above 7.5 kHz left out, the weights normalised
 * per slot to sum to 0.5; the noise is a deterministic hash of (position, sample) in [−0.5, 0.5)
 * (so every render of one input is the same), with a little of it on every voiced sound, as
 * breath in any recording, so that no band of the spectrum is empty (an empty band's log energy
 * would dominate the cepstra). |x| ≤ 0.5 · (voicing + noise) ≤ 0.51. A trapezoid envelope (5 % of
 * the slot to rise and to fall) voices the first 97 % of the slot. These choices bring the
 * scorer's features of a render (pitch spread, syllable rate, voiced share, cepstra) near those
 * of real speech, so that the scorer's space separates the voices as it separates speakers.
 * Cost: T·64·slot sines, ~15 M for a 10 s sentence (~0.1 s).
 *
 * `voiceControls` mirrors the controls in JS (for tests that check what a clone sounds like),
 * `tinyVoicePack` makes a 510 × 256 pack of a wanted speaker, and `TINY_VOICE_SPEAKERS` are six.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { int16ToFloat } from '../audio/pcm.js';
import type { KokoroPack } from '../cloning/kokoro-clone.js';
import { createEngines } from '../engines/index.js';
import { InProcessRenderer } from '../engines/renderer.js';
import { KOKORO_N_TOKEN, KOKORO_VOCAB } from '../engines/kokoro/vocab.js';
import { toBin } from '../voices/formats/index.js';

const { onnx } = onnxProto;

const STYLE_DIM = 256;
const ROWS = 510;
const RATE = 24_000;
/** Samples per id at speed 1 (100 ms). */
export const TINY_VOICE_SAMPLES_PER_ID = 2400;
const HARMONICS = 64;
const GAIN = 1.5;
const F0_RANGE = [90, 260] as const;
const TRACT_RANGE = [0.8, 1.3] as const;
const F2_RANGE = [0.85, 1.2] as const;
/** Bandwidths of F1–F4, Hz. */
const BANDWIDTHS = [90, 110, 160, 220, 400];
/** F5, the same for every phoneme: it lifts the spectrum above F4 as a real tract's higher poles do. */
const F5_HZ = 4500;
const FORMANTS = 5;
const ASPIRATION = 0.02;
/** Ids of the model's embedding (Kokoro's n_token). */
const N_TOKEN = KOKORO_N_TOKEN;
/** ρ(id) = 2^(step·((37·id mod 7) − 3)/12). */
const INTONATION_STEP_ST = 1.5;
const TOP_HZ = 7500;

/** What a style row sounds like (the model's controls, computed in JS). */
export interface VoiceControls {
  f0Hz: number;
  tract: number;
  f2: number;
  /** 0..1 */
  brightness: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));
const between = ([lo, hi]: readonly [number, number], g: number): number => lo * (hi / lo) ** g;
const inverse = ([lo, hi]: readonly [number, number], v: number): number => Math.log(v / lo) / Math.log(hi / lo);

/** The controls the model reads from one style vector (256 values). */
export function voiceControls(style: ArrayLike<number>): VoiceControls {
  const g = [0, 1, 2, 3].map((c) => {
    let s = 0;
    for (let i = 0; i < 4; i++) s += style[4 * c + i]!;
    return sigmoid((GAIN * s) / 4);
  });
  return { f0Hz: between(F0_RANGE, g[0]!), tract: between(TRACT_RANGE, g[1]!), f2: between(F2_RANGE, g[2]!), brightness: g[3]! };
}

/** A speaker of the tiny model: the controls its pack's rows carry. */
export interface TinySpeaker extends VoiceControls {
  name: string;
  language: string;
  gender: 'female' | 'male';
}

/** Six speakers spread over the controls, under official pack names so that a model directory of them serves as an install. */
export const TINY_VOICE_SPEAKERS: readonly TinySpeaker[] = Object.freeze([
  { name: 'af_heart', language: 'en-us', gender: 'female', f0Hz: 220, tract: 1.2, f2: 1.12, brightness: 0.75 },
  { name: 'af_bella', language: 'en-us', gender: 'female', f0Hz: 175, tract: 1.08, f2: 1.18, brightness: 0.9 },
  { name: 'bf_emma', language: 'en-gb', gender: 'female', f0Hz: 245, tract: 1.27, f2: 0.86, brightness: 0.15 },
  { name: 'am_adam', language: 'en-us', gender: 'male', f0Hz: 100, tract: 0.84, f2: 1.1, brightness: 0.7 },
  { name: 'am_michael', language: 'en-us', gender: 'male', f0Hz: 140, tract: 0.97, f2: 0.95, brightness: 0.45 },
  { name: 'bm_george', language: 'en-gb', gender: 'male', f0Hz: 115, tract: 0.86, f2: 0.9, brightness: 0.1 },
]);

/**
 * A 510 × 256 pack for `speaker`: in each row the 16 control dimensions carry the speaker's
 * controls (each group of four spread around its value so that only the mean says it), the others
 * deterministic noise of a real pack's size (±0.6), and every row drifts a little with its index
 * (as real packs' rows do), so that texts of different lengths use slightly different styles.
 */
export function tinyVoicePack(speaker: VoiceControls, seed = 1): Float32Array {
  const u = [inverse(F0_RANGE, speaker.f0Hz), inverse(TRACT_RANGE, speaker.tract), inverse(F2_RANGE, speaker.f2), speaker.brightness].map(
    (g) => logit(Math.min(0.999, Math.max(0.001, g))) / GAIN,
  );
  const spread = [0.3, -0.1, 0.2, -0.4];
  const pack = new Float32Array(ROWS * STYLE_DIM);
  let state = (seed * 2654435761) >>> 0;
  const noise = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 1.2;
  };
  const base = Float32Array.from({ length: STYLE_DIM }, noise);
  for (let r = 0; r < ROWS; r++) {
    const drift = 0.03 * Math.sin(r / 40 + seed);
    for (let d = 0; d < STYLE_DIM; d++) {
      const c = d >> 2;
      pack[r * STYLE_DIM + d] = c < 4 ? u[c]! + spread[d & 3]! + drift : base[d]! + 2 * drift;
    }
  }
  return pack;
}

/** The speakers' packs as the cloner sees installed builtin packs (hash: SHA-256 of the tensor's bytes). */
export function tinyVoicePacks(speakers: readonly TinySpeaker[] = TINY_VOICE_SPEAKERS): KokoroPack[] {
  return speakers.map((s, i) => {
    const tensor = tinyVoicePack(s, i + 1);
    return { name: s.name, language: s.language, gender: s.gender, hash: tensorHash(tensor), tensor };
  });
}

export function tensorHash(tensor: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength)).digest('hex');
}

/** Lays out a Kokoro model directory as the server reads it: `<dir>/<variant>` and `<dir>/voices/<name>.bin`. */
export function installTinyKokoroVoice(dir: string, packs: readonly KokoroPack[] = tinyVoicePacks(), variant = 'model_quantized.onnx'): string {
  mkdirSync(join(dir, 'voices'), { recursive: true });
  writeFileSync(join(dir, variant), makeTinyKokoroVoiceModel());
  for (const p of packs) writeFileSync(join(dir, 'voices', `${p.name}.bin`), toBin(p.tensor));
  return join(dir, variant);
}

/** Renders through the real engine path (InProcessRenderer → KokoroEngine → the model), counting and logging. */
export interface TinyVoiceRenderer {
  render(tensor: Float32Array, text: string, signal?: AbortSignal): Promise<Float32Array>;
  /** Every text rendered, in order. */
  readonly texts: string[];
  close(): Promise<void>;
}

/** A renderer over a model directory laid out by `installTinyKokoroVoice`. */
export function tinyVoiceRenderer(dir: string, variant = 'model_quantized.onnx'): TinyVoiceRenderer {
  const renderer = new InProcessRenderer(createEngines({ modelDir: dir, modelVariant: variant, onnxThreads: 1 }));
  const texts: string[] = [];
  return {
    texts,
    async render(tensor, text, signal) {
      signal?.throwIfAborted();
      texts.push(text);
      return int16ToFloat(await renderer.render({ text, voice: { engine: 'kokoro', tensor }, speed: 1, language: 'en-us' }));
    },
    close: () => renderer.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// The phoneme table: per id, F1–F4 of a neutral adult tract (before the tract and F2 controls),
// how much voicing and how much frication noise it has. Vowel formants after Peterson & Barney
// (1952); consonants sit on a neutral schwa with less voicing.

const SCHWA = [500, 1500, 2500, 3400];
const VOWELS: Record<string, readonly number[]> = {
  i: [270, 2290, 3010, 3600], ɪ: [390, 1990, 2550, 3500], e: [480, 2000, 2600, 3500], ɛ: [530, 1840, 2480, 3500],
  æ: [660, 1720, 2410, 3400], a: [750, 1250, 2500, 3400], ɑ: [730, 1090, 2440, 3400], ɒ: [650, 950, 2400, 3300],
  ɔ: [570, 840, 2410, 3300], o: [450, 900, 2400, 3300], ʊ: [440, 1020, 2240, 3300], u: [300, 870, 2240, 3300],
  ʌ: [640, 1190, 2390, 3400], ɜ: [490, 1350, 1690, 3300], ɚ: [490, 1350, 1690, 3300], ə: SCHWA, ᵊ: SCHWA, ɐ: [600, 1300, 2450, 3400],
  ᵻ: [400, 1800, 2500, 3500], y: [280, 1900, 2400, 3400],
  // Kokoro's diphthong letters, by their first part.
  A: [480, 2000, 2600, 3500], I: [750, 1250, 2500, 3400], O: [450, 900, 2400, 3300], W: [750, 1250, 2500, 3400], Y: [570, 840, 2410, 3300],
};
/** [voicing, noise] of consonant classes. */
const CONSONANTS: readonly [string, number, number][] = [
  ['mnŋɲɴ', 0.45, 0],
  ['lɹrɾɫʎʟjwɥʋɰ', 0.55, 0],
  ['bdɡgɟɢ', 0.3, 0.05],
  ['vðzʒʑʐʝɣʁʕɦβ', 0.3, 0.05],
  ['ptkcqʔ', 0.1, 0.05],
  ['fθsʃɕʂçxχħhɸʧʦʨꭧʤʣʥ', 0.05, 0.08],
  ['ˈˌːʰʲ̃ᵝ', 0.6, 0],
];

interface PhoneTable {
  formants: Float32Array;
  voicing: Float32Array;
  noise: Float32Array;
}

function phoneTable(): PhoneTable {
  const formants = new Float32Array(N_TOKEN * FORMANTS);
  const voicing = new Float32Array(N_TOKEN);
  const noise = new Float32Array(N_TOKEN);
  for (let id = 0; id < N_TOKEN; id++) formants.set([...SCHWA, F5_HZ], id * FORMANTS);
  for (const [symbol, id] of KOKORO_VOCAB) {
    // The pad, punctuation and the space (ids below 17) stay silent: pauses.
    if (id < 17) continue;
    const vowel = VOWELS[symbol];
    const consonant = CONSONANTS.find(([symbols]) => symbols.includes(symbol));
    if (vowel) formants.set([...vowel, F5_HZ], id * FORMANTS);
    // Anything else the vocab has (other scripts' letters, tone marks) speaks as a soft vowel.
    [voicing[id], noise[id]] = vowel ? [1, 0] : consonant ? [consonant[1], consonant[2]] : [0.8, 0];
    // A little breath on every voiced sound, as in any recording: no band of the spectrum is empty.
    noise[id]! += ASPIRATION * voicing[id]!;
  }
  return { formants, voicing, noise };
}

// ---------------------------------------------------------------------------------------------
// Model construction

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
type Attribute = InstanceType<typeof onnx.AttributeProto>;

function floats(name: string, dims: number[], values: ArrayLike<number>) {
  const data = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer) });
}

function ints(name: string, dims: number[], values: ArrayLike<number>) {
  const data = BigInt64Array.from(Array.from(values), (v) => BigInt(v));
  return onnx.TensorProto.create({ name, dims, dataType: INT64, rawData: new Uint8Array(data.buffer) });
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function intAttr(name: string, value: number): Attribute {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

function intsAttr(name: string, values: number[]): Attribute {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
}

let nodeCount = 0;
function op(opType: string, inputs: string[], output: string, attribute: Attribute[] = []) {
  return onnx.NodeProto.create({ opType, input: inputs, output: [output], name: `${output}_${nodeCount++}`, attribute });
}

/** Builds the model described at the top of this file (ir_version 8, opset 17); encoded ModelProto. */
export function makeTinyKokoroVoiceModel(): Uint8Array {
  const controlWeights = new Float32Array(STYLE_DIM * 4);
  for (let d = 0; d < 16; d++) controlWeights[d * 4 + (d >> 2)] = GAIN / 4;
  const second = [0, 1, 0, 0, 0];
  const table = phoneTable();
  const initializer = [
    floats('control_w', [STYLE_DIM, 4], controlWeights),
    ints('i0', [], [0]),
    ints('i1', [], [1]),
    ints('i2', [], [2]),
    ints('i3', [], [3]),
    ints('flat', [1], [-1]),
    ints('axes1', [1], [1]),
    ints('axes2', [1], [2]),
    ints('axes_last', [1], [-1]),
    ints('m37', [], [37]),
    ints('m7', [], [7]),
    floats('one', [], [1]),
    floats('zero', [], [0]),
    floats('half', [], [0.5]),
    floats('eps', [], [1e-9]),
    floats('f0_lo', [], [F0_RANGE[0]]),
    floats('f0_ln', [], [Math.log(F0_RANGE[1] / F0_RANGE[0])]),
    floats('tract_lo', [], [TRACT_RANGE[0]]),
    floats('tract_ln', [], [Math.log(TRACT_RANGE[1] / TRACT_RANGE[0])]),
    floats('f2_lo', [], [F2_RANGE[0]]),
    floats('f2_ln', [], [Math.log(F2_RANGE[1] / F2_RANGE[0])]),
    floats('tilt_hi', [], [1.1]),
    floats('tilt_span', [], [-0.8]),
    floats('st_step', [], [INTONATION_STEP_ST * (Math.log(2) / 12)]),
    floats('three', [], [3]),
    floats('second', [1, FORMANTS], second),
    floats('phone_formants', [N_TOKEN, FORMANTS], table.formants),
    floats('phone_voicing', [N_TOKEN], table.voicing),
    floats('phone_noise', [N_TOKEN], table.noise),
    floats('hash_t', [], [78.233]),
    floats('hash_k', [], [12.9898]),
    floats('hash_scale', [], [43758.5453]),
    floats('bandwidths', [1, 1, FORMANTS], BANDWIDTHS),
    floats('harmonics', [1, HARMONICS], Array.from({ length: HARMONICS }, (_, h) => h + 1)),
    floats('top_hz', [], [TOP_HZ]),
    floats('slot', [], [TINY_VOICE_SAMPLES_PER_ID]),
    floats('slot_min', [], [240]),
    floats('slot_max', [], [4 * TINY_VOICE_SAMPLES_PER_ID]),
    floats('two_pi_over_rate', [], [(2 * Math.PI) / RATE]),
    floats('ramp', [], [20]),
    floats('voiced_end', [], [0.97]),
  ];

  const nodes = [
    // Controls: g = σ(1.5 · group means) [1, 4], one scalar [1] each.
    op('MatMul', ['style', 'control_w'], 'u'),
    op('Sigmoid', ['u'], 'g'),
    ...['i0', 'i1', 'i2', 'i3'].map((i, c) => op('Gather', ['g', i], `g${c}`, [intAttr('axis', 1)])),
    op('Mul', ['g0', 'f0_ln'], 'f0_e'),
    op('Exp', ['f0_e'], 'f0_x'),
    op('Mul', ['f0_x', 'f0_lo'], 'f0'),
    op('Mul', ['g1', 'tract_ln'], 'tract_e'),
    op('Exp', ['tract_e'], 'tract_x'),
    op('Mul', ['tract_x', 'tract_lo'], 'tract'),
    op('Mul', ['g2', 'f2_ln'], 'f2_e'),
    op('Exp', ['f2_e'], 'f2_x'),
    op('Mul', ['f2_x', 'f2_lo'], 'f2'),
    op('Mul', ['g3', 'tilt_span'], 'tilt_d'),
    op('Add', ['tilt_d', 'tilt_hi'], 'tilt'),

    // Per id [T]: what the phoneme table says (formants [T, 4], voicing, noise) and intonation ρ.
    op('Reshape', ['input_ids', 'flat'], 'ids'),
    op('Gather', ['phone_formants', 'ids'], 'phone_f', [intAttr('axis', 0)]),
    op('Gather', ['phone_voicing', 'ids'], 'voicing'),
    op('Gather', ['phone_noise', 'ids'], 'noise_level'),
    op('Unsqueeze', ['voicing', 'axes1'], 'voicing_col'),
    op('Unsqueeze', ['noise_level', 'axes1'], 'noise_col'),
    op('Mul', ['ids', 'm37'], 'ids37'),
    op('Mod', ['ids37', 'm7'], 'rho_i'),
    op('Cast', ['rho_i'], 'rho_f', [intAttr('to', FLOAT)]),
    op('Sub', ['rho_f', 'three'], 'rho_c'),
    op('Mul', ['rho_c', 'st_step'], 'rho_e'),
    op('Exp', ['rho_e'], 'rho'),

    // Harmonic frequencies [T, H].
    op('Mul', ['rho', 'f0'], 'f0_t'),
    op('Unsqueeze', ['f0_t', 'axes1'], 'f0_col'),
    op('Mul', ['f0_col', 'harmonics'], 'freqs'),

    // Formants [T, 4]: the phoneme's, F2 scaled, all scaled by the tract.
    op('Sub', ['f2', 'one'], 'f2_m1'),
    op('Mul', ['f2_m1', 'second'], 'f2_row_d'),
    op('Add', ['f2_row_d', 'one'], 'f2_row'),
    op('Mul', ['phone_f', 'f2_row'], 'phone_f2'),
    op('Mul', ['phone_f2', 'tract'], 'formants'),
    op('Unsqueeze', ['formants', 'axes1'], 'formants_3'),

    // Vocal-tract gain at each harmonic [T, H]: a cascade of resonators,
    // Π_r F_r² / √((F_r² − f²)² + (B_r·f)²) (1 at 0 Hz, F_r/B_r at F_r).
    op('Unsqueeze', ['freqs', 'axes2'], 'freqs_3'),
    op('Mul', ['freqs_3', 'freqs_3'], 'f_sq'),
    op('Mul', ['formants_3', 'formants_3'], 'fr_sq'),
    op('Sub', ['fr_sq', 'f_sq'], 'detune'),
    op('Mul', ['detune', 'detune'], 'detune_sq'),
    op('Mul', ['freqs_3', 'bandwidths'], 'bf'),
    op('Mul', ['bf', 'bf'], 'bf_sq'),
    op('Add', ['detune_sq', 'bf_sq'], 'den_sq'),
    op('Sqrt', ['den_sq'], 'den'),
    op('Div', ['fr_sq', 'den'], 'resonance'),
    op('ReduceProd', ['resonance'], 'envelope', [intAttr('keepdims', 0), intsAttr('axes', [2])]),
    // Source and radiation: harmonic h weighted by h^−tilt; nothing above 7.5 kHz.
    op('Neg', ['tilt'], 'neg_tilt'),
    op('Pow', ['harmonics', 'neg_tilt'], 'tilt_w'),
    op('Mul', ['envelope', 'tilt_w'], 'weights_raw'),
    op('Less', ['freqs', 'top_hz'], 'below_b'),
    op('Cast', ['below_b'], 'below', [intAttr('to', FLOAT)]),
    op('Mul', ['weights_raw', 'below'], 'weights_cut'),
    op('ReduceSum', ['weights_cut', 'axes1'], 'weights_sum', [intAttr('keepdims', 1)]),
    op('Add', ['weights_sum', 'eps'], 'weights_den'),
    op('Div', ['weights_cut', 'weights_den'], 'weights_n'),
    op('Mul', ['weights_n', 'half'], 'weights'),
    op('Unsqueeze', ['weights', 'axes1'], 'weights_row'), // [T, 1, H]

    // The slot: 2400/speed samples, 240–9600; k = 0…slot−1; the trapezoid envelope over k/slot.
    op('Div', ['slot', 'speed'], 'slot_raw'),
    op('Floor', ['slot_raw'], 'slot_floor'),
    op('Clip', ['slot_floor', 'slot_min', 'slot_max'], 'slot_len_1'),
    op('Reshape', ['slot_len_1', 'flat'], 'slot_len_v'),
    op('Gather', ['slot_len_v', 'i0'], 'slot_len', [intAttr('axis', 0)]),
    op('Range', ['zero', 'slot_len', 'one'], 'k'),
    op('Div', ['k', 'slot_len'], 'x'),
    op('Mul', ['x', 'ramp'], 'rise'),
    op('Sub', ['voiced_end', 'x'], 'left'),
    op('Mul', ['left', 'ramp'], 'fall'),
    op('Min', ['rise', 'fall'], 'trap'),
    op('Clip', ['trap', 'zero', 'one'], 'env'),

    // Harmonics: sin(2π · f · k / rate) [T, H, S], weighted and summed by MatMul → [T, 1, S].
    op('Mul', ['k', 'two_pi_over_rate'], 'omega_t'),
    op('Unsqueeze', ['freqs', 'axes_last'], 'freqs_col'), // [T, H, 1]
    op('Mul', ['freqs_col', 'omega_t'], 'phase'),
    op('Sin', ['phase'], 'partials'),
    op('MatMul', ['weights_row', 'partials'], 'voice_3'),
    op('Squeeze', ['voice_3', 'axes1'], 'voice_ts'), // [T, S]
    op('Mul', ['voice_ts', 'voicing_col'], 'voiced_part'),
    // Frication: deterministic noise frac(sin(12.9898·k + 78.233·t)·43758.5) in [−0.5, 0.5) [T, S].
    op('Shape', ['ids'], 'ids_shape'),
    op('Gather', ['ids_shape', 'i0'], 't_count_i', [intAttr('axis', 0)]),
    op('Cast', ['t_count_i'], 't_count', [intAttr('to', FLOAT)]),
    op('Add', ['t_count', 'one'], 't_count_p1'),
    op('Range', ['one', 't_count_p1', 'one'], 't_pos'),
    op('Unsqueeze', ['t_pos', 'axes1'], 't_col'),
    op('Mul', ['t_col', 'hash_t'], 'hash_tt'),
    op('Mul', ['k', 'hash_k'], 'hash_kk'),
    op('Add', ['hash_tt', 'hash_kk'], 'hash_arg'),
    op('Sin', ['hash_arg'], 'hash_sin'),
    op('Mul', ['hash_sin', 'hash_scale'], 'hash_big'),
    op('Floor', ['hash_big'], 'hash_floor'),
    op('Sub', ['hash_big', 'hash_floor'], 'hash_frac'),
    op('Sub', ['hash_frac', 'half'], 'noise'),
    op('Mul', ['noise', 'noise_col'], 'noise_part'),
    op('Add', ['voiced_part', 'noise_part'], 'phones'),
    op('Mul', ['phones', 'env'], 'shaped'),
    op('Reshape', ['shaped', 'flat'], 'waveform'),
  ];

  const graph = onnx.GraphProto.create({
    name: 'tiny_kokoro_voice',
    node: nodes,
    initializer,
    input: [valueInfo('input_ids', INT64, [1, 'T']), valueInfo('style', FLOAT, [1, STYLE_DIM]), valueInfo('speed', FLOAT, [1])],
    output: [valueInfo('waveform', FLOAT, ['N'])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'litetts-tiny-kokoro-voice',
    producerVersion: '1',
    graph,
    docString: 'Tiny Kokoro-shaped test model that speaks like a voice; src/test-support/tiny-kokoro-voice.ts documents it.',
  });
  return onnx.ModelProto.encode(model).finish();
}
