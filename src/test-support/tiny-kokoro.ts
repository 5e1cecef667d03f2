/**
 * A tiny ONNX model with Kokoro-82M's signature, for tests (real weights cannot be downloaded here).
 *
 * Inputs and output are those of the real exports:
 *   - ids    int64   [1, T]   named `input_ids` (onnx-community) or `tokens` (kokoro-onnx)
 *   - style  float32 [1, 256] named `style`
 *   - speed  float32 [1]      named `speed`
 *   - output float32 [N] or [1, N], named `waveform` (onnx-community) or `audio` (kokoro-onnx)
 *
 * THE WAVEFORM FORMULA (`decodeTinyWaveform` inverts it):
 *
 *   N = 240·T: id t ∈ [0, T) gets one segment of 240 samples (10 ms at 24 kHz), in input order.
 *   Sample k (0 ≤ k < 240) of segment t is  x[240·t + k] = c[k] · A(t, k)  where
 *
 *     c[k] = (+1, −1, −1, +1)[k mod 4]            (√2·cos(π·k/2 + π/4): a 6 kHz tone at its crests)
 *
 *     A(t, k) = 0.125 + ids[t] / 1024                       for   0 ≤ k <  60   (the id block)
 *               0.25  + style[(120·t + k − 60) mod 256] / 8  for  60 ≤ k < 180   (the style block)
 *               0.125 + speed / 8                           for 180 ≤ k < 240   (the speed block)
 *
 *   So the style blocks of consecutive segments carry the style vector cyclically, 120 values per
 *   segment: any T ≥ 3 (Kokoro's shortest real input, [0, id, 0]) carries all 256 values, T = 2 the
 *   first 240, T = 1 the first 120. Inverses:
 *     ids[t]   = (x[240t + k]·c[k] − 0.125) · 1024   (exact: multiples of 1/1024 are exact in float32)
 *     style[i] = (x·c − 0.25) · 8                      (to within ~1.2e-7, float32 rounding of the sum)
 *     speed    = (x·c − 0.125) · 8                     (to within ~1.2e-7)
 *   Rows of the official voice packs differ from their neighbours by ≥ 3e-5 in some dimension, so
 *   the decoded vector identifies the row (see `closestStyleRow`).
 *
 * Why it survives later processing: for Kokoro ids (0–177), speeds 0.25–4 and real style values
 * (−1.6…1.8), every sample's magnitude lies between ~0.05 and 0.63, and the first and last samples
 * of the waveform (id block of the first id, speed block of the last) are ≥ 0.125 with the peak
 * ≤ 0.63: trimming leading/trailing silence at any threshold below ~20 % of the peak (−14 dB)
 * removes nothing, and the output stays inside [−1, 1]. At 24 kHz nothing is resampled.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Samples per input id (10 ms at 24 kHz). */
export const TINY_SAMPLES_PER_ID = 240;
const ID_END = 60;
const STYLE_END = 180;
const STYLE_PER_SEGMENT = STYLE_END - ID_END; // 120
const STYLE_DIM = 256;
const CARRIER = [1, -1, -1, 1] as const;
const ID_OFFSET = 0.125;
const ID_SCALE = 1 / 1024;
const STYLE_OFFSET = 0.25;
const STYLE_SCALE = 1 / 8;
const SPEED_OFFSET = 0.125;
const SPEED_SCALE = 1 / 8;

export interface TinyKokoroOptions {
  /** Naming convention of the inputs/outputs (default 'onnx-community'). */
  names?: 'onnx-community' | 'kokoro-onnx';
  /** Rank of the output: [N] (1, default) or [1, N] (2). */
  outputRank?: 1 | 2;
  /** Overrides of individual names, to build deliberately wrong models. */
  rename?: { ids?: string; style?: string; speed?: string; output?: string };
}

/** The carrier value for sample k of a segment. */
export function tinyCarrier(k: number): number {
  return CARRIER[k % 4]!;
}

export interface TinyWaveformEvidence {
  /** The ids, in order, one per 240-sample segment. */
  ids: number[];
  /** The style vector (256 values); NaN where a short input (T < 3) did not carry a dimension. */
  style: Float32Array;
  /** How many of the 256 style dimensions the waveform carried. */
  styleCoverage: number;
  speed: number;
}

/**
 * Inverts the formula above. Each value is the median of its decodings (every sample of its block,
 * across segments for style and speed), so a few disturbed samples do not change it. Throws when
 * the length is not a positive multiple of 240 or an id block does not encode an integer.
 */
export function decodeTinyWaveform(waveform: Float32Array, options: { idTolerance?: number } = {}): TinyWaveformEvidence {
  // Exact float32 output decodes ids to within 1e-3; audio that went through 16-bit PCM to within ~0.02.
  const idTolerance = options.idTolerance ?? 1e-3;
  const n = waveform.length;
  if (n === 0 || n % TINY_SAMPLES_PER_ID !== 0) {
    throw new Error(`tiny Kokoro waveform length ${n} is not a positive multiple of ${TINY_SAMPLES_PER_ID}`);
  }
  const segments = n / TINY_SAMPLES_PER_ID;
  const ids: number[] = [];
  const styleValues: number[][] = Array.from({ length: STYLE_DIM }, () => []);
  const speeds: number[] = [];
  for (let t = 0; t < segments; t++) {
    const base = t * TINY_SAMPLES_PER_ID;
    const idAmps: number[] = [];
    for (let k = 0; k < TINY_SAMPLES_PER_ID; k++) {
      const a = waveform[base + k]! * tinyCarrier(k);
      if (k < ID_END) idAmps.push(a);
      else if (k < STYLE_END) styleValues[(STYLE_PER_SEGMENT * t + k - ID_END) % STYLE_DIM]!.push((a - STYLE_OFFSET) / STYLE_SCALE);
      else speeds.push((a - SPEED_OFFSET) / SPEED_SCALE);
    }
    const idValue = (median(idAmps) - ID_OFFSET) / ID_SCALE;
    const id = Math.round(idValue);
    if (!(Math.abs(idValue - id) <= idTolerance)) throw new Error(`segment ${t} does not encode an integer id (${idValue})`);
    ids.push(id);
  }
  const style = new Float32Array(STYLE_DIM).fill(Number.NaN);
  let styleCoverage = 0;
  styleValues.forEach((values, i) => {
    if (values.length === 0) return;
    style[i] = median(values);
    styleCoverage++;
  });
  return { ids, style, styleCoverage, speed: median(speeds) };
}

/** The largest absolute difference between two style vectors (NaN entries of `decoded` are skipped). */
export function styleMaxAbsDiff(decoded: Float32Array, expected: ArrayLike<number>): number {
  if (decoded.length !== expected.length) throw new Error(`style lengths differ: ${decoded.length} vs ${expected.length}`);
  let max = 0;
  for (let i = 0; i < decoded.length; i++) {
    const d = decoded[i]!;
    if (!Number.isNaN(d)) max = Math.max(max, Math.abs(d - expected[i]!));
  }
  return max;
}

/**
 * The row of a voice pack (rows × 256 float32, e.g. 510 × 256) nearest to a decoded style vector,
 * with its distance (max abs difference) and the runner-up's, so a test can assert the match is
 * unambiguous (distance ≲ 1e-6, runner-up far larger).
 */
export function closestStyleRow(decoded: Float32Array, pack: Float32Array): { row: number; distance: number; runnerUp: number } {
  if (pack.length % STYLE_DIM !== 0) throw new Error(`pack length ${pack.length} is not a multiple of ${STYLE_DIM}`);
  let row = -1;
  let distance = Infinity;
  let runnerUp = Infinity;
  for (let r = 0; r < pack.length / STYLE_DIM; r++) {
    const d = styleMaxAbsDiff(decoded, pack.subarray(r * STYLE_DIM, (r + 1) * STYLE_DIM));
    if (d < distance) {
      runnerUp = distance;
      distance = d;
      row = r;
    } else if (d < runnerUp) runnerUp = d;
  }
  return { row, distance, runnerUp };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The waveform the tiny model produces, computed in JS with the model's float32 roundings. */
export function expectedTinyWaveform(ids: ArrayLike<number | bigint>, style: Float32Array, speed: number): Float32Array {
  if (style.length !== STYLE_DIM) throw new Error(`style must have ${STYLE_DIM} values, got ${style.length}`);
  const out = new Float32Array(ids.length * TINY_SAMPLES_PER_ID);
  const aSpeed = Math.fround(SPEED_OFFSET + Math.fround(speed) * SPEED_SCALE);
  for (let t = 0; t < ids.length; t++) {
    const aId = Math.fround(ID_OFFSET + Number(ids[t]!) * ID_SCALE);
    for (let k = 0; k < TINY_SAMPLES_PER_ID; k++) {
      let a: number;
      if (k < ID_END) a = aId;
      else if (k < STYLE_END) a = Math.fround(STYLE_OFFSET + style[(STYLE_PER_SEGMENT * t + k - ID_END) % STYLE_DIM]! * STYLE_SCALE);
      else a = aSpeed;
      out[t * TINY_SAMPLES_PER_ID + k] = tinyCarrier(k) * a;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Model construction

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

type TensorProto = InstanceType<typeof onnx.TensorProto>;

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer) });
}

function int64Tensor(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  const data = BigInt64Array.from(Array.from(values), (v) => BigInt(v));
  return onnx.TensorProto.create({ name, dims, dataType: INT64, rawData: new Uint8Array(data.buffer) });
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function node(opType: string, inputs: string[], outputs: string[], attribute: InstanceType<typeof onnx.AttributeProto>[] = []) {
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: outputs[0] ?? opType, attribute });
}

function intAttribute(name: string, value: number): InstanceType<typeof onnx.AttributeProto> {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

function carrierRow(length: number): number[] {
  return Array.from({ length }, (_, k) => tinyCarrier(k));
}

/**
 * Builds the tiny model (ir_version 8, opset 17; see the formula at the top of this file) and
 * returns its encoded ModelProto: 24 nodes, ~3.6 KB.
 */
export function makeTinyKokoroModel(options: TinyKokoroOptions = {}): Uint8Array {
  const kokoroOnnx = options.names === 'kokoro-onnx';
  const rank = options.outputRank ?? 1;
  const idsName = options.rename?.ids ?? (kokoroOnnx ? 'tokens' : 'input_ids');
  const styleName = options.rename?.style ?? 'style';
  const speedName = options.rename?.speed ?? 'speed';
  const outName = options.rename?.output ?? (kokoroOnnx ? 'audio' : 'waveform');

  const initializer = [
    int64Tensor('col_shape', [2], [-1, 1]),
    int64Tensor('flat_shape', [1], [-1]),
    int64Tensor('axis_one', [1], [1]),
    int64Tensor('i_zero', [], [0]),
    int64Tensor('i_one', [], [1]),
    int64Tensor('i_style_per_segment', [], [STYLE_PER_SEGMENT]),
    int64Tensor('i_style_dim', [], [STYLE_DIM]),
    int64Tensor('j_row', [1, STYLE_PER_SEGMENT], Array.from({ length: STYLE_PER_SEGMENT }, (_, j) => j)),
    floatTensor('id_scale', [], [ID_SCALE]),
    floatTensor('id_offset', [], [ID_OFFSET]),
    floatTensor('style_scale', [], [STYLE_SCALE]),
    floatTensor('style_offset', [], [STYLE_OFFSET]),
    floatTensor('speed_scale', [], [SPEED_SCALE]),
    floatTensor('speed_offset', [], [SPEED_OFFSET]),
    floatTensor('carrier_60', [1, ID_END], carrierRow(ID_END)),
    floatTensor('carrier_120', [1, STYLE_PER_SEGMENT], carrierRow(STYLE_PER_SEGMENT)),
    int64Tensor('out_shape', [rank], rank === 1 ? [-1] : [1, -1]),
  ];

  const nodes = [
    // Id block: A = 0.125 + id/1024 per id, as a column [T, 1], times the carrier → [T, 60].
    node('Cast', [idsName], ['ids_f'], [intAttribute('to', FLOAT)]),
    node('Reshape', ['ids_f', 'col_shape'], ['ids_col']),
    node('Mul', ['ids_col', 'id_scale'], ['ids_scaled']),
    node('Add', ['ids_scaled', 'id_offset'], ['a_id']),
    node('Mul', ['a_id', 'carrier_60'], ['part_id']),
    // Style block: index (120·t + j) mod 256 for t < T, j < 120 → gather → [T, 120].
    node('Shape', [idsName], ['ids_shape']),
    node('Gather', ['ids_shape', 'i_one'], ['t_count'], [intAttribute('axis', 0)]),
    node('Range', ['i_zero', 't_count', 'i_one'], ['t_range']),
    node('Unsqueeze', ['t_range', 'axis_one'], ['t_col']),
    node('Mul', ['t_col', 'i_style_per_segment'], ['t_base']),
    node('Add', ['t_base', 'j_row'], ['style_pos']),
    node('Mod', ['style_pos', 'i_style_dim'], ['style_idx']),
    node('Reshape', [styleName, 'flat_shape'], ['style_flat']),
    node('Gather', ['style_flat', 'style_idx'], ['style_vals'], [intAttribute('axis', 0)]),
    node('Mul', ['style_vals', 'style_scale'], ['style_scaled']),
    node('Add', ['style_scaled', 'style_offset'], ['a_style']),
    node('Mul', ['a_style', 'carrier_120'], ['part_style']),
    // Speed block: A = 0.125 + speed/8, times the carrier, expanded to every segment → [T, 60].
    node('Mul', [speedName, 'speed_scale'], ['speed_scaled']),
    node('Add', ['speed_scaled', 'speed_offset'], ['a_speed']),
    node('Mul', ['a_speed', 'carrier_60'], ['speed_row']),
    node('Shape', ['part_id'], ['part_shape']),
    node('Expand', ['speed_row', 'part_shape'], ['part_speed']),
    // Segments side by side, then flattened to [N] or [1, N].
    node('Concat', ['part_id', 'part_style', 'part_speed'], ['segments'], [intAttribute('axis', 1)]),
    node('Reshape', ['segments', 'out_shape'], [outName]),
  ];

  const graph = onnx.GraphProto.create({
    name: 'tiny_kokoro',
    node: nodes,
    initializer,
    input: [valueInfo(idsName, INT64, [1, 'T']), valueInfo(styleName, FLOAT, [1, STYLE_DIM]), valueInfo(speedName, FLOAT, [1])],
    output: [valueInfo(outName, FLOAT, rank === 1 ? ['N'] : [1, 'N'])],
  });

  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'litetts-tiny-kokoro',
    producerVersion: '1',
    graph,
    docString: 'Tiny Kokoro-shaped test model; src/test-support/tiny-kokoro.ts documents the exact waveform formula.',
  });
  return onnx.ModelProto.encode(model).finish();
}
