import { startTestServer } from '../src/test-support/server.js';
import { eventLoopLag, percentile, runLoad, statusCounts, type LoadResult } from './load-client.js';
import type { BenchResult } from './report.js';

/** `npm run bench -- load --seconds=60 --clients=8` */
function option(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = given ? Number(given.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const ms = (v: number): string => `${v.toFixed(0)} ms`;

function printKinds(result: LoadResult): void {
  const rows = Object.entries(result.kinds).sort(([a], [b]) => a.localeCompare(b));
  process.stdout.write(`\nload, ${result.clients} clients, ${result.seconds.toFixed(0)} s, one server (audio cache off)\n`);
  for (const [kind, stats] of rows) {
    const non2xx = Object.entries(stats.statuses).filter(([code]) => Number(code) < 200 || Number(code) >= 300);
    process.stdout.write(
      `  ${kind.padEnd(13)} ${String(stats.count).padStart(6)} requests  p50 ${ms(percentile(stats.latencies, 50)).padStart(7)}  p99 ${ms(percentile(stats.latencies, 99)).padStart(7)}` +
        `${non2xx.length > 0 ? `  non-2xx ${non2xx.map(([c, n]) => `${c}×${n}`).join(' ')}` : ''}\n`,
    );
  }
}

/**
 * The mixed-load suite: a fixed number of clients against one real server for a
 * while (60 s unless --seconds), every kind of request at once. 503s are the
 * server shedding load as the contract allows; any other 5xx, a connection error
 * or a malformed answer is a failure.
 */
export async function benchLoad(): Promise<BenchResult[]> {
  const seconds = option('seconds', 60);
  const clients = option('clients', 8);
  const server = await startTestServer({ waitForWarmUp: true, args: ['--audio-cache-mb', '0'] });
  let result: LoadResult;
  let lag: { p99: number; max: number } | null;
  try {
    await eventLoopLag(server.url); // resets the histogram: what follows covers the run only
    result = await runLoad(server.url, { seconds, clients });
    lag = await eventLoopLag(server.url);
  } finally {
    await server.stop();
  }
  printKinds(result);
  const all = Object.values(result.kinds).flatMap((k) => k.latencies);
  const { serverErrors, busy, otherNon2xx } = statusCounts(result);
  const other = Object.entries(otherNon2xx).map(([c, n]) => `${c}×${n}`).join(' ') || 'none';
  const rate = result.requests / result.seconds;
  const broken = result.connectionErrors.length + result.malformed.length;
  for (const line of [...result.connectionErrors, ...result.malformed].slice(0, 10)) process.stdout.write(`  ! ${line}\n`);
  return [
    {
      name: `5xx answers other than 503, ${clients} clients × ${seconds} s`,
      ratio: serverErrors,
      target: '= 0',
      pass: serverErrors === 0,
      detail: `${result.requests} requests, ${rate.toFixed(1)}/s, p50 ${ms(percentile(all, 50))}, p99 ${ms(percentile(all, 99))}; 503: ${busy}; other non-2xx: ${other}`,
    },
    {
      name: 'connection errors + malformed answers',
      ratio: broken,
      target: '= 0',
      pass: broken === 0,
      detail: `${result.connectionErrors.length} connection errors, ${result.malformed.length} malformed`,
    },
    {
      name: 'HTTP thread: event-loop delay p99 under load (ms)',
      ratio: lag?.p99 ?? NaN,
      target: '<= 50',
      pass: lag !== null && lag.p99 <= 50,
      detail: lag ? `max ${ms(lag.max)} (prom-client's monitorEventLoopDelay, 10 ms resolution)` : 'metrics not readable',
    },
  ];
}
