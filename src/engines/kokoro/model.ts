/**
 * The Kokoro-82M ONNX model, run with onnxruntime-node on the CPU.
 *
 * Inputs: the ids int64 [1, T] (`input_ids` in the onnx-community export, `tokens` in kokoro-onnx's),
 * `style` float32 [1, 256] and `speed` float32 [1]; output: the waveform float32 [N] or [1, N] at
 * 24 kHz (`waveform`, or `audio` in kokoro-onnx's export). The names are read from the session.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';

/** The length of a style vector (one row of a voice pack). */
export const KOKORO_STYLE_DIM = 256;
/** The most ids one run accepts: 510 phoneme tokens plus the two 0 pads. */
export const KOKORO_MAX_IDS = 512;
/** The model's output rate. */
export const KOKORO_MODEL_SAMPLE_RATE = 24_000;

export interface KokoroModelOptions {
  /** Threads inside one operator; 0 or absent: onnxruntime's default (one per core). */
  intraOpThreads?: number;
  /** Threads across operators; 0 or absent: onnxruntime's default. */
  interOpThreads?: number;
}

/** The session's input and output names the model is run with. */
export interface KokoroIoNames {
  ids: string;
  style: string;
  speed: string;
  waveform: string;
}

const ID_INPUTS = ['input_ids', 'tokens'] as const;
const WAVEFORM_OUTPUTS = ['waveform', 'audio'] as const;
const EXPECTED = 'inputs input_ids (or tokens), style, speed and an output waveform (or audio)';

export class KokoroModel {
  #session: InferenceSession | null;

  private constructor(
    session: InferenceSession,
    /** The file the model was loaded from. */
    readonly path: string,
    /** The names used to feed and read the session. */
    readonly names: Readonly<KokoroIoNames>,
  ) {
    this.#session = session;
  }

  /** Loads the model on the CPU execution provider; rejects files that do not have Kokoro's inputs and output. */
  static async load(path: string, options: KokoroModelOptions = {}): Promise<KokoroModel> {
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
    };
    const intra = threadCount('intraOpThreads', options.intraOpThreads);
    const inter = threadCount('interOpThreads', options.interOpThreads);
    if (intra !== undefined) sessionOptions.intraOpNumThreads = intra;
    if (inter !== undefined) sessionOptions.interOpNumThreads = inter;

    let session: InferenceSession;
    try {
      session = await InferenceSession.create(path, sessionOptions);
    } catch (err) {
      throw new Error(`Cannot load the Kokoro model ${path}: ${messageOf(err)}`, { cause: err });
    }
    try {
      return new KokoroModel(session, path, resolveNames(session, path));
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Runs the model once. `ids` is the whole sequence, pads included ([0, …phoneme ids, 0], at most
   * 512); `style` the voice pack's row for it (256 values); `speed` the pace (1 = natural).
   * Returns the waveform at 24 kHz as one flat array, whatever the output's rank.
   */
  async run(ids: BigInt64Array, style: Float32Array, speed: number): Promise<Float32Array> {
    const session = this.#session;
    if (session === null) throw new Error('The Kokoro model has been released');
    if (!(ids instanceof BigInt64Array)) throw new TypeError('Kokoro ids must be a BigInt64Array');
    if (ids.length === 0) throw new RangeError('Kokoro input has no ids; it needs at least the pads [0, 0]');
    if (ids.length > KOKORO_MAX_IDS) {
      throw new RangeError(
        `Kokoro input has ${ids.length} ids; the model accepts at most ${KOKORO_MAX_IDS} (${KOKORO_MAX_IDS - 2} phoneme tokens and the two 0 pads)`,
      );
    }
    if (!(style instanceof Float32Array)) throw new TypeError('Kokoro style must be a Float32Array');
    if (style.length !== KOKORO_STYLE_DIM) {
      throw new RangeError(`Kokoro style vector has ${style.length} values; the model expects ${KOKORO_STYLE_DIM} (one voice pack row)`);
    }
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`Kokoro speed must be a positive finite number, got ${speed}`);

    const feeds: Record<string, Tensor> = {
      [this.names.ids]: new Tensor('int64', ids, [1, ids.length]),
      [this.names.style]: new Tensor('float32', style, [1, KOKORO_STYLE_DIM]),
      [this.names.speed]: new Tensor('float32', Float32Array.of(speed), [1]),
    };
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds, [this.names.waveform]);
    } catch (err) {
      throw new Error(`Kokoro inference failed for ${ids.length} ids: ${messageOf(err)}`, { cause: err });
    }
    const out = results[this.names.waveform];
    if (out === undefined) throw new Error(`The Kokoro model returned no '${this.names.waveform}' output`);
    if (out.type !== 'float32' || !(out.data instanceof Float32Array)) {
      throw new Error(`The Kokoro model's '${this.names.waveform}' output is ${out.type}, expected float32`);
    }
    const count = out.dims.reduce((a, b) => a * b, 1);
    if (count !== out.data.length) {
      throw new Error(`The Kokoro model's output has dims [${out.dims.join(', ')}] but ${out.data.length} values`);
    }
    return out.data;
  }

  /** Whether `release()` has been called. */
  get released(): boolean {
    return this.#session === null;
  }

  /** Frees the session; later runs fail. Safe to call more than once. */
  async release(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (session !== null) await session.release();
  }
}

function threadCount(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value === 0 ? undefined : value;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Picks Kokoro's names among the session's, and checks their element types where the session reports them. */
function resolveNames(session: InferenceSession, path: string): KokoroIoNames {
  const inputs = session.inputNames;
  const outputs = session.outputNames;
  const found = `found inputs [${inputs.join(', ')}] and outputs [${outputs.join(', ')}]`;
  const fail = (why: string): never => {
    throw new Error(`${path} is not a Kokoro model (${why}): expected ${EXPECTED}; ${found}`);
  };

  const idNames = ID_INPUTS.filter((n) => inputs.includes(n));
  if (idNames.length === 0) fail('no ids input');
  if (idNames.length > 1) fail('both input_ids and tokens');
  if (!inputs.includes('style')) fail('no style input');
  if (!inputs.includes('speed')) fail('no speed input');
  const extra = inputs.filter((n) => n !== idNames[0] && n !== 'style' && n !== 'speed');
  if (extra.length > 0) fail(`unexpected input${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
  const outNames = WAVEFORM_OUTPUTS.filter((n) => outputs.includes(n));
  if (outNames.length === 0) fail('no waveform output');
  if (outNames.length > 1) fail('both waveform and audio outputs');
  const names: KokoroIoNames = { ids: idNames[0]!, style: 'style', speed: 'speed', waveform: outNames[0]! };

  const typeOf = (meta: readonly InferenceSession.ValueMetadata[], name: string): string | undefined => {
    const m = meta.find((v) => v.name === name);
    if (m === undefined) return undefined;
    return m.isTensor ? m.type : 'a non-tensor';
  };
  const check = (kind: 'input' | 'output', name: string, wanted: string): void => {
    let type: string | undefined;
    try {
      type = typeOf(kind === 'input' ? session.inputMetadata : session.outputMetadata, name);
    } catch {
      return; // metadata unavailable: the run itself will tell
    }
    if (type !== undefined && type !== wanted) fail(`${kind} ${name} is ${type}, not ${wanted}`);
  };
  check('input', names.ids, 'int64');
  check('input', names.style, 'float32');
  check('input', names.speed, 'float32');
  check('output', names.waveform, 'float32');
  return names;
}
