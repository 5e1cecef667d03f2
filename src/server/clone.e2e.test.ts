import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { measure } from '../cloning/espeak-fit-calibration.js';
import { FIT_TEXTS, RENDER_RATE } from '../cloning/espeak-fit.js';
import { similarity, speakerFeatures } from '../cloning/scorer.js';
import { int16ToFloat } from '../audio/pcm.js';
import type { EspeakVoiceData } from '../engines/engine.js';
import { parseEspeakJson } from '../voices/formats/espeak.js';
import { createVoice, DEFAULT_ESPEAK, ffmpegFile, hiddenReference, HIDDEN_VOICE, referenceWav } from '../test-support/clone-client.js';
import { renderEspeak } from '../test-support/espeak-render.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/** POST /v1/voices/create against the real server: what a clone recovers, its life in the library, every upload format. */

const work = mkdtempSync(join(tmpdir(), 'litetts-clone-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));
const logit = (p: number): number => Math.log(p / (1 - p));

interface VoiceBody {
  name: string;
  kind: string;
  source: string;
  engine: string;
  similarity?: number;
  session_id: string | null;
  expires_at: string | null;
}

describe('voice cloning (real server)', () => {
  let server: TestServer;
  let pcm: Int16Array;
  let wav: Uint8Array;
  const json = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    server = await startTestServer({ waitForWarmUp: true });
    pcm = await hiddenReference();
    wav = referenceWav(pcm);
  });
  after(async () => server.stop());

  test('round trip: a hidden espeak voice comes back with its pitch, pace and vocal tract, and beats the default voice', { timeout: 60_000 }, async () => {
    const answer = await createVoice(server, { voice_name: 'hidden-clone' }, { name: 'ref.wav', bytes: wav });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const voice = answer.body.voice as VoiceBody;
    const clone = answer.body.similarity as number;
    assert.equal(voice.source, 'clone');
    assert.equal(voice.similarity, clone, 'the voice carries its similarity');
    assert.equal(answer.body.session_id, voice.session_id);
    assert.equal((answer.body.analysis as { suitability: { ok: boolean } }).suitability.ok, true, 'the analysis comes along');

    const download = await fetch(`${server.url}/v1/voices/hidden-clone/download`);
    const data: EspeakVoiceData = parseEspeakJson(new Uint8Array(await download.arrayBuffer()));
    const reference = int16ToFloat(pcm);
    const ref = measure(reference, RENDER_RATE);
    const got = measure(await renderEspeak(data, FIT_TEXTS.heldOut), RENDER_RATE);
    const baseline = similarity(ref.features, speakerFeatures(await renderEspeak(DEFAULT_ESPEAK, FIT_TEXTS.heldOut), RENDER_RATE));
    const scale = (data.formants?.find((f) => f.n === 3)?.freq ?? 100) / 100;
    console.log(
      `round trip over HTTP (${(pcm.length / RENDER_RATE).toFixed(1)} s reference, answered in ${answer.ms.toFixed(0)} ms): ` +
        `F0 ref ${ref.f0Hz.toFixed(1)} Hz, clone ${got.f0Hz.toFixed(1)} Hz; syllables/s ref ${ref.syllablesPerS.toFixed(2)}, clone ${got.syllablesPerS.toFixed(2)} ` +
        `(rate ${data.rate} wpm, hidden ${HIDDEN_VOICE.rate}); formant scale ${scale.toFixed(2)} (hidden 1.15), variant ${data.variant}; ` +
        `similarity ${clone.toFixed(4)} vs the default voice's ${baseline.toFixed(4)}`,
    );
    assert.ok(Math.abs(got.f0Hz / ref.f0Hz - 1) < 0.1, `pitch within 10 % (${got.f0Hz.toFixed(1)} vs ${ref.f0Hz.toFixed(1)} Hz)`);
    assert.ok(Math.abs(got.syllablesPerS / ref.syllablesPerS - 1) < 0.15, `pace within 15 % (${got.syllablesPerS.toFixed(2)} vs ${ref.syllablesPerS.toFixed(2)} syllables/s)`);
    assert.ok(Math.abs(scale - 1.15) <= 0.1, `formant scale within 0.1 of the hidden 1.15 (${scale})`);
    assert.ok(logit(clone) - logit(baseline) > 1, `the clone (${clone}) clearly above the default voice (${baseline})`);
    assert.ok(answer.ms < 6000, `answered in a few seconds (${answer.ms.toFixed(0)} ms)`);
  });

  test('a clone is temporary with a generated session, speaks at once, is listed only when asked, and can be saved, renamed, downloaded and deleted', { timeout: 60_000 }, async () => {
    const made = await createVoice(server, { voice_name: 'life-1', description: 'from a test' }, { name: 'ref.wav', bytes: wav });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const voice = made.body.voice as VoiceBody;
    const session = made.body.session_id as string;
    assert.equal(voice.kind, 'temporary');
    assert.match(session, /^[0-9a-f-]{36}$/, 'a session was generated');
    assert.ok(voice.expires_at !== null);

    const speech = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Hello there.', voice: 'life-1', response_format: 'wav' }) });
    assert.equal(speech.status, 200, 'it speaks at once');
    assert.ok((await speech.arrayBuffer()).byteLength > 10_000);

    const names = async (query: string) => ((await json(`/v1/voices${query}`)).body.data as VoiceBody[]).map((v) => v.name);
    assert.ok(!(await names('')).includes('life-1'), 'absent from the default list');
    assert.ok((await names('?kind=temporary')).includes('life-1'), 'listed with ?kind=temporary');
    assert.ok((await names(`?session_id=${session}`)).includes('life-1'), 'and by its session');

    const saved = await json(`/v1/voices/custom/life-1/save`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: session }) });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal((saved.body.voice as VoiceBody).kind, 'custom');
    assert.ok((await names('')).includes('life-1'), 'saved: in the default list');
    const renamed = await json('/v1/voices/custom/life-1', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'life-2' }) });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const shown = (await json('/v1/voices/life-2')).body as unknown as VoiceBody;
    assert.equal(shown.source, 'clone', 'still a clone');
    assert.equal(shown.similarity, voice.similarity, 'with its similarity kept');
    const download = await fetch(`${server.url}/v1/voices/life-2/download`);
    assert.equal(download.status, 200);
    assert.equal(parseEspeakJson(new Uint8Array(await download.arrayBuffer())).engine, 'espeak', 'downloads as espeak JSON');
    assert.equal((await json('/v1/voices/custom/life-2', { method: 'DELETE' })).status, 200);
    assert.equal((await json('/v1/voices/life-2')).status, 404, 'gone');

    const custom = await createVoice(server, { voice_name: 'kept-1', temporary: 'false' }, { name: 'ref.wav', bytes: wav });
    assert.equal(custom.status, 201, JSON.stringify(custom.body));
    const kept = custom.body.voice as VoiceBody;
    assert.equal(kept.kind, 'custom', 'temporary=false: a custom voice');
    assert.equal(kept.expires_at, null);
    assert.equal(custom.body.session_id, null);
    assert.equal(kept.source, 'clone');
    assert.ok(typeof kept.similarity === 'number' && kept.similarity >= 0 && kept.similarity <= 1, 'similarity stored');
  });

  test('every upload format clones, recognised by its content whatever it is called', { timeout: 120_000 }, async () => {
    writeFileSync(join(work, 'ref.wav'), wav);
    const input = ['-i', join(work, 'ref.wav')];
    const formats: [string, Uint8Array][] = [
      ['wav', wav],
      ['mp3', ffmpegFile(work, 'ref.mp3', [...input, '-c:a', 'libmp3lame', '-b:a', '64k'])],
      ['flac', ffmpegFile(work, 'ref.flac', [...input, '-c:a', 'flac'])],
      ['ogg-opus', ffmpegFile(work, 'ref.ogg', [...input, '-c:a', 'libopus', '-b:a', '32k'])],
      ['webm', ffmpegFile(work, 'ref.webm', [...input, '-c:a', 'libopus', '-b:a', '32k'])],
      ['m4a', ffmpegFile(work, 'ref.m4a', [...input, '-c:a', 'aac', '-b:a', '64k'])],
    ];
    for (const [format, bytes] of formats) {
      const answer = await createVoice(server, { voice_name: `fmt-${format}` }, { name: 'upload.bin', bytes });
      assert.equal(answer.status, 201, `${format}: ${JSON.stringify(answer.body).slice(0, 300)}`);
      const analysis = answer.body.analysis as { codec: string; duration_s: number };
      console.log(`${format}: ${bytes.length} bytes, codec ${analysis.codec}, ${analysis.duration_s.toFixed(2)} s, similarity ${(answer.body.similarity as number).toFixed(4)}, ${answer.ms.toFixed(0)} ms`);
      assert.ok(Math.abs(analysis.duration_s - pcm.length / 24_000) < 0.2, `${format}: the whole reference was decoded`);
    }
  });

  test('a thorough clone is a job: 202, progress on its event stream, its voice lands temporary with the job\'s session; cancel and cancel again', { timeout: 120_000 }, async () => {
    const answer = await createVoice(server, { voice_name: 'th-1', quality: 'thorough', max_seconds: '8' }, { name: 'ref.wav', bytes: wav });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const job = answer.body.job as { id: string; status: string; session_id: string };
    assert.match(job.id, /^job_/);
    assert.equal(job.session_id, answer.body.session_id, 'the job belongs to the clone\'s session');
    assert.equal((await json('/v1/voices/th-1')).status, 404, 'no voice until the job succeeds');

    // The event stream: progress events, then one done event.
    const events = await fetch(`${server.url}/v1/jobs/${job.id}/events`);
    const text = await events.text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.ok(names.includes('progress'), `progress events arrived (${names.join(', ')})`);
    assert.equal(names.at(-1), 'done', `the stream ends with done (${names.slice(-3).join(', ')})`);
    const done = await json(`/v1/jobs/${job.id}`);
    assert.equal(done.body.status, 'succeeded', JSON.stringify(done.body));
    const voice = done.body.voice as VoiceBody;
    assert.equal(voice.name, 'th-1');
    assert.equal(voice.kind, 'temporary', 'a thorough clone is temporary by default too');
    assert.equal(voice.session_id, job.session_id);
    assert.ok(typeof voice.similarity === 'number' && voice.similarity > 0, 'with its held-out similarity');
    console.log(`thorough job: ${names.filter((n) => n === 'progress').length} progress events, similarity ${voice.similarity?.toFixed(4)}`);
    const speech = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Hello there.', voice: 'th-1', response_format: 'wav' }) });
    assert.equal(speech.status, 200, 'it speaks at once');

    const second = await createVoice(server, { voice_name: 'th-2', quality: 'thorough', max_seconds: '60' }, { name: 'ref.wav', bytes: wav });
    assert.equal(second.status, 202, JSON.stringify(second.body));
    const id = (second.body.job as { id: string }).id;
    const cancelled = await json(`/v1/jobs/${id}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    const again = await json(`/v1/jobs/${id}`, { method: 'DELETE' });
    assert.equal(again.status, 409, 'cancelling twice is a conflict');
    assert.equal((again.body.error as { code: string }).code, 'job_finished');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await json('/v1/voices/th-2')).status, 404, 'a cancelled job lands no voice');
    assert.equal((await json('/v1/jobs/job_nope/events')).status, 404, 'events of an unknown job: 404');
    const openapi = (await (await fetch(`${server.url}/docs/json`)).json()) as { paths: Record<string, { post?: { summary?: string } }> };
    assert.match(openapi.paths['/v1/voices/create']?.post?.summary ?? '', /max_seconds.*first 20 s/s, 'the route and its extensions are in the OpenAPI document');
  });
});
