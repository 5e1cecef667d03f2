import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewVoice } from '../store/catalog.js';
import type { JobPatch } from '../store/jobs.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { JobRunner, type JobRunnerOptions } from './runner.js';
import type { JobEvent } from './types.js';

/** What the jobs tests share: stores in temporary directories, fast timings, gates and waits. */
const dirs: string[] = [];
process.once('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-jobs-'));
  dirs.push(dir);
  return dir;
}

export function openStore(dir = tempDir()): { store: SqliteCatalog; path: string; dir: string } {
  const path = join(dir, 'voices.db');
  return { store: new SqliteCatalog(path), path, dir };
}

/** Timings short enough for tests, long enough for a loaded machine. */
export const FAST = { heartbeatMs: 200, pollMs: 100, reportIntervalMs: 500, watchPollMs: 50, closeTimeoutMs: 3000, sweepMs: 60_000 };

export function runnerOver(store: JobRunnerOptions['store'], options: Partial<JobRunnerOptions> = {}): JobRunner {
  return new JobRunner({ store, instanceId: 'inst_00000000000000aa', maxJobs: 1, retentionHours: 24, ...options, timings: { ...FAST, ...options.timings } });
}

export function voiceNamed(name: string, sessionId = 'sess-1'): NewVoice {
  return {
    name,
    engine: 'espeak',
    kind: 'temporary',
    language: 'en-us',
    gender: null,
    description: 'a test clone',
    source: 'clone',
    expiresAt: Date.now() + 3600_000,
    sessionId,
    similarity: 0.75,
    data: new TextEncoder().encode(JSON.stringify({ engine: 'espeak', base: 'en-us', variant: 'f3', pitch: 50, range: 50, rate: 175, volume: 100 })),
  };
}

export function submission(sessionId = 'sess-1', params: Record<string, unknown> = {}) {
  return { type: 'clone' as const, sessionId, params: JSON.stringify(params), input: new Uint8Array([1, 2, 3, 4]) };
}

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

/** Resolves when the signal aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** The store with its updateJob calls recorded. */
export function countingWrites<T extends object>(store: T): { store: T; writes: { patch: JobPatch; at: number }[] } {
  const writes: { patch: JobPatch; at: number }[] = [];
  const proxy = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'updateJob') {
        return (...args: unknown[]) => {
          writes.push({ patch: args[2] as JobPatch, at: performance.now() });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store: proxy, writes };
}

export function collect(runner: JobRunner, id: string): { events: JobEvent[]; at: number[]; stop(): void } {
  const events: JobEvent[] = [];
  const at: number[] = [];
  const stop = runner.watch(id, (event) => {
    events.push(event);
    at.push(performance.now());
  });
  return { events, at, stop };
}
