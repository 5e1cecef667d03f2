import { open, readFile } from 'node:fs/promises';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { analyzeReferencePcm } from '../../cloning/reference.js';
import { VoiceFormatError, importVoiceFile } from '../../voices/formats/index.js';
import type { ReferenceResult, ReferenceTask, TaskFailure, UploadTask, VoiceFileResult, VoiceFileTask } from './tasks.js';

/**
 * Upload-thread entry: parses voice files and analyses reference audio, off the
 * HTTP thread and inside the thread's memory limits (see UploadPool). A file
 * that makes this thread run out of heap kills only this thread.
 */
export default async function runUploadTask(task: UploadTask): Promise<VoiceFileResult | ReferenceResult> {
  try {
    return task.kind === 'voice-file' ? await readVoiceFile(task) : await analyzeReference(task);
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
  // Only the samples the decoder vouched for, however large the file has become.
  const pcm = new Int16Array(task.samples);
  const into = new Uint8Array(pcm.buffer);
  const file = await open(task.pcmPath, 'r');
  try {
    for (let at = 0; at < into.length; ) {
      const { bytesRead } = await file.read(into, at, into.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
  return { ok: true, analysis: analyzeReferencePcm(pcm, task.source) };
}

function expectedFailure(error: unknown): TaskFailure | null {
  if (error instanceof VoiceFormatError) return { kind: 'voice_format', code: error.code, message: error.message };
  // Allocation and stack limits hit by a crafted size or nesting: the file's doing, not a bug.
  if (error instanceof RangeError && /allocation failed|invalid (typed )?array length|maximum call stack|out of memory/i.test(error.message)) {
    return { kind: 'too_complex', message: error.message };
  }
  return null;
}
