import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster, type ClusterState } from '../src/deploy/cluster.js';
import { findNginx } from '../src/deploy/nginx.js';
import { freePort } from '../src/deploy/processes.js';
import { testDatabase, testServerKind } from '../src/test-support/postgres.js';
import { startTestServer, type TestServer } from '../src/test-support/server.js';
import { PARAGRAPH } from './paragraph.js';
import { median, type BenchResult } from './report.js';

/**
 * Scale-out: what the PostgreSQL catalog costs a voice write and a list against the SQLite file
 * (one server each, over HTTP), and speech throughput of one replica against two behind nginx
 * on this machine (espeak, the same synthesis threads in all: on a machine of few cores a second
 * replica adds no CPU, so the ratio shows the cost of the proxy and the second process, not a gain).
 * PostgreSQL: LITETTS_TEST_DATABASE_URL's server, else the embedded one (test-support/postgres.ts), which
 * runs with fsync off: give a real server for write figures that mean something.
 */
const ROUNDS = 200;
/** One speech round; rounds of the three set-ups alternate, so that a machine whose load drifts (shared) treats them alike. */
const SPEECH_SECONDS = 5;
const SPEECH_ROUNDS = 5;
const SPEECH_CLIENTS = 4;

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(url: string, method: string, body?: unknown): Promise<{ status: number; ms: number; bytes: number }> {
  const start = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start, bytes }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface LibraryTimes {
  create: number[];
  del: number[];
  list: number[];
  listAfterWrite: number[];
}

/** 100 custom voices in place, then create + list + delete rounds, and lists with no write between them. */
async function libraryTimes(server: TestServer): Promise<LibraryTimes> {
  const out: LibraryTimes = { create: [], del: [], list: [], listAfterWrite: [] };
  const blend = (name: string) => ({ name, voices: 'espeak-en-us-female(2)+espeak-en-gb-female(1)' });
  for (let i = 0; i < 100; i++) await request(`${server.url}/v1/voices/blend`, 'POST', blend(`keep_${i}`));
  for (let i = 0; i < ROUNDS; i++) {
    const c = await request(`${server.url}/v1/voices/blend`, 'POST', blend(`bench_${i}`));
    const l = await request(`${server.url}/v1/voices?kind=custom`, 'GET');
    const d = await request(`${server.url}/v1/voices/custom/bench_${i}`, 'DELETE');
    if (c.status !== 201 || l.status !== 200 || d.status !== 200) throw new Error(`write round failed: ${c.status} ${l.status} ${d.status}`);
    out.create.push(c.ms);
    out.listAfterWrite.push(l.ms);
    out.del.push(d.ms);
  }
  for (let i = 0; i < ROUNDS; i++) out.list.push((await request(`${server.url}/v1/voices?kind=custom`, 'GET')).ms);
  return out;
}

/** Requests per second of `SPEECH_CLIENTS` clients asking for the paragraph (espeak, wav) one after another. */
interface Speed {
  perSecond: number;
  p50: number;
  p99: number;
}

/** The median round of each figure. */
function summary(rounds: readonly Speed[]): Speed {
  return { perSecond: median(rounds.map((r) => r.perSecond)), p50: median(rounds.map((r) => r.p50)), p99: median(rounds.map((r) => r.p99)) };
}

async function speechThroughput(url: string): Promise<Speed> {
  const begun = performance.now();
  const ends = begun + SPEECH_SECONDS * 1000;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: SPEECH_CLIENTS }, async () => {
      while (performance.now() < ends) {
        const r = await request(`${url}/v1/audio/speech`, 'POST', { input: PARAGRAPH, voice: 'espeak-en-us-female', response_format: 'wav' });
        if (r.status !== 200 || r.bytes < 48_000) throw new Error(`speech failed: ${r.status}, ${r.bytes} bytes`);
        times.push(r.ms);
      }
    }),
  );
  // Requests finished over the time they took (the last ones run past the end of the round).
  return { perSecond: times.length / ((performance.now() - begun) / 1000), p50: median(times), p99: percentile(times, 99) };
}

async function cluster(replicas: number, threads: number, nginx: string, databaseUrl: string): Promise<{ state: ClusterState; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-bench-scaleout-'));
  chmodSync(dir, 0o755);
  const state = await startCluster({
    replicas,
    port: await freePort(),
    dir: join(dir, 'deploy'),
    database: { kind: 'postgres', url: databaseUrl, local: null },
    nginx,
    apiKey: null,
    workers: Math.max(1, Math.floor(threads / replicas)),
    modelDir: null,
    maxUploadMb: 100,
    // Every request synthesised: the same paragraph would otherwise come from the audio cache.
    env: { LITETTS_AUDIO_CACHE_MB: '0' },
  });
  return { state, dir };
}

export async function benchScaleout(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const sqliteServer = await startTestServer({ waitForWarmUp: true });
  const pgDatabase = await testDatabase();
  let pgServer: TestServer | undefined;
  try {
    const sqlite = await libraryTimes(sqliteServer);
    await sqliteServer.stop();
    pgServer = await startTestServer({ waitForWarmUp: true, env: { LITETTS_DATABASE_URL: pgDatabase.url } });
    const postgres = await libraryTimes(pgServer);
    await pgServer.stop();
    pgServer = undefined;
    const rows = [
      ['voice create (blend)', 'create', '<= 5'],
      ['voice delete', 'del', '<= 5'],
      ['GET /v1/voices, nothing changed', 'list', '<= 5'],
      ['GET /v1/voices right after a write', 'listAfterWrite', '<= 5'],
    ] as const;
    for (const [label, key, target] of rows) {
      const [p, s] = [postgres[key], sqlite[key]];
      const ratio = median(p) / median(s);
      results.push({
        name: `${label}: PostgreSQL p50 / SQLite p50`,
        ratio,
        target,
        pass: ratio <= Number(target.slice(3)),
        detail: `p50 ${median(p).toFixed(2)} vs ${median(s).toFixed(2)} ms, p99 ${percentile(p, 99).toFixed(2)} vs ${percentile(s, 99).toFixed(2)} ms (${ROUNDS} rounds, 100 voices; PostgreSQL: ${testServerKind() === 'embedded' ? 'embedded, fsync off' : testServerKind()})`,
      });
    }
  } finally {
    if (sqliteServer.process.exitCode === null) await sqliteServer.stop();
    await pgServer?.stop();
    await pgDatabase.drop();
  }

  const nginx = findNginx();
  if (nginx === null) {
    process.stderr.write('scaleout: nginx is not installed (apt-get install nginx); the replica throughput rows are left out\n');
    agent.destroy();
    return results;
  }
  const threads = Math.max(2, availableParallelism());
  // Both deployments at once (an idle one costs next to nothing): 1 replica × all threads, 2 replicas × half.
  const databases = [await testDatabase(), await testDatabase()];
  const started: { state: ClusterState; dir: string }[] = [];
  const rounds = { one: [] as Speed[], direct: [] as Speed[], two: [] as Speed[] };
  try {
    const single = await cluster(1, threads, nginx, databases[0]!.url);
    started.push(single);
    const pair = await cluster(2, threads, nginx, databases[1]!.url);
    started.push(pair);
    const urls = { one: single.state.url, direct: single.state.replicas[0]!.url, two: pair.state.url };
    // A round each to warm every replica's threads, then the measured rounds, interleaved.
    for (const url of Object.values(urls)) await speechThroughput(url);
    for (let r = 0; r < SPEECH_ROUNDS; r++) for (const key of ['one', 'direct', 'two'] as const) rounds[key].push(await speechThroughput(urls[key]));
  } finally {
    for (const { state, dir } of started) {
      await stopCluster(state);
      rmSync(dir, { recursive: true, force: true });
    }
    for (const database of databases) await database.drop();
  }
  agent.destroy();
  const [one, direct, two] = [summary(rounds.one), summary(rounds.direct), summary(rounds.two)];
  const viaProxy = one.perSecond / direct.perSecond;
  results.push({
    name: `speech through nginx / straight to the replica (1 replica)`,
    ratio: viaProxy,
    target: '>= 0.9',
    pass: viaProxy >= 0.9,
    detail: `${one.perSecond.toFixed(2)} vs ${direct.perSecond.toFixed(2)} requests/s (${SPEECH_CLIENTS} clients, paragraph, espeak, wav; medians of ${SPEECH_ROUNDS} interleaved ${SPEECH_SECONDS} s rounds)`,
  });
  const ratio = two.perSecond / one.perSecond;
  results.push({
    name: `speech, 2 replicas / 1 replica behind nginx`,
    ratio,
    target: threads <= 2 ? '>= 0.8' : '>= 1.5',
    pass: ratio >= (threads <= 2 ? 0.8 : 1.5),
    detail:
      `${two.perSecond.toFixed(2)} vs ${one.perSecond.toFixed(2)} requests/s, p50 ${two.p50.toFixed(0)} vs ${one.p50.toFixed(0)} ms, p99 ${two.p99.toFixed(0)} vs ${one.p99.toFixed(0)} ms; ` +
      `${threads} synthesis threads in all either way${threads <= 2 ? ` (${availableParallelism()} cores: a second replica cannot add CPU here)` : ''}`,
  });
  return results;
}
