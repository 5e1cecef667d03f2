import http from 'node:http';
import { PARAGRAPH } from './paragraph.js';

/**
 * Mixed-load clients: a fixed number of concurrent clients, each sending one
 * request after another from a fixed mix (speech in every format, some as SSE,
 * voice lists, blend-create and delete of custom voices, health) and checking
 * that every answer is well-formed. Used by `npm run bench -- load` and by the
 * 10-second CI run (src/server/load.e2e.test.ts).
 */

const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
type SpeechFormat = (typeof SPEECH_FORMATS)[number];

export type LoadKind = `speech-${SpeechFormat}` | 'speech-sse' | 'voices-list' | 'voice-blend' | 'voice-delete' | 'health';

/** One turn of a client: the kinds it sends, in this order, then again (voice-blend brings its voice-delete). */
const MIX: readonly LoadKind[] = [
  'speech-mp3', 'voices-list', 'speech-pcm', 'health', 'speech-opus', 'speech-sse', 'voice-blend',
  'speech-wav', 'voices-list', 'speech-aac', 'health', 'speech-flac', 'speech-mp3', 'speech-sse',
];

/** Sentences of the benchmark paragraph, one or two per speech request (short and long pieces alike). */
const SENTENCES = PARAGRAPH.split(/(?<=[.!?])\s+/);

export interface KindStats {
  count: number;
  /** Milliseconds from sending the request to the end of the answer. */
  latencies: number[];
  /** Answers by status code. */
  statuses: Record<number, number>;
}

export interface LoadResult {
  seconds: number;
  clients: number;
  requests: number;
  kinds: Partial<Record<LoadKind, KindStats>>;
  /** Requests that got no HTTP answer at all (reset, refused, timed out). */
  connectionErrors: string[];
  /** Answers that were not what the contract promises (wrong bytes, wrong shape, a 4xx not in the error shape). */
  malformed: string[];
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request the client has no answer for after this long counts as a connection error. */
const REQUEST_TIMEOUT_MS = 30_000;

function send(agent: http.Agent, url: string, method: string, path: string, json?: unknown): Promise<Answer> {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${path}`, { method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The first bytes each format starts with. */
function audioProblem(format: SpeechFormat, bytes: Buffer): string | null {
  if (bytes.length === 0) return 'empty body';
  const ascii = (from: number, to: number): string => bytes.subarray(from, to).toString('latin1');
  switch (format) {
    case 'mp3':
      return bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0 ? null : 'no MPEG frame sync at the start';
    case 'aac':
      return bytes[0] === 0xff && (bytes[1]! & 0xf0) === 0xf0 ? null : 'no ADTS sync at the start';
    case 'opus':
      return ascii(0, 4) === 'OggS' && ascii(28, 36) === 'OpusHead' ? null : 'not an Ogg Opus stream';
    case 'flac':
      return ascii(0, 4) === 'fLaC' ? null : 'no fLaC marker';
    case 'wav':
      return ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE' && bytes.length > 44 ? null : 'not a RIFF/WAVE file with samples';
    case 'pcm':
      return bytes.length % 2 === 0 ? null : 'odd number of bytes for 16-bit samples';
  }
}

/** OpenAI's streaming shape: speech.audio.delta events with base64 audio, then one speech.audio.done. */
function sseProblem(text: string): string | null {
  const events = text.split('\n\n').filter((e) => e.trim() !== '');
  const types = events.map((e) => {
    const data = e.split('\n').find((line) => line.startsWith('data: '));
    if (!data) return 'no data line';
    const parsed = JSON.parse(data.slice(6)) as { type?: string; audio?: unknown };
    if (parsed.type === 'speech.audio.delta' && (typeof parsed.audio !== 'string' || parsed.audio.length === 0)) return 'delta without audio';
    return String(parsed.type);
  });
  const last = types.pop();
  if (last !== 'speech.audio.done') return `last event is ${last}`;
  if (types.length === 0) return 'no audio events';
  const odd = types.find((t) => t !== 'speech.audio.delta');
  return odd === undefined ? null : `unexpected event ${odd}`;
}

/** Errors must be JSON in OpenAI's shape, whatever the status. */
function errorProblem(answer: Answer): string | null {
  try {
    const parsed = JSON.parse(answer.body.toString()) as { error?: { message?: unknown; code?: unknown } };
    if (typeof parsed.error?.message !== 'string') return 'error without error.message';
  } catch {
    return 'error body is not JSON';
  }
  if ((answer.status === 503 || answer.status === 429) && answer.headers['retry-after'] === undefined) return `${answer.status} without Retry-After`;
  return null;
}

function jsonBody<T>(answer: Answer): T {
  return JSON.parse(answer.body.toString()) as T;
}

/** One client: requests back to back until `deadline`; each outcome goes to `record`. */
async function client(
  id: number,
  agent: http.Agent,
  url: string,
  deadline: number,
  mix: readonly LoadKind[],
  record: (kind: LoadKind, ms: number, answer: Answer | null, problem: string | null) => void,
): Promise<void> {
  let turn = id; // clients start at different places in the mix
  let voices = 0;
  const timed = async (kind: LoadKind, method: string, path: string, json: unknown, check: (a: Answer) => string | null): Promise<Answer | null> => {
    const start = performance.now();
    let answer: Answer;
    try {
      answer = await send(agent, url, method, path, json);
    } catch (error) {
      record(kind, performance.now() - start, null, error instanceof Error ? error.message : String(error));
      return null;
    }
    let problem: string | null;
    try {
      problem = answer.status >= 200 && answer.status < 300 ? check(answer) : errorProblem(answer);
    } catch (error) {
      problem = `unreadable answer: ${error instanceof Error ? error.message : String(error)}`;
    }
    record(kind, performance.now() - start, answer, problem);
    return answer;
  };

  while (performance.now() < deadline) {
    const kind = mix[turn % mix.length]!;
    const text = SENTENCES.slice(turn % SENTENCES.length, (turn % SENTENCES.length) + 1 + (turn % 2)).join(' ');
    turn++;
    if (kind.startsWith('speech-')) {
      const sse = kind === 'speech-sse';
      const format: SpeechFormat = sse ? SPEECH_FORMATS[turn % SPEECH_FORMATS.length]! : (kind.slice(7) as SpeechFormat);
      await timed(kind, 'POST', '/v1/audio/speech', { input: text, voice: 'espeak-en-us-female', response_format: format, ...(sse && { stream_format: 'sse' }) }, (a) =>
        sse ? sseProblem(a.body.toString()) : audioProblem(format, a.body),
      );
    } else if (kind === 'voices-list') {
      await timed(kind, 'GET', '/v1/voices', undefined, (a) => {
        const list = jsonBody<{ object?: string; data?: { name?: unknown }[] }>(a);
        return list.object === 'list' && Array.isArray(list.data) && list.data.length > 0 ? null : 'not a non-empty voice list';
      });
    } else if (kind === 'health') {
      await timed(kind, 'GET', '/health', undefined, (a) => (jsonBody<{ status?: string }>(a).status === 'ok' ? null : 'status is not ok'));
    } else if (kind === 'voice-blend') {
      const name = `load-${id}-${voices++}`;
      const created = await timed(kind, 'POST', '/v1/voices/blend', { name, voices: 'espeak-en-us-female(2)+espeak-en-us-male(1)', temporary: false }, (a) =>
        a.status === 201 && jsonBody<{ voice?: { name?: string } }>(a).voice?.name === name ? null : `blend answered ${a.status} without the voice`,
      );
      if (created?.status === 201) {
        await timed('voice-delete', 'DELETE', `/v1/voices/custom/${name}`, undefined, (a) =>
          jsonBody<{ deleted?: string }>(a).deleted === name ? null : 'delete did not name the voice',
        );
      }
    }
  }
}

/** Runs `clients` clients against the server at `url` for `seconds`, sending the standard mix unless given another. */
export async function runLoad(url: string, options: { seconds: number; clients: number; mix?: readonly LoadKind[] }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  const result: LoadResult = { seconds: options.seconds, clients: options.clients, requests: 0, kinds: {}, connectionErrors: [], malformed: [] };
  const record = (kind: LoadKind, ms: number, answer: Answer | null, problem: string | null): void => {
    result.requests++;
    const stats = (result.kinds[kind] ??= { count: 0, latencies: [], statuses: {} });
    stats.count++;
    stats.latencies.push(ms);
    if (!answer) {
      result.connectionErrors.push(`${kind}: ${problem}`);
      return;
    }
    stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
    if (problem) result.malformed.push(`${kind} (${answer.status}): ${problem}`);
  };
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  try {
    await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i, agent, url, deadline, options.mix ?? MIX, record)));
  } finally {
    agent.destroy();
  }
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Answers by class: 5xx, 503 (overload, allowed) and the other non-2xx. */
export function statusCounts(result: LoadResult): { serverErrors: number; busy: number; otherNon2xx: Record<number, number> } {
  let serverErrors = 0;
  let busy = 0;
  const otherNon2xx: Record<number, number> = {};
  for (const stats of Object.values(result.kinds)) {
    for (const [code, n] of Object.entries(stats.statuses)) {
      const status = Number(code);
      if (status === 503) busy += n;
      else if (status >= 500) serverErrors += n;
      else if (status < 200 || status >= 300) otherNon2xx[status] = (otherNon2xx[status] ?? 0) + n;
    }
  }
  return { serverErrors, busy, otherNon2xx };
}

/** The event loop's delay as prom-client measures it; each scrape resets its histogram, so two scrapes bracket a run. */
export async function eventLoopLag(url: string): Promise<{ p99: number; max: number } | null> {
  const response = await fetch(`${url}/metrics`).catch(() => null);
  if (!response?.ok) return null;
  const text = await response.text();
  const read = (name: string): number => Number(new RegExp(`^litetts_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('p99'), max: read('max') };
}
