import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { threadId, workerData } from 'node:worker_threads';
import { int16ToFloat } from '../../audio/pcm.js';
import { createEngines } from '../../engines/index.js';
import { InProcessRenderer } from '../../engines/renderer.js';
import { LiteTtsError } from '../../errors.js';
import { createLogger } from '../../logging.js';
import type { Render } from '../espeak-fit-calibration.js';
import { SpeechActivity, yieldToSpeech } from './activity.js';
import type { AtlasReport, CloneTask, CloneTaskResult, CloneWorkerData, ServerMessage, ThreadMessage, ThreadStatus } from './messages.js';
import { buildAtlas } from '../kokoro-atlas.js';
import { kokoroCloneDeps } from './kokoro-deps.js';
import { runClone, warmClone } from './run-clone.js';

/**
 * Clone-thread entry. Each thread keeps its own engines (an in-process renderer, as the
 * synthesis threads do) and renders every candidate of a fit itself, so a search of hundreds of
 * renders never queues behind speech on the synthesis threads, nor makes them wait.
 *
 * The background lane's thread runs thorough clones, several at a time (they interleave at each
 * render). It lowers its own OS priority and, before each render, waits while speech requests
 * are being served (at most a second each time), so that speech keeps the CPU and jobs slow
 * down without stopping.
 */
const data = workerData as CloneWorkerData;
const logger = createLogger(data.log).child({ thread: threadId, lane: data.lane });
const renderer = new InProcessRenderer(createEngines(data.engines), { debug: (details, message) => logger.debug(details, message) });
const activity = new SpeechActivity(data.speechActivity);
const tid = threadTid();
if (data.lane === 'background') lowerPriority();

export default async function cloneTask(task: CloneTask): Promise<CloneTaskResult | ThreadStatus | AtlasReport | null> {
  if (task.kind === 'status') return { lane: data.lane, tid, priority: tid === null ? null : safe(() => getPriority(tid)) };
  if (task.kind === 'atlas') {
    const waitForTurn = data.lane === 'background' ? async () => { await yieldToSpeech(activity); } : undefined;
    const deps = kokoroCloneDeps(data.engines, renderer, data.cacheDir);
    const atlas = await buildAtlas({ ...deps, render: async (tensor, text) => { await waitForTurn?.(); return deps.render(tensor, text); } });
    return { packs: atlas.entries.length, rendered: atlas.rendered, ...(atlas.cacheError !== undefined && { cacheError: atlas.cacheError }) };
  }
  if (task.kind === 'warm') {
    await warmClone(async (voice, text) => int16ToFloat(await renderer.render({ text, voice, speed: 1 })), task.language);
    return null;
  }
  const { spec, port } = task;
  const controller = new AbortController();
  port.on('message', (message: ServerMessage) => {
    if (message.type === 'cancel') controller.abort(new Error(message.reason));
  });
  const post = (message: ThreadMessage): void => port.postMessage(message);
  const render: Render = async (voice, text, signal) => {
    // A render never leaves the microtask queue (espeak runs synchronously inside), so without a
    // turn of the event loop here a cancel message would wait for the whole fit, and clones
    // sharing this thread would run one after the other instead of interleaving.
    await new Promise((resolve) => setImmediate(resolve));
    if (data.lane === 'background') await yieldToSpeech(activity, { signal });
    signal?.throwIfAborted();
    return int16ToFloat(await renderer.render({ text, voice, speed: 1 }));
  };
  try {
    const result = await runClone(spec, {
      render,
      signal: controller.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
      onCheckpoint: (checkpoint, best) => post({ type: 'checkpoint', checkpoint, best }),
      kokoro: () => kokoroCloneDeps(data.engines, renderer, data.cacheDir, data.lane === 'background' ? async () => { await yieldToSpeech(activity, { signal: controller.signal }); } : undefined),
    });
    return { ok: true, result };
  } catch (error) {
    if (controller.signal.aborted) return { ok: false, cancelled: true, reason: String((controller.signal.reason as Error)?.message ?? controller.signal.reason) };
    if (error instanceof LiteTtsError) {
      return { ok: false, error: { kind: error.kind, code: error.code, message: error.message, param: error.param, retryAfter: error.retryAfter, details: error.details } };
    }
    throw error;
  } finally {
    port.close();
  }
}

/** This thread's kernel id (Linux: /proc/thread-self → <pid>/task/<tid>), else null. */
function threadTid(): number | null {
  const link = safe(() => readlinkSync('/proc/thread-self'));
  const tid = Number(/task\/(\d+)$/.exec(link ?? '')?.[1]);
  return Number.isInteger(tid) && tid > 0 ? tid : null;
}

/** Nice 19 for this thread only (Linux sets priorities per thread); elsewhere, or when refused, it keeps its priority. */
function lowerPriority(): void {
  if (tid === null) return;
  try {
    setPriority(tid, 19);
  } catch (error) {
    logger.debug({ err: error }, 'could not lower the background clone thread priority');
  }
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}
