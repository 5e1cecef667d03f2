import type { SpeechObserver } from '../../speech/speech.js';

/**
 * How many speech requests are being served now, shared with the clone threads: the server
 * keeps it (SpeechService's observer, `observeSpeechActivity`) and a background clone reads it
 * before each render, to let speech go first (`yieldToSpeech`). One Int32 in a
 * SharedArrayBuffer: reading it costs nothing and needs no message.
 */
export class SpeechActivity {
  readonly buffer: SharedArrayBuffer;
  private readonly view: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.view = new Int32Array(buffer, 0, 1);
  }

  set(active: number): void {
    Atomics.store(this.view, 0, active);
  }

  get active(): number {
    return Atomics.load(this.view, 0);
  }
}

/** `observer` with the active count copied into `activity` as requests are admitted and released. */
export function observeSpeechActivity(activity: SpeechActivity, observer: SpeechObserver = {}): SpeechObserver {
  return {
    admitted: (active) => {
      activity.set(active);
      observer.admitted?.(active);
    },
    released: (active) => {
      activity.set(active);
      observer.released?.(active);
    },
    rejected: () => observer.rejected?.(),
    pieceRendered: (engine) => observer.pieceRendered?.(engine),
    cacheHit: () => observer.cacheHit?.(),
    finished: (engine, format, seconds, completed) => observer.finished?.(engine, format, seconds, completed),
  };
}

export interface YieldOptions {
  pollMs?: number;
  /** The longest one wait lasts: a clone slows down under speech, but never stops. */
  maxWaitMs?: number;
  signal?: AbortSignal | undefined;
}

/** Waits while speech is active, polling, for at most `maxWaitMs` (1 s); resolves to the milliseconds waited. */
export async function yieldToSpeech(activity: SpeechActivity, options: YieldOptions = {}): Promise<number> {
  const { pollMs = 15, maxWaitMs = 1000, signal } = options;
  const started = performance.now();
  while (activity.active > 0 && performance.now() - started < maxWaitMs && !signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return performance.now() - started;
}
