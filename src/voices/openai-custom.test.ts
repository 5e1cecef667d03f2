import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { CloneRequest, CloneResult, Cloner, DecodedReference } from '../cloning/cloner.js';
import { decodeRecording } from '../cloning/recording.js';
import type { ReferenceAnalysis } from '../cloning/reference.js';
import type { SpeakerFeatures } from '../cloning/scorer.js';
import { ESPEAK_BUILTIN_VOICES, espeakInfo } from '../engines/espeak/index.js';
import { LiteTtsError, errors } from '../errors.js';
import { statusOf } from '../server/errors.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { VoiceLibrary } from './library.js';
import { CONSENT_RECORDING_SECONDS, OpenAiCustomVoices, type SpeakerMeter } from './openai-custom.js';
import { isOpenAiVoiceId } from './resolver.js';

/**
 * The service behind OpenAI's custom voices, over a real library and catalog, with a cloner
 * and a speaker meter whose answers the test decides: what is stored, under which name, and
 * what is refused before anything is.
 */

/** Audio whose first sample says who speaks (see `meter`). */
function audio(speaker: number, seconds: number, sampleRate = 16_000): DecodedReference {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  samples.fill(speaker);
  return { samples, sampleRate };
}

function features(direction: readonly number[]): SpeakerFeatures {
  const n = Math.hypot(...direction);
  return { values: new Float64Array(0), projected: Float64Array.from(direction, (d) => d / n), speechSeconds: 5 };
}

/** Speaker 1 and 2 are one person (cosine 0.99); 3 is another; 0 has no speech. */
const SPEAKERS: Record<number, readonly number[]> = { 1: [1, 0, 0], 2: [0.99, 0.141, 0], 3: [0, 1, 0] };

function code(error: unknown): string {
  return error instanceof LiteTtsError ? `${statusOf(error)} ${error.code} ${error.param}` : String(error);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return code(error);
  }
  return 'no error';
}

class FakeCloner implements Cloner {
  requests: CloneRequest[] = [];
  /** Runs while the clone "works": a test's chance to change the world meanwhile. */
  during: (() => Promise<void>) | null = null;
  fail: Error | null = null;
  async clone(request: CloneRequest): Promise<CloneResult> {
    this.requests.push(request);
    await this.during?.();
    if (this.fail) throw this.fail;
    const base = ESPEAK_BUILTIN_VOICES[0]!.data;
    return { data: { ...base, pitch: 40 + this.requests.length }, similarity: 0.61, searchScore: 0.7, steps: 12, gender: 'female', language: request.language };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('OpenAiCustomVoices', () => {
  let catalog: SqliteCatalog;
  let library: VoiceLibrary;
  let cloner: FakeCloner;
  let measured: { param: string; label: string; samples: number }[];
  const meter: SpeakerMeter = async (a, param, label) => {
    measured.push({ param, label, samples: a.samples.length });
    const direction = SPEAKERS[a.samples[0] ?? 0];
    if (!direction) throw errors.audioUnusable(`${label} holds 0.00 s of speech`, param, { analysis: {} });
    return features(direction);
  };
  const service = (options: { consentRequired?: boolean; consentThreshold?: number; cloner?: Cloner | null } = {}) =>
    new OpenAiCustomVoices({
      library,
      consents: catalog,
      cloner: options.cloner === undefined ? cloner : options.cloner,
      consentRequired: options.consentRequired ?? true,
      consentThreshold: options.consentThreshold ?? 0.5,
    });

  beforeEach(() => {
    catalog = new SqliteCatalog(':memory:');
    library = new VoiceLibrary({ engines: [espeakInfo], catalog, aliases: {}, temporary: { defaultTtlSeconds: 60, maxTtlSeconds: 3600 } });
    cloner = new FakeCloner();
    measured = [];
  });
  afterEach(() => catalog.close());

  test('a consent keeps the first minute of its recording, under a cons_ id, once the meter found speech', async () => {
    const s = service();
    const long = audio(1, 75, 24_000);
    const row = await s.createConsent({ name: 'Ada', language: 'en-GB' }, long, meter);
    assert.match(row.id, /^cons_[0-9a-f]{32}$/, 'the id');
    assert.deepEqual([row.name, row.language], ['Ada', 'en-GB']);
    const kept = decodeRecording((await s.getConsent(row.id)).recording);
    assert.deepEqual([kept.sampleRate, kept.samples.length], [24_000, CONSENT_RECORDING_SECONDS * 24_000], 'the first 60 s at their own rate');
    assert.deepEqual(measured, [{ param: 'recording', label: 'The consent recording', samples: 60 * 24_000 }], 'the minute that is kept is what was measured');
    const other = await s.createConsent({ name: 'Ada', language: 'en-GB' }, audio(1, 2), meter);
    assert.notEqual(other.id, row.id, 'each consent its own id, names may repeat');
  });

  test('a recording without speech is refused and nothing is stored', async () => {
    const s = service();
    assert.equal(await failure(s.createConsent({ name: 'Silent', language: 'en' }, audio(0, 5), meter)), '422 audio_unusable recording');
    assert.deepEqual(await s.listConsents(), []);
  });

  test('unknown consents are 404 consent_not_found, naming the parameter they came in', async () => {
    const s = service();
    assert.equal(await failure(s.getConsent('cons_nobody')), '404 consent_not_found id');
    assert.equal(await failure(s.deleteConsent('cons_nobody')), '404 consent_not_found id');
    assert.equal(await failure(s.planVoice({ name: 'x', consent: 'cons_nobody' })), '404 consent_not_found consent');
    const row = await s.createConsent({ name: 'A', language: 'en' }, audio(1, 3), meter);
    assert.deepEqual(await s.deleteConsent(row.id), { id: row.id, name: 'A', language: 'en', createdAt: row.createdAt });
    assert.equal(await failure(s.deleteConsent(row.id)), '404 consent_not_found id', 'twice');
  });

  test('planning checks the name, the consent and the cloner before any audio, in that order', async () => {
    const s = service();
    const held = await s.createConsent({ name: 'H', language: 'en' }, audio(1, 3), meter);
    const without = service({ cloner: null });
    assert.equal(await failure(without.planVoice({ name: undefined, consent: held.id })), '400 missing_parameter name', 'bad input first, cloner or not');
    assert.equal(await failure(without.planVoice({ name: 'ok', consent: 'cons_nobody' })), '404 consent_not_found consent', 'an unknown consent too');
    assert.equal(await failure(without.planVoice({ name: 'ok', consent: held.id })), '503 cloning_unavailable null', 'then: no cloner');
    assert.equal(await failure(s.planVoice({ name: undefined, consent: 'cons_x' })), '400 missing_parameter name');
    assert.equal(await failure(s.planVoice({ name: 'a'.repeat(300), consent: 'cons_x' })), '400 invalid_name name');
    assert.equal(await failure(s.planVoice({ name: 'ok', consent: undefined })), '400 missing_parameter consent', 'a consent is required');
    assert.equal(await failure(s.planVoice({ name: 'ok', consent: '   ' })), '400 missing_parameter consent', 'a blank consent is none');
    const open = await service({ consentRequired: false }).planVoice({ name: 'ok', consent: undefined });
    assert.deepEqual([open.name, open.consent, open.engine, open.language], ['ok', null, 'espeak', 'en-us'], 'without consent: the default voice');
    const consent = await s.createConsent({ name: 'Brit', language: 'en-GB' }, audio(1, 3), meter);
    const plan = await s.planVoice({ name: '  My Voice ', consent: ` ${consent.id} ` });
    assert.deepEqual([plan.label, plan.name, plan.consent?.id, plan.language], ['My Voice', 'my_voice', consent.id, 'en-gb'], "the consent's language");
  });

  test('a library name is the first free one: taken, builtin and reserved names are passed over', async () => {
    const s = service({ consentRequired: false });
    await library.blend({ name: 'my_voice', voices: 'espeak-en-us-female', temporary: false });
    await library.blend({ name: 'my_voice_2', voices: 'espeak-en-us-female', temporary: true });
    assert.equal((await s.planVoice({ name: 'My Voice', consent: undefined })).name, 'my_voice_3', 'custom and live temporary voices hold names');
    assert.equal((await s.planVoice({ name: 'Nova', consent: undefined })).name, 'nova_2', 'an OpenAI voice name is reserved');
    assert.equal((await s.planVoice({ name: 'espeak en-us female', consent: undefined })).name, 'espeak_en-us_female', 'not a builtin name');
    assert.equal((await s.planVoice({ name: 'espeak-en-us-female', consent: undefined })).name, 'espeak-en-us-female_2', 'a builtin name');
    const id = `voice_${'0'.repeat(32)}`;
    assert.equal((await s.planVoice({ name: id, consent: undefined })).name, `${id}_2`, 'an id-shaped name');
    for (let i = 1; i <= 50; i++) await library.blend({ name: i === 1 ? 'crowded' : `crowded_${i}`, voices: 'espeak-en-us-male', temporary: false });
    assert.equal(await failure(s.planVoice({ name: 'Crowded', consent: undefined })), '409 voice_name_taken name', 'all 50 taken');
  });

  test("a sample is checked against the consent's speaker: the same passes with its score, another is consent_mismatch", async () => {
    const s = service();
    const consent = await s.createConsent({ name: 'A', language: 'en' }, audio(1, 3), meter);
    const plan = await s.planVoice({ name: 'v', consent: consent.id });
    measured = [];
    const score = await s.verifySample(plan, audio(2, 4), null, meter);
    assert.ok(score !== null && score > 0.5, `same speaker: ${score}`);
    assert.deepEqual(measured.map((m) => m.param), ['audio_sample', 'consent'], 'both measured off the thread');
    let mismatch: unknown;
    await s.verifySample(plan, audio(3, 4), null, meter).catch((e: unknown) => (mismatch = e));
    assert.equal(code(mismatch), '400 consent_mismatch audio_sample');
    const details = (mismatch as LiteTtsError).details as { similarity: number; threshold: number };
    assert.ok(details.similarity < 0.5 && details.threshold === 0.5, `the score and the threshold in the error: ${JSON.stringify(details)}`);
    assert.match((mismatch as Error).message, new RegExp(`similarity to the consent recording is ${details.similarity.toFixed(3)}, below the threshold of 0.5`));
    assert.equal(await failure(service({ consentThreshold: 0.9999 }).verifySample(plan, audio(2, 4), null, meter)), '400 consent_mismatch audio_sample', 'the configured threshold');
    assert.equal(await failure(s.verifySample(plan, audio(0, 4), null, meter)), '422 audio_unusable audio_sample', 'a sample without speech');
    const unusable = { suitability: { ok: false, issues: [{ code: 'too_short', severity: 'error', message: 'Only 1.2 s of speech.' }] } } as unknown as ReferenceAnalysis;
    assert.equal(await failure(s.verifySample(plan, audio(2, 4), unusable, meter)), '422 audio_unusable audio_sample', 'an analysis that says it cannot be cloned from');
    assert.equal(await service({ consentRequired: false }).verifySample({ ...plan, consent: null }, audio(3, 4), null, meter), null, 'no consent: no check');
  });

  test('createVoice clones fast and stores a custom clone with a new OpenAI id that speech resolves', async () => {
    const s = service();
    const consent = await s.createConsent({ name: 'A', language: 'en-GB' }, audio(1, 3), meter);
    const plan = await s.planVoice({ name: 'Ada Voice', consent: consent.id });
    const voice = await s.createVoice(plan, audio(2, 4), new AbortController().signal);
    const request = cloner.requests[0]!;
    assert.deepEqual([request.quality, request.engine, request.language, request.reference.samples.length], ['fast', 'espeak', 'en-gb', 64_000], 'the clone asked for');
    assert.ok(isOpenAiVoiceId(voice.openai_voice_id ?? ''), `an id: ${voice.openai_voice_id}`);
    assert.deepEqual(
      [voice.name, voice.kind, voice.source, voice.similarity, voice.description, voice.language, voice.gender],
      ['ada_voice', 'custom', 'clone', 0.61, 'Ada Voice', 'en-gb', 'female'],
      'the stored voice',
    );
    assert.deepEqual(await library.getByOpenAiId(voice.openai_voice_id!), voice, 'found by id');
    assert.equal((await library.resolve({ id: voice.openai_voice_id! })).voice.name, 'ada_voice', 'speech resolves the id');
  });

  test('nothing is stored when the clone fails; a name taken during the clone gives the next one', async () => {
    const s = service({ consentRequired: false });
    const plan = await s.planVoice({ name: 'race', consent: undefined });
    cloner.fail = new Error('clone thread died');
    await assert.rejects(s.createVoice(plan, audio(2, 4), new AbortController().signal), /clone thread died/);
    assert.deepEqual(await library.list({ kind: 'custom' }), [], 'nothing stored');
    cloner.fail = null;
    cloner.during = async () => {
      await library.blend({ name: 'race', voices: 'espeak-en-us-male', temporary: false });
    };
    const voice = await s.createVoice(plan, audio(2, 4), new AbortController().signal);
    assert.equal(voice.name, 'race_2', 'the next free name');
    const aborted = new AbortController();
    cloner.during = async () => aborted.abort(new Error('client went away'));
    await assert.rejects(s.createVoice(await s.planVoice({ name: 'gone', consent: undefined }), audio(2, 4), aborted.signal), /client went away/);
    assert.equal(await library.get('gone'), undefined, 'a client that left gets no voice stored');
  });
});
