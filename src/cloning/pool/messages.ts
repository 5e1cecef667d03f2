import type { EngineSettings } from '../../engines/index.js';
import type { Config } from '../../config.js';
import type { ErrorKind } from '../../errors.js';
import type { VoiceData } from '../../engines/engine.js';
import type { CloneProgress, CloneQuality, CloneResult, DecodedReference } from '../cloner.js';
import type { MessagePort } from 'node:worker_threads';

/**
 * What crosses between the server and its clone threads (pool.ts, worker.ts). Expected failures
 * come back as values: an Error loses its class and fields on the way.
 */

export type Lane = 'fast' | 'background';

export interface CloneWorkerData {
  lane: Lane;
  engines: EngineSettings;
  log: Pick<Config, 'logLevel' | 'logDir'>;
  /** SpeechActivity's buffer: the background lane waits while it counts speech requests. */
  speechActivity: SharedArrayBuffer;
  /** Where Kokoro's voice atlas is cached; null: memory only. */
  cacheDir: string | null;
}

/** A clone request without its callbacks and signal (those travel on `port`). */
export interface CloneSpec {
  reference: DecodedReference;
  engine: CloneResult['data']['engine'];
  language: string;
  quality: CloneQuality;
  budgetMs: number;
  checkpoint: Uint8Array | null;
}

export type CloneTask =
  | { kind: 'clone'; spec: CloneSpec; port: MessagePort }
  /** Loads the engine and makes a few renders (and the language's calibration), so the first clone is not slow. */
  | { kind: 'warm'; language: string }
  /** Builds (or refreshes) Kokoro's voice atlas in the cache, so that clones find it ready; answers how many packs it rendered. */
  | { kind: 'atlas' }
  /** Which thread this is and its OS priority (tests, diagnostics). */
  | { kind: 'status' };

/** Thread → server, on the task's port. */
export type ThreadMessage =
  | { type: 'progress'; progress: CloneProgress }
  | { type: 'checkpoint'; checkpoint: Uint8Array; best: { data: VoiceData; score: number } };

/** Server → thread, on the task's port. */
export type ServerMessage = { type: 'cancel'; reason: string };

export interface SerializedError {
  kind: ErrorKind;
  code: string;
  message: string;
  param: string | null;
  retryAfter?: number | undefined;
  details?: Record<string, unknown> | undefined;
}

export type CloneTaskResult =
  | { ok: true; result: CloneResult }
  | { ok: false; error: SerializedError }
  | { ok: false; cancelled: true; reason: string };

export interface ThreadStatus {
  lane: Lane;
  /** The kernel's id of the thread (Linux), else null. */
  tid: number | null;
  /** Its nice value as the OS reports it, else null. */
  priority: number | null;
}

/** What building the atlas did: packs placed, of which rendered now (0: the cache had them all). */
export interface AtlasReport {
  packs: number;
  rendered: number;
  cacheError?: string;
}
