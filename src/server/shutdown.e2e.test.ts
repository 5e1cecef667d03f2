import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { decodeToPcm } from '../audio/ffmpeg.js';
import { parseResponses } from '../test-support/raw-http.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

interface ErrorShape {
  error: { message: string; type: string; param: string | null; code: string };
}

/** `count` sentences of espeak speech: about 50 ms of synthesis each on one worker thread. */
function speechRequest(count: number): string {
  const input = Array.from({ length: count }, (_, i) => `Sentence number ${i + 1} keeps the only worker busy for a while.`).join(' ');
  const body = JSON.stringify({ input, voice: 'alloy', response_format: 'wav' });
  return `POST /v1/audio/speech HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A kept-alive connection whose bytes are collected until the server closes it. */
function openConnection(url: string): Promise<{ socket: Socket; firstBytes: Promise<void>; closed: Promise<Buffer> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let gotFirst: () => void = () => {};
    const firstBytes = new Promise<void>((r) => (gotFirst = r));
    const closed = new Promise<Buffer>((r) => socket.on('close', () => r(Buffer.concat(chunks))));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      gotFirst();
    });
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, firstBytes, closed }));
  });
}

function exitOf(server: TestServer): Promise<{ code: number | null; signal: string | null; at: number }> {
  return new Promise((resolve) => server.process.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
}

/** Resolves once a fresh connection is refused (the listener is closed), within `timeoutMs`. */
async function refusedWithin(url: string, timeoutMs: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('graceful stop (real server process)', () => {
  test('SIGTERM: the stream in flight finishes whole, new connections are refused, a new request on a kept-alive connection gets 503, exit 0', async () => {
    const server = await startTestServer({ args: ['--workers', '1', '--audio-cache-mb', '0', '--max-input-chars', '100000', '--shutdown-grace-seconds', '60'] });
    try {
      const sentences = 60;
      // The same request undisturbed, for comparison (same text, so the same number of samples).
      const reference = await openConnection(server.url);
      reference.socket.write(speechRequest(sentences).replace('Host: localhost', 'Host: localhost\r\nConnection: close'));
      const [whole] = parseResponses(await reference.closed);
      assert.equal(whole?.status, 200, 'reference request');
      assert.ok(whole.complete && whole.bytes.length > 1_000_000, `reference body: ${whole.bytes.length} bytes`);

      const exited = exitOf(server);
      const connection = await openConnection(server.url);
      connection.socket.write(speechRequest(sentences));
      await connection.firstBytes;
      server.process.kill('SIGTERM');
      const signalled = performance.now();
      assert.ok(await refusedWithin(server.url, 3000), 'new connections are refused soon after SIGTERM');
      // The stream still runs; a second request on its connection is answered once it is done.
      connection.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const [streamed, refused, ...rest] = parseResponses(await connection.closed);
      assert.equal(streamed?.status, 200, 'the in-flight request');
      assert.ok(streamed.complete, 'its stream ended properly (final chunk)');
      assert.equal(streamed.bytes.length, whole.bytes.length, 'as long as the undisturbed one');
      const decoded = await decodeToPcm(streamed.bytes);
      assert.equal(decoded.sampleRate, 24000, 'a valid 24 kHz WAV');
      assert.equal(decoded.pcm.length, (await decodeToPcm(whole.bytes)).pcm.length, 'every sample of the undisturbed one');
      assert.equal(refused?.status, 503, `the request sent after SIGTERM: ${refused?.body}`);
      assert.equal(refused.headers.connection, 'close', 'told to close the connection');
      assert.ok(Number(refused.headers['retry-after']) >= 1, 'with Retry-After');
      assert.equal((JSON.parse(refused.body) as ErrorShape).error.code, 'shutting_down', refused.body);
      assert.equal(rest.length, 0, 'nothing after it: the server closed the connection');
      const exit = await exited;
      assert.deepEqual([exit.code, exit.signal], [0, null], 'exit code 0');
      assert.ok(exit.at - signalled < 30_000, `stopped ${Math.round(exit.at - signalled)} ms after SIGTERM`);
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(server.logs.some((l) => l.msg === 'stopped'), 'logged its stop (logs are flushed on exit)');
    } finally {
      await server.stop();
    }
  });

  test('past the grace period the remaining streams are cut and the process still exits 0', async () => {
    const graceSeconds = 1;
    const server = await startTestServer({
      args: ['--workers', '1', '--audio-cache-mb', '0', '--max-input-chars', '100000', '--shutdown-grace-seconds', String(graceSeconds)],
    });
    try {
      const exited = exitOf(server);
      const connection = await openConnection(server.url);
      // About 20 s of synthesis: far more than the grace period.
      connection.socket.write(speechRequest(400));
      await connection.firstBytes;
      server.process.kill('SIGTERM');
      const signalled = performance.now();
      const [cut] = parseResponses(await connection.closed);
      assert.equal(cut?.status, 200, 'the stream had started');
      assert.equal(cut.complete, false, 'the stream was cut, not finished');
      const exit = await exited;
      assert.deepEqual([exit.code, exit.signal], [0, null], 'exit code 0');
      const took = exit.at - signalled;
      assert.ok(took >= graceSeconds * 1000 - 100, `waited the grace period (${Math.round(took)} ms)`);
      assert.ok(took < graceSeconds * 1000 + 10_000, `then stopped promptly (${Math.round(took)} ms)`);
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(server.logs.some((l) => String(l.msg).includes('grace period')), 'logged that it cut requests');
    } finally {
      await server.stop();
    }
  });
});
