import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeToPcm, type DecodedAudio } from './audio/ffmpeg.js';
import { ESPEAK_BUILTIN_VOICES } from './engines/espeak/index.js';
import { startTestServer } from './test-support/server.js';

/**
 * The command line as a user runs it: `node bin/litetts.js …` on the build in dist/
 * (`npm test` builds before running the tests).
 */
const ROOT = new URL('../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/litetts.js');
const TEXT = 'Hello there. This is a test.';
/** Each run is a whole node process (plus ffmpeg for decoding): a few at a time, not all at once. */
const CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

const tmp = mkdtempSync(join(tmpdir(), 'litetts-cli-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

before(() => {
  assert.ok(
    existsSync(join(ROOT, 'dist/cli.js')),
    'dist/cli.js is missing: run `npm run build` first (`npm test` does this before running the tests)',
  );
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** The environment without any LITETTS_ setting of the caller's, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LITETTS_')) env[k] = v;
  return { ...env, ...extra };
}

function litetts(args: string[], opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`litetts ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr, ms: performance.now() - started });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

function assertOk(run: Run, what: string): void {
  assert.equal(run.code, 0, `${what} exited with ${run.code ?? run.signal}\n${run.stderr}`);
}

function seconds(audio: DecodedAudio): number {
  return audio.pcm.length / audio.sampleRate;
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

function assertSpeech(audio: DecodedAudio, what: string): void {
  assert.ok(seconds(audio) > 1, `${what}: ${seconds(audio).toFixed(2)} s of audio, expected more than 1 s`);
  assert.ok(rms(audio.pcm) > 300, `${what}: RMS ${rms(audio.pcm).toFixed(0)}, expected speech, not silence`);
}

describe('litetts --help', { concurrency: CONCURRENCY }, () => {
  const cases: [string[], RegExp[]][] = [
    [['--help'], [/Usage: litetts/, /serve/, /say/, /voices/]],
    [['serve', '--help'], [/Usage: litetts serve/, /--port/, /--host/, /--config/]],
    [['say', '--help'], [/Usage: litetts say/, /--voice/, /--output/, /--speed/, /--format/]],
    [['voices', '--help'], [/Usage: litetts voices/, /list/]],
    [['voices', 'list', '--help'], [/Usage: litetts voices list/, /--json/, /--engine/]],
  ];
  for (const [args, patterns] of cases) {
    test(args.join(' '), async () => {
      const run = await litetts(args);
      assertOk(run, args.join(' '));
      const text = run.stdout.toString();
      for (const pattern of patterns) assert.match(text, pattern);
    });
  }
});

describe('litetts say', { concurrency: CONCURRENCY }, () => {
  /** `say TEXT -f wav -o -` at speed 1: the reference the other tests compare with. */
  let reference: { run: Run; audio: DecodedAudio };
  before(async () => {
    const run = await litetts(['say', TEXT, '-v', 'alloy', '-f', 'wav', '-o', '-']);
    assertOk(run, 'say to stdout');
    reference = { run, audio: await decodeToPcm(run.stdout) };
  });

  test('writes an mp3 named by -o', async () => {
    const out = join(tmp, 'out.mp3');
    const run = await litetts(['say', TEXT, '-v', 'alloy', '-o', out]);
    assertOk(run, 'say');
    assert.ok(existsSync(out), 'no output file');
    const audio = await decodeToPcm(readFileSync(out));
    assert.equal(audio.codec, 'mp3');
    assert.equal(audio.sampleRate, 24000);
    assert.equal(audio.channels, 1);
    assertSpeech(audio, 'mp3');
    assert.match(run.stderr, /out\.mp3/);
    assert.equal(run.stdout.length, 0, 'nothing on stdout when writing a file');
  });

  test('-f wav -o - writes a WAV to stdout', async () => {
    const { run, audio } = reference;
    assert.equal(run.stdout.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.equal(run.stdout.subarray(8, 12).toString('latin1'), 'WAVE');
    assert.equal(run.stderr, '', 'nothing on stderr when writing to stdout');
    assert.equal(audio.codec, 'pcm_s16le');
    assert.equal(audio.sampleRate, 24000);
    assertSpeech(audio, 'wav');
  });

  test('the format comes from the output name', async () => {
    const expected: [string, string, string][] = [
      ['out.flac', 'flac', 'fLaC'],
      ['out.ogg', 'opus', 'OggS'],
    ];
    for (const [name, codec, magic] of expected) {
      const out = join(tmp, name);
      const run = await litetts(['say', TEXT, '-v', 'alloy', '-o', out]);
      assertOk(run, `say -o ${name}`);
      const bytes = readFileSync(out);
      assert.equal(bytes.subarray(0, 4).toString('latin1'), magic, `${name} starts with ${magic}`);
      const audio = await decodeToPcm(bytes);
      assert.equal(audio.codec, codec, name);
      assertSpeech(audio, name);
      assert.match(run.stderr, new RegExp(`\\(espeak-en-us-female, ${codec === 'flac' ? 'flac' : 'opus'}\\)`));
    }
  });

  test("reads the text from stdin with '-'", async () => {
    const fromStdin = await litetts(['say', '-', '-v', 'alloy', '-f', 'wav', '-o', '-'], { stdin: `${TEXT}\n` });
    assertOk(fromStdin, 'say -');
    const audio = await decodeToPcm(fromStdin.stdout);
    assertSpeech(audio, 'stdin');
    // The same text as an argument gives audio of (nearly) the same length: it really read stdin.
    const fromArg = reference.audio;
    assert.ok(Math.abs(seconds(audio) - seconds(fromArg)) < 0.2, `stdin ${seconds(audio)} s vs argument ${seconds(fromArg)} s`);
  });

  test('--speed 2 gives clearly shorter audio than speed 1', async () => {
    const run = await litetts(['say', TEXT, '-v', 'alloy', '-f', 'wav', '-o', '-', '--speed', '2']);
    assertOk(run, '--speed 2');
    const fast = await decodeToPcm(run.stdout);
    const ratio = seconds(fast) / seconds(reference.audio);
    assert.ok(ratio > 0.35 && ratio < 0.7, `speed 2 / speed 1 length ratio ${ratio.toFixed(2)}`);
    assert.ok(rms(fast.pcm) > 300, 'speed 2 audio is silent');
  });

  test('an unknown voice exits 2, names the voice and writes nothing', async () => {
    const out = join(tmp, 'nobody.mp3');
    const run = await litetts(['say', TEXT, '-v', 'af_nobody', '-o', out]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /af_nobody/);
    assert.equal(existsSync(out), false, 'an output file was created');
  });

  test('a bad speed exits non-zero with a message', async () => {
    for (const speed of ['9', 'fast']) {
      const out = join(tmp, `speed-${speed}.mp3`);
      const run = await litetts(['say', TEXT, '-v', 'alloy', '--speed', speed, '-o', out]);
      assert.notEqual(run.code, 0, `--speed ${speed} was accepted`);
      assert.match(run.stderr, /speed/);
      assert.match(run.stderr, /0\.25/);
      assert.equal(existsSync(out), false);
    }
  });

  test('an unknown format exits non-zero naming the choices', async () => {
    const run = await litetts(['say', TEXT, '-f', 'ogg', '-o', '-']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /format/);
    assert.match(run.stderr, /opus/);
    assert.equal(run.stdout.length, 0);
  });
});

describe('litetts voices list', { concurrency: CONCURRENCY }, () => {
  test('prints the builtin espeak voices', async () => {
    const run = await litetts(['voices', 'list']);
    assertOk(run, 'voices list');
    const [header, ...lines] = run.stdout.toString().trim().split('\n');
    assert.match(header ?? '', /^NAME\s+ENGINE\s+KIND\s+LANGUAGE\s+GENDER\s+AVAILABLE\s+EXPIRES\s+DESCRIPTION$/, 'a header');
    const names = lines.map((l) => l.split(/\s+/)[0]);
    for (const voice of ESPEAK_BUILTIN_VOICES) assert.ok(names.includes(voice.name), `${voice.name} missing from\n${run.stdout}`);
    const female = lines.find((l) => l.startsWith('espeak-en-us-female '));
    assert.match(female ?? '', /espeak\s+builtin\s+en-us\s+female\s+yes\s+-\s+/, 'espeak voices are available');
    const kokoro = lines.find((l) => l.startsWith('af_heart '));
    assert.match(kokoro ?? '', /kokoro\s+builtin\s+en-us\s+female\s+no\s+/, 'Kokoro’s are listed, not available without the model');
    const column = header!.indexOf('AVAILABLE');
    assert.ok(lines.every((l) => /^(yes|no) /.test(l.slice(column))), 'the column lines up');
  });

  test('--json prints an array of voice objects', async () => {
    const run = await litetts(['voices', 'list', '--json']);
    assertOk(run, 'voices list --json');
    const parsed = JSON.parse(run.stdout.toString()) as unknown;
    assert.ok(Array.isArray(parsed), 'not a JSON array');
    const list = parsed as Record<string, unknown>[];
    assert.equal(list.filter((v) => v.engine === 'espeak').length, ESPEAK_BUILTIN_VOICES.length);
    for (const builtin of ESPEAK_BUILTIN_VOICES) {
      const voice: Record<string, unknown> | undefined = list.find((v) => v.name === builtin.name);
      assert.ok(voice, `${builtin.name} missing`);
      assert.equal(voice.engine, 'espeak');
      assert.equal(voice.kind, 'builtin');
      assert.equal(voice.language, builtin.language);
      assert.equal(voice.gender, builtin.gender);
    }
  });

  test('--engine filters; an unknown engine or kind is refused with exit 2, naming the choices', async () => {
    const espeak = JSON.parse((await litetts(['voices', 'list', '--json', '--engine', 'espeak'])).stdout.toString()) as { engine: string }[];
    assert.ok(espeak.length > 0 && espeak.every((v) => v.engine === 'espeak'), 'only espeak voices');
    const bogus = await litetts(['voices', 'list', '--json', '--engine', 'nothing']);
    assert.equal(bogus.code, 2, bogus.stderr);
    assert.match(bogus.stderr, /'nothing' is invalid\. Allowed choices are kokoro, espeak/, bogus.stderr);
    assert.equal(bogus.stdout.length, 0, 'nothing on stdout');
    const kind = await litetts(['voices', 'list', '--kind', 'everything']);
    assert.equal(kind.code, 2, kind.stderr);
    assert.match(kind.stderr, /Allowed choices are builtin, custom, temporary, all/, kind.stderr);
  });

  test('blend and import print JSON with --json; both are custom unless asked for temporary, as over HTTP', async () => {
    const blend = await litetts(['voices', 'blend', 'cli-default-blend', 'espeak-en-us-female+espeak-en-gb-male', '--json']);
    assertOk(blend, 'voices blend --json');
    assert.equal((JSON.parse(blend.stdout.toString()) as { voice: { kind: string } }).voice.kind, 'custom');
    const temporary = await litetts(['voices', 'blend', 'cli-temp-blend', 'espeak-en-us-female+espeak-en-gb-male', '--temporary', '--json']);
    assertOk(temporary, 'voices blend --temporary');
    assert.equal((JSON.parse(temporary.stdout.toString()) as { voice: { kind: string } }).voice.kind, 'temporary');
    const file = join(tmp, 'cli-default-blend.json');
    assertOk(await litetts(['voices', 'download', 'cli-default-blend', file]), 'voices download');
    const imported = await litetts(['voices', 'import', file, '--name', 'cli-imported', '--json']);
    assertOk(imported, 'voices import --json');
    assert.deepEqual((JSON.parse(imported.stdout.toString()) as { data: { name: string; kind: string }[] }).data.map((v) => [v.name, v.kind]), [['cli-imported', 'custom']]);
    const taken = await litetts(['voices', 'blend', 'cli-default-blend', 'espeak-en-us-female+espeak-en-gb-male']);
    assert.equal(taken.code, 2, `a name already taken is refused: ${taken.stderr}`);
  });

  test('an unknown option exits 2; --help and --version exit 0', async () => {
    const unknown = await litetts(['voices', 'list', '--colour']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /unknown option '--colour'/);
    assert.equal((await litetts(['--version'])).code, 0, '--version');
    assert.equal((await litetts(['voices', '--help'])).code, 0, '--help');
  });
});

describe('litetts serve with bad settings', { concurrency: CONCURRENCY }, () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['--port abc', ['serve', '--port', 'abc'], {}, /--port/],
    ['LITETTS_PORT=70000', ['serve'], { LITETTS_PORT: '70000' }, /LITETTS_PORT/],
  ];
  for (const [name, args, env, source] of cases) {
    test(`${name} exits quickly, naming the setting, without listening`, async () => {
      // What a start that only loads the CLI costs on this machine now: the bound is relative, so load does not fail it.
      const baseline = await litetts(['--version']);
      const run = await litetts(args, { env, timeoutMs: 10_000 });
      assert.notEqual(run.code, 0, 'the server started');
      assert.equal(run.signal, null);
      assert.match(run.stderr, /'port'/);
      assert.match(run.stderr, source);
      assert.doesNotMatch(run.stdout.toString(), /listening/i);
      assert.ok(run.ms < 3 * baseline.ms + 1000, `took ${Math.round(run.ms)} ms to fail; --version took ${Math.round(baseline.ms)} ms`);
    });
  }
});

describe('litetts serve --log-dir', () => {
  test('writes JSON request lines to main.log and creates errors.log', async () => {
    const logDir = join(tmp, 'logs');
    const server = await startTestServer({ args: ['--log-dir', logDir, '--workers', '1'] });
    try {
      const response = await fetch(`${server.url}/health`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    } finally {
      await server.stop();
    }
    assert.ok(existsSync(join(logDir, 'errors.log')), 'errors.log was not created');
    const lines = readFileSync(join(logDir, 'main.log'), 'utf8').trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(
      entries.some((e) => typeof e.msg === 'string' && e.msg.startsWith('LiteTTS listening')),
      `no start line in main.log:\n${lines.join('\n')}`,
    );
    const request = entries.find((e) => e.msg === 'request' && e.url === '/health');
    assert.ok(request, `no request line for /health in main.log:\n${lines.join('\n')}`);
    assert.equal(request.method, 'GET');
    assert.equal(request.status, 200);
    assert.equal(typeof request.ms, 'number');
    assert.equal(typeof request.time, 'string');
  });
});
