import { open, readFile } from 'node:fs/promises';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { int16ToFloat } from '../../audio/pcm.js';
import { analyzeReferencePcm } from '../../cloning/reference.js';
import { MIN_SPEECH_SECONDS, speakerFeatures, type SpeakerFeatures } from '../../cloning/scorer.js';
import { SpeakerEmbeddingModel } from '../../cloning/speaker-model.js';
import { LiteTtsError } from '../../errors.js';
import { VoiceFormatError, importVoiceFile } from '../../voices/formats/index.js';
import type { ReferenceResult, ReferenceTask, SpeakerResult, SpeakerTask, TaskFailure, UploadTask, VoiceFileResult, VoiceFileTask } from './tasks.js';

/**
 * Upload-thread entry: parses voice files and analyses reference audio, off the
 * HTTP thread and inside the thread's memory limits (see UploadPool). A file
 * that makes this thread run out of heap kills only this thread.
 */
export default async function runUploadTask(task: UploadTask): Promise<VoiceFileResult | ReferenceResult | SpeakerResult> {
  try {
    if (task.kind === 'voice-file') return await readVoiceFile(task);
    if (task.kind === 'speaker') return await speakerOf(task);
    return await analyzeReference(task);
  } catch (error) {
    const failure = expectedFailure(error);
    if (failure) return { ok: false, failure };
    throw error;
  }
}

async function readVoiceFile(task: VoiceFileTask): Promise<VoiceFileResult> {
  const bytes = new Uint8Array(await readFile(task.path));
  const voices = importVoiceFile(task.fileName, bytes, { maxUploadBytes: task.maxUploadBytes, ...(task.voiceName !== undefined && { voiceName: task.voiceName }) });
  const result: VoiceFileResult = { ok: true, voices };
  // The tensors travel without a copy: each underlying buffer once (views may share one).
  const buffers = new Set<ArrayBuffer>();
  for (const { data } of voices) if (data.engine === 'kokoro' && data.tensor.buffer instanceof ArrayBuffer) buffers.add(data.tensor.buffer);
  return move({ [transferableSymbol]: [...buffers], [valueSymbol]: result }) as unknown as VoiceFileResult;
}

async function analyzeReference(task: ReferenceTask): Promise<ReferenceResult> {
  const pcm = await readPcm(task.pcmPath, task.samples);
  const analysis = analyzeReferencePcm(pcm, task.source);
  if (task.keepSeconds === undefined) return { ok: true, analysis };
  // A copy of only the kept part travels (moved, not copied again).
  const kept = pcm.slice(0, Math.floor(task.keepSeconds * task.source.sampleRate));
  return move({ [transferableSymbol]: [kept.buffer], [valueSymbol]: { ok: true, analysis, pcm: kept } }) as unknown as ReferenceResult;
}

/**
 * The speaker model of this thread: loaded by the first task that needs it and kept for
 * the thread's life (loading an ONNX session takes far longer than one embedding). A load
 * that failed is tried again by the next task: the file may have been fixed.
 */
let model: { path: string; loading: Promise<SpeakerEmbeddingModel> } | null = null;

function speakerModel(path: string): Promise<SpeakerEmbeddingModel> {
  if (model?.path !== path) {
    const loading = SpeakerEmbeddingModel.load(path, { threads: 1 });
    const mine = { path, loading };
    loading.catch(() => {
      if (model === mine) model = null;
    });
    model = mine;
  }
  return model.loading;
}

async function speakerOf(task: SpeakerTask): Promise<SpeakerResult> {
  const pcm = task.pcm ?? (await readPcm(task.pcmPath ?? '', task.samples ?? 0));
  const samples = int16ToFloat(pcm);
  const rate = task.source.sampleRate;
  let features: SpeakerFeatures;
  try {
    features = task.speakerModel ? await (await speakerModel(task.speakerModel)).speakerFeatures(samples, rate) : speakerFeatures(samples, rate);
  } catch (error) {
    if (error instanceof LiteTtsError && error.code === 'speaker_model_unusable') return { ok: false, failure: { kind: 'speaker_model', message: error.message } };
    throw error;
  }
  if (features.speechSeconds < MIN_SPEECH_SECONDS) {
    // Only now the full analysis: it tells the client what the recording holds instead.
    return { ok: false, failure: { kind: 'too_little_speech', speechSeconds: features.speechSeconds, analysis: analyzeReferencePcm(pcm, task.source) } };
  }
  return { ok: true, features };
}

/** The first `count` samples of a raw s16le file. */
async function readPcm(path: string, count: number): Promise<Int16Array> {
  // Only the samples the decoder vouched for, however large the file has become.
  const pcm = new Int16Array(count);
  const into = new Uint8Array(pcm.buffer);
  const file = await open(path, 'r');
  try {
    for (let at = 0; at < into.length; ) {
      const { bytesRead } = await file.read(into, at, into.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
  return pcm;
}

function expectedFailure(error: unknown): TaskFailure | null {
  if (error instanceof VoiceFormatError) return { kind: 'voice_format', code: error.code, message: error.message };
  // Allocation and stack limits hit by a crafted size or nesting: the file's doing, not a bug.
  if (error instanceof RangeError && /allocation failed|invalid (typed )?array length|maximum call stack|out of memory/i.test(error.message)) {
    return { kind: 'too_complex', message: error.message };
  }
  return null;
}
