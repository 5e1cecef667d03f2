import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCatalog } from '../src/store/sqlite.js';
import type { NewVoice } from '../src/store/catalog.js';
import { startTestServer, type TestServer } from '../src/test-support/server.js';
import { catalogPath } from '../src/voices/open.js';
import { median, type BenchResult } from './report.js';

const KOKORO_BYTES = 510 * 256 * 4;
const LARGE = 10_000;
const SMALL = 100;
const WRITE_ROUNDS = 200;

/** Fills a data directory's catalog with `count` custom Kokoro voices (distinct tensors), directly. */
async function seed(dataDir: string, count: number): Promise<void> {
  const catalog = new SqliteCatalog(catalogPath(dataDir));
  const base = new Float32Array(KOKORO_BYTES / 4).map((_, i) => Math.sin(i) / 8);
  const now = Date.now();
  try {
    for (let start = 0; start < count; start += 250) {
      const batch: NewVoice[] = [];
      for (let i = start; i < Math.min(count, start + 250); i++) {
        const tensor = base.slice();
        tensor[0] = i; // every voice's data differs, as in a real library
        batch.push({
          name: `seed_${String(i).padStart(5, '0')}`,
          engine: 'kokoro',
          kind: 'custom',
          language: 'en-us',
          gender: i % 2 ? 'female' : 'male',
          description: `Seeded voice ${i}`,
          source: 'import',
          expiresAt: null,
          sessionId: null,
          data: new Uint8Array(tensor.buffer),
        });
      }
      await catalog.insertAll(batch, now);
    }
  } finally {
    await catalog.close();
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function request(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Creates (temporary blend), saves and deletes voices one after the other; returns the latencies of each. */
async function writes(url: string, rounds: number): Promise<{ create: number[]; save: number[]; del: number[] }> {
  const out = { create: [] as number[], save: [] as number[], del: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const name = `bench_${i}`;
    const c = await request(url, 'POST', '/v1/voices/blend', { name, voices: 'espeak-en-us-female(2)+espeak-en-gb-female(1)' });
    const s = await request(url, 'POST', `/v1/voices/custom/${name}/save`);
    const d = await request(url, 'DELETE', `/v1/voices/custom/${name}`);
    if (c.status !== 201 || s.status !== 200 || d.status !== 200) throw new Error(`write round failed: ${c.status} ${s.status} ${d.status}`);
    out.create.push(c.ms);
    out.save.push(s.ms);
    out.del.push(d.ms);
  }
  return out;
}

/** Milliseconds from spawning `litetts serve` to its "listening" line. */
async function startUp(dataDir: string): Promise<number> {
  const started = performance.now();
  const server = await startTestServer({ dataDir });
  const ms = performance.now() - started;
  await server.stop({ keepData: true });
  return ms;
}

function rssOf(pid: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
    let out = '';
    ps.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ps.on('exit', () => resolve(Number(out.trim()) * 1024));
    ps.on('error', reject);
  });
}

export async function benchLibrary(): Promise<BenchResult[]> {
  const small = mkdtempSync(join(tmpdir(), 'litetts-bench-small-'));
  const large = mkdtempSync(join(tmpdir(), 'litetts-bench-large-'));
  let server: TestServer | undefined;
  try {
    const seeding = performance.now();
    await seed(small, SMALL);
    await seed(large, LARGE);
    // Let the operating system write the seeded gigabytes out now, not while writes are timed.
    execSync('sync');
    process.stderr.write(`seeded ${LARGE} voices in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);

    const startMs = median([await startUp(large), await startUp(large), await startUp(large)]);

    server = await startTestServer({ dataDir: small, waitForWarmUp: true });
    const atSmall = await writes(server.url, WRITE_ROUNDS);
    await server.stop({ keepData: true });

    server = await startTestServer({ dataDir: large, waitForWarmUp: true });
    const lists: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await request(server.url, 'GET', '/v1/voices');
      if (r.status !== 200) throw new Error(`list failed: ${r.status}`);
      lists.push(r.ms);
    }
    // A list right after a write cannot reuse the last one: the catalog is read and serialised again.
    const afterWrite: number[] = [];
    for (let i = 0; i < 10; i++) {
      await request(server.url, 'POST', '/v1/voices/blend', { name: `list_probe_${i}`, voices: 'espeak-en-us-female+espeak-en-gb-female', temporary: false });
      afterWrite.push((await request(server.url, 'GET', '/v1/voices')).ms);
    }
    const atLarge = await writes(server.url, WRITE_ROUNDS);
    // Touch a spread of voices the way speech and downloads would, then read the resident size.
    for (let i = 0; i < 200; i++) await request(server.url, 'GET', `/v1/voices/seed_${String(i * 50).padStart(5, '0')}/download`);
    const rss = await rssOf(server.process.pid!);
    await server.stop({ keepData: true });
    server = undefined;

    const listMs = median(lists);
    const results: BenchResult[] = [
      { name: `start-up to listening, ${LARGE} voices (ms)`, ratio: startMs, target: '<= 1500', pass: startMs <= 1500, detail: 'median of 3 starts' },
      {
        name: `GET /v1/voices, ${LARGE} voices (ms)`,
        ratio: listMs,
        target: '<= 50',
        pass: listMs <= 50,
        detail: `p99 ${percentile(lists, 99).toFixed(1)} ms; right after a write p50 ${median(afterWrite).toFixed(1)} ms`,
      },
      { name: `RSS after 200 downloads, ${LARGE} voices (MB)`, ratio: rss / 1e6, target: '<= 250', pass: rss / 1e6 <= 250, detail: 'voice data loads lazily' },
    ];
    for (const [label, key] of [['create', 'create'], ['save', 'save'], ['delete', 'del']] as const) {
      const p50 = median(atLarge[key]);
      const p50small = median(atSmall[key]);
      results.push({ name: `${label} p50, ${LARGE} voices (ms)`, ratio: p50, target: '<= 10', pass: p50 <= 10, detail: `p99 ${percentile(atLarge[key], 99).toFixed(1)} ms` });
      results.push({
        name: `${label} p50 at ${LARGE} / at ${SMALL} voices`,
        ratio: p50 / p50small,
        target: '<= 2',
        pass: p50 / p50small <= 2,
        detail: `${p50.toFixed(2)} ms vs ${p50small.toFixed(2)} ms`,
      });
    }
    return results;
  } finally {
    agent.destroy();
    await server?.stop({ keepData: true });
    rmSync(small, { recursive: true, force: true });
    rmSync(large, { recursive: true, force: true });
  }
}
