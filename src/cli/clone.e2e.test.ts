import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { hiddenReference, referenceWav } from '../test-support/clone-client.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { wavFile } from '../test-support/wav.js';
import { EXIT_UNUSABLE_AUDIO } from './clone.js';

/** `litetts voices clone` (the built CLI) on a running server's data directory: what it makes, the server serves. */

const work = mkdtempSync(join(tmpdir(), 'litetts-clone-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('litetts voices clone', () => {
  let server: TestServer;
  let ref: string;
  before(async () => {
    server = await startTestServer();
    ref = join(work, 'ref.wav');
    writeFileSync(ref, referenceWav(await hiddenReference()));
  });
  after(async () => server.stop());

  test('a fast clone: temporary with a session, printed, stored where the server speaks it at once', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const made = await runLitetts(['voices', 'clone', ref, '--name', 'cli-clone', '--session', 'cli-s1', '--description', 'made by the CLI', '--data-dir', server.dataDir]);
    console.log(`litetts voices clone: ${(performance.now() - started).toFixed(0)} ms; ${made.stdout.trim()}`);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^cloned cli-clone \(espeak, temporary\) session cli-s1 expires \S+ similarity 0\.\d{3}\n$/);
    const voice = (await (await fetch(`${server.url}/v1/voices/cli-clone`)).json()) as { kind: string; source: string; session_id: string; similarity: number; description: string };
    assert.equal(voice.kind, 'temporary');
    assert.equal(voice.source, 'clone');
    assert.equal(voice.session_id, 'cli-s1');
    assert.equal(voice.description, 'made by the CLI');
    assert.equal(voice.similarity.toFixed(3), /similarity (\S+)/.exec(made.stdout)![1]);
    const speech = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Hello.', voice: 'cli-clone', response_format: 'pcm' }) });
    assert.equal(speech.status, 200);
    await speech.arrayBuffer();
  });

  test('--thorough --keep --json: a custom voice, progress on stderr, the answer as the API gives it', { timeout: 60_000 }, async () => {
    const made = await runLitetts(['voices', 'clone', ref, '--name', 'cli-kept', '--thorough', '--max-seconds', '6', '--keep', '--json', '--data-dir', server.dataDir]);
    assert.equal(made.code, 0, made.stderr);
    const answer = JSON.parse(made.stdout) as { voice: { kind: string; expires_at: string | null }; session_id: string | null; similarity: number; analysis: { duration_s: number } };
    assert.equal(answer.voice.kind, 'custom');
    assert.equal(answer.voice.expires_at, null);
    assert.equal(answer.session_id, null);
    assert.ok(answer.similarity > 0 && answer.analysis.duration_s > 5);
    const lines = made.stderr.trim().split('\n');
    assert.ok(lines.length >= 2 && lines.every((l) => /^\d+% .+/.test(l)), `progress lines on stderr:\n${made.stderr}`);
  });

  test('refusals: unusable audio exits with its own status and the analysis; a taken name or a file that is not audio exit 2; nothing is stored', { timeout: 60_000 }, async () => {
    const silent = join(work, 'silent.wav');
    writeFileSync(silent, wavFile(new Int16Array(16_000 * 5), 16_000));
    const unusable = await runLitetts(['voices', 'clone', silent, '--name', 'cli-bad', '--json', '--data-dir', server.dataDir]);
    assert.equal(unusable.code, EXIT_UNUSABLE_AUDIO, unusable.stderr);
    assert.match(unusable.stderr, /cannot be cloned from/);
    assert.equal((JSON.parse(unusable.stdout) as { error: { code: string; analysis: unknown } }).error.code, 'audio_unusable');

    const taken = await runLitetts(['voices', 'clone', silent, '--name', 'CLI-CLONE', '--data-dir', server.dataDir]);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /already taken/, 'the name is refused before the audio is looked at');
    const notAudio = join(work, 'notes.txt');
    writeFileSync(notAudio, 'not audio at all\n');
    const text = await runLitetts(['voices', 'clone', notAudio, '--name', 'cli-text', '--data-dir', server.dataDir]);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /Cannot decode/);
    const badTtl = await runLitetts(['voices', 'clone', ref, '--name', 'cli-ttl', '--ttl-seconds', '0', '--data-dir', server.dataDir]);
    assert.equal(badTtl.code, 2);
    assert.match(badTtl.stderr, /ttl_seconds/);

    const list = (await (await fetch(`${server.url}/v1/voices?kind=all`)).json()) as { data: { name: string; kind: string }[] };
    assert.deepEqual(list.data.filter((v) => v.kind !== 'builtin').map((v) => v.name).sort(), ['cli-clone', 'cli-kept']);
  });
});
