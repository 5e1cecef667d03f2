/**
 * A pluggable speaker-embedding model (setting `speakerModel`, LITETTS_SPEAKER_MODEL): an ONNX
 * export of a neural speaker encoder such as WeSpeaker's ResNet/ECAPA-TDNN or 3D-Speaker's CAM++,
 * run on the CPU with onnxruntime. Its embeddings' cosine joins (or replaces) the hand-made score
 * in `similarity` (scorer.ts).
 *
 * What the model must look like:
 * - one float32 input of shape (batch, frames, 80): log mel filterbank frames of 16 kHz audio;
 * - its first output float32, (batch, D), (batch, 1, D) or (D): the embedding (any D ≥ 1).
 *
 * What it is fed (`embeddingFbank`), Kaldi's `compute-fbank` as torchaudio's `kaldi.fbank` does it
 * in WeSpeaker and 3D-Speaker: the recording resampled to 16 kHz and scaled to the int16 range
 * (×32768), 25 ms frames every 10 ms (snip edges, no dither), per-frame DC removal, pre-emphasis
 * 0.97, a Hamming window (WeSpeaker's choice; 3D-Speaker keeps Kaldi's Povey window), 512-point
 * FFT power, 80 triangular mel filters from 20 Hz to 8 kHz, natural log; then the mean over time
 * is subtracted from every frame (cepstral mean normalisation). Every frame is used, silence
 * included, as those toolkits' own front ends do. Batch 1.
 *
 * A JSON file next to the model, `<model>.calibration.json`, may say how its cosine maps to the
 * score and which window it wants: `{ "threshold": 0.32, "slope": 12, "weight": 0.8,
 * "window": "povey" }` (`scripts/tune-scorer.ts --speaker-model <model>` writes one from the
 * tuning readers). Without it: threshold 0.5, slope 10, weight 1 (the model's score replaces the
 * hand-made one), Hamming window — a guess, not a measurement.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { errors } from '../errors.js';
import { fbank, type FbankWindow } from './mel.js';
import { at16k, normaliseInPlace, speakerFeatures, type EmbeddingCalibration, type SpeakerFeatures } from './scorer.js';

export const EMBEDDING_BINS = 80;
export const EMBEDDING_RATE = 16_000;
/** Fewer fbank frames than this (0.1 s) give no embedding. */
export const MIN_EMBEDDING_FRAMES = 10;

export const DEFAULT_EMBEDDING_CALIBRATION: Readonly<EmbeddingCalibration> = Object.freeze({ threshold: 0.5, slope: 10, weight: 1 });

const sidecarSchema = z
  .object({
    threshold: z.number().min(-1).max(1),
    slope: z.number().positive().max(1000),
    weight: z.number().min(0).max(1),
    window: z.enum(['hamming', 'povey']).optional(),
    tuning: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export function calibrationPathFor(modelPath: string): string {
  return `${modelPath}.calibration.json`;
}

/** The model's input for 16 kHz `samples`: frames × 80, row-major, mean over time removed. */
export function embeddingFbank(samples: Float32Array, window: FbankWindow = 'hamming'): { frames: number; data: Float32Array } {
  const fb = fbank(samples, { sampleRate: EMBEDDING_RATE, bins: EMBEDDING_BINS, lowHz: 20, highHz: EMBEDDING_RATE / 2, scale: 32768, window });
  const data = fb.logMel;
  const mean = new Float64Array(EMBEDDING_BINS);
  for (let t = 0; t < fb.frames; t++) for (let m = 0; m < EMBEDDING_BINS; m++) mean[m]! += data[t * EMBEDDING_BINS + m]!;
  for (let m = 0; m < EMBEDDING_BINS; m++) mean[m]! /= Math.max(1, fb.frames);
  for (let t = 0; t < fb.frames; t++) for (let m = 0; m < EMBEDDING_BINS; m++) data[t * EMBEDDING_BINS + m]! -= mean[m]!;
  return { frames: fb.frames, data };
}

export interface SpeakerModelOptions {
  /** Overrides the calibration file (and the default). */
  calibration?: EmbeddingCalibration;
  /** onnxruntime intra-op threads; 0 or absent: its default. */
  threads?: number;
}

export class SpeakerEmbeddingModel {
  #session: InferenceSession | null;

  private constructor(
    session: InferenceSession,
    readonly path: string,
    /** A digest of the model file: what `SpeakerEmbedding.model` holds. */
    readonly id: string,
    readonly calibration: Readonly<EmbeddingCalibration>,
    readonly window: FbankWindow,
    readonly inputName: string,
    readonly outputName: string,
  ) {
    this.#session = session;
  }

  /** Loads and checks the model (and its calibration file, if any); throws `speaker_model_unusable`. */
  static async load(path: string, options: SpeakerModelOptions = {}): Promise<SpeakerEmbeddingModel> {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw errors.speakerModelUnusable(path, `cannot read it (${messageOf(err)})`);
    }
    const sidecar = readSidecar(path);
    const calibration = options.calibration ?? (sidecar ? { threshold: sidecar.threshold, slope: sidecar.slope, weight: sidecar.weight } : { ...DEFAULT_EMBEDDING_CALIBRATION });
    const sessionOptions: InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
    if (options.threads) sessionOptions.intraOpNumThreads = options.threads;
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, sessionOptions);
    } catch (err) {
      throw errors.speakerModelUnusable(path, `not a loadable ONNX model (${messageOf(err)})`);
    }
    try {
      const { input, output } = checkSignature(session, path);
      const id = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      return new SpeakerEmbeddingModel(session, path, id, Object.freeze(calibration), sidecar?.window ?? 'hamming', input, output);
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /** The embedding of mono `samples` at `sampleRate`, unit length; null when shorter than `MIN_EMBEDDING_FRAMES` frames. */
  async embed(samples: Float32Array, sampleRate: number): Promise<Float32Array | null> {
    const session = this.#session;
    if (session === null) throw new Error('The speaker model has been released');
    const { frames, data } = embeddingFbank(at16k(samples, sampleRate), this.window);
    if (frames < MIN_EMBEDDING_FRAMES) return null;
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await session.run({ [this.inputName]: new Tensor('float32', data, [1, frames, EMBEDDING_BINS]) }, [this.outputName]);
    } catch (err) {
      throw errors.speakerModelUnusable(this.path, `inference failed (${messageOf(err)})`);
    }
    const out = results[this.outputName];
    if (!out || out.type !== 'float32' || !(out.data instanceof Float32Array)) {
      throw errors.speakerModelUnusable(this.path, `its output '${this.outputName}' is ${out?.type ?? 'missing'}, not float32`);
    }
    const dims = out.dims;
    const batchOne = dims.length === 1 || (dims[0] === 1 && dims.slice(1, -1).every((d) => d === 1));
    if (!batchOne || out.data.length === 0) throw errors.speakerModelUnusable(this.path, `its output has shape [${dims.join(', ')}], expected (1, D)`);
    const vector = Float32Array.from(out.data);
    if (!vector.every(Number.isFinite) || !vector.some((v) => v !== 0)) throw errors.speakerModelUnusable(this.path, 'its embedding is zero or not finite');
    normaliseInPlace(vector);
    return vector;
  }

  /** The hand-made features with this model's embedding attached (when there is enough audio for one). */
  async speakerFeatures(samples: Float32Array, sampleRate: number): Promise<SpeakerFeatures> {
    const features = speakerFeatures(samples, sampleRate);
    const vector = await this.embed(samples, sampleRate);
    if (vector) features.embedding = { model: this.id, vector, calibration: this.calibration };
    return features;
  }

  get released(): boolean {
    return this.#session === null;
  }

  async release(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (session !== null) await session.release();
  }
}

function readSidecar(modelPath: string): z.infer<typeof sidecarSchema> | null {
  const path = calibrationPathFor(modelPath);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw errors.speakerModelUnusable(modelPath, `its calibration file ${path} is not JSON (${messageOf(err)})`);
  }
  const result = sidecarSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw errors.speakerModelUnusable(modelPath, `its calibration file ${path} is invalid at '${issue.path.join('.')}': ${issue.message}`);
  }
  return result.data;
}

/** One float32 input (batch, frames, 80) and a float32 first output, where the session reports them. */
function checkSignature(session: InferenceSession, path: string): { input: string; output: string } {
  const inputs = session.inputNames;
  const outputs = session.outputNames;
  if (inputs.length !== 1) throw errors.speakerModelUnusable(path, `it has ${inputs.length} inputs [${inputs.join(', ')}], expected one (batch, frames, ${EMBEDDING_BINS}) fbank input`);
  if (outputs.length === 0) throw errors.speakerModelUnusable(path, 'it has no output');
  let meta: readonly InferenceSession.ValueMetadata[] = [];
  let outMeta: readonly InferenceSession.ValueMetadata[] = [];
  try {
    meta = session.inputMetadata;
    outMeta = session.outputMetadata;
  } catch {
    // Metadata unavailable: the first run will tell.
  }
  const input = meta.find((m) => m.name === inputs[0]);
  if (input) {
    if (!input.isTensor || input.type !== 'float32') throw errors.speakerModelUnusable(path, `its input '${inputs[0]}' is not a float32 tensor`);
    const shape = input.shape;
    const last = shape[shape.length - 1];
    if (shape.length > 0 && (shape.length !== 3 || (typeof last === 'number' && last !== EMBEDDING_BINS))) {
      throw errors.speakerModelUnusable(path, `its input '${inputs[0]}' has shape [${shape.join(', ')}], expected (batch, frames, ${EMBEDDING_BINS})`);
    }
  }
  const output = outMeta.find((m) => m.name === outputs[0]);
  if (output && (!output.isTensor || output.type !== 'float32')) throw errors.speakerModelUnusable(path, `its output '${outputs[0]}' is not a float32 tensor`);
  return { input: inputs[0]!, output: outputs[0]! };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
