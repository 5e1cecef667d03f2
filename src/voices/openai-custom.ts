import { randomBytes } from 'node:crypto';
import { requireCloneable } from '../cloning/cloneable.js';
import type { Cloner, DecodedReference } from '../cloning/cloner.js';
import { decodeRecording, encodeRecording } from '../cloning/recording.js';
import type { ReferenceAnalysis } from '../cloning/reference.js';
import { similarity, type SpeakerFeatures } from '../cloning/scorer.js';
import type { EngineId } from '../engines/index.js';
import { LiteTtsError, errors } from '../errors.js';
import { CatalogError } from '../store/catalog.js';
import type { ConsentRow, ConsentStore } from '../store/consents.js';
import type { VoiceLibrary } from './library.js';
import { checkLabel, checkLanguageTag, cloneLanguage, libraryNameCandidates } from './openai-fields.js';
import { newOpenAiVoiceId } from './resolver.js';
import type { Voice } from './voice.js';

/** A consent keeps the first minute of its recording: plenty to score a speaker, and a bound on what a row holds. */
export const CONSENT_RECORDING_SECONDS = 60;
/** Time for the fast clone a voice sample gets. */
export const FAST_CLONE_BUDGET_MS = 20_000;

export interface OpenAiCustomVoicesDeps {
  library: VoiceLibrary;
  consents: ConsentStore;
  /** What makes clones; null where the server has none (creating a voice is then a 503). */
  cloner: Cloner | null;
  /** config.voiceConsentRequired: a voice needs a consent. */
  consentRequired: boolean;
  /** config.consentThreshold: the least similarity of a sample to its consent recording. */
  consentThreshold: number;
  cloneBudgetMs?: number;
  clock?: () => number;
}

/**
 * The speaker features of decoded audio, measured off the calling thread (the server passes
 * its upload pool's). `param` and `label` name the audio in errors (422 too little speech).
 */
export type SpeakerMeter = (audio: DecodedReference, param: string, label: string) => Promise<SpeakerFeatures>;

/** What a voice request will make, settled before any audio is decoded. */
export interface VoicePlan {
  /** The free-text name as given (trimmed): the voice's description. */
  label: string;
  /** The library name, free when it was planned (taken meanwhile: the next candidate). */
  name: string;
  consent: ConsentRow | null;
  engine: EngineId;
  language: string;
}

/**
 * OpenAI's custom voices over the library: consents (a speaker's recording, kept to check
 * later samples against) and voices cloned from a sample of the consenting speaker. The HTTP
 * side decodes uploads and measures speakers on its threads; everything decided is here.
 */
export class OpenAiCustomVoices {
  private readonly clock: () => number;

  constructor(private readonly deps: OpenAiCustomVoicesDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  // ——— consents ———

  /** The text fields of a new consent, checked before its recording is decoded. */
  checkConsentFields(fields: { name: string | undefined; language: string | undefined }): { name: string; language: string } {
    return { name: checkLabel(fields.name, 'name'), language: checkLanguageTag(fields.language, 'language') };
  }

  /**
   * Stores a consent with the first minute of its recording, once the meter has found enough
   * speech in that minute to score a speaker (422 `audio_unusable` otherwise, nothing stored).
   */
  async createConsent(fields: { name: string; language: string }, recording: DecodedReference, meter: SpeakerMeter): Promise<ConsentRow> {
    const kept = Math.min(recording.samples.length, CONSENT_RECORDING_SECONDS * recording.sampleRate);
    const audio = { samples: recording.samples.subarray(0, kept), sampleRate: recording.sampleRate };
    await meter(audio, 'recording', 'The consent recording');
    const bytes = encodeRecording(audio);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.consents.insertConsent({ id: `cons_${randomBytes(16).toString('hex')}`, ...fields, recording: bytes }, this.clock());
      } catch (error) {
        // 128 random bits colliding is a broken random source; one retry, then it is a fault.
        if (!(error instanceof CatalogError && error.code === 'name_taken' && attempt === 0)) throw storeError(error);
      }
    }
  }

  async listConsents(): Promise<Omit<ConsentRow, 'recording'>[]> {
    return this.deps.consents.listConsents().catch((error: unknown) => Promise.reject(storeError(error)));
  }

  async getConsent(id: string, param = 'id'): Promise<ConsentRow> {
    const consent = await this.deps.consents.getConsent(id).catch((error: unknown) => Promise.reject(storeError(error)));
    if (!consent) throw errors.consentNotFound(id, param);
    return consent;
  }

  async deleteConsent(id: string): Promise<Omit<ConsentRow, 'recording'>> {
    try {
      return await this.deps.consents.deleteConsent(id);
    } catch (error) {
      if (error instanceof CatalogError && error.code === 'not_found') throw errors.consentNotFound(id, 'id');
      throw storeError(error);
    }
  }

  // ——— voices ———

  /**
   * Everything about a new voice that can be checked before its sample is decoded: the name
   * (400), the consent (404 unknown; 400 missing where one is required), a cloner (503), a
   * free library name (409 when every candidate is taken), and the engine and language of
   * the clone: the default voice's engine, in the consent's language where it speaks it.
   */
  async planVoice(fields: { name: string | undefined; consent: string | undefined }): Promise<VoicePlan> {
    const label = checkLabel(fields.name, 'name');
    const consentId = fields.consent?.trim() || undefined;
    if (consentId === undefined && this.deps.consentRequired) {
      throw errors.invalidParam('consent', "'consent' is required: create one with POST /v1/audio/voice_consents and send its id", 'missing_parameter');
    }
    const consent = consentId === undefined ? null : await this.getConsent(consentId, 'consent');
    if (this.deps.cloner === null) throw errors.noCloner();
    const name = await this.freeName(label);
    const { library } = this.deps;
    const defaultVoice = await library.get(library.defaultVoiceName());
    const engine = defaultVoice?.engine ?? 'espeak';
    const fallback = defaultVoice?.language ?? 'en-us';
    const languages = (await library.list({ kind: 'builtin', engine })).map((v) => v.language);
    return { label, name, consent, engine, language: cloneLanguage(consent?.language ?? null, languages, fallback) };
  }

  /**
   * Checks a decoded sample: cloneable by its analysis (422 otherwise), enough speech to score,
   * and, with a consent, the consenting speaker's by the similarity scorer (400
   * `consent_mismatch` below the threshold). Returns that similarity, or null without a consent.
   */
  async verifySample(plan: VoicePlan, sample: DecodedReference, analysis: ReferenceAnalysis | null, meter: SpeakerMeter): Promise<number | null> {
    if (analysis) requireCloneable(analysis, 'audio_sample');
    const features = await meter(sample, 'audio_sample', 'The audio sample');
    if (plan.consent === null) return null;
    const consented = await meter(decodeRecording(plan.consent.recording), 'consent', `The recording of consent '${plan.consent.id}'`);
    const score = similarity(consented, features);
    if (score < this.deps.consentThreshold) throw errors.consentMismatch(score, this.deps.consentThreshold);
    return score;
  }

  /**
   * Clones the sample (fast) and stores the clone as a custom voice with a new OpenAI id, under
   * the planned name or, if another request took it meanwhile, the next free candidate. Nothing
   * is stored unless the clone succeeds.
   */
  async createVoice(plan: VoicePlan, sample: DecodedReference, signal: AbortSignal): Promise<Voice> {
    const cloner = this.deps.cloner;
    if (cloner === null) throw errors.noCloner();
    const clone = await cloner.clone({
      reference: sample,
      engine: plan.engine,
      language: plan.language,
      quality: 'fast',
      budgetMs: this.deps.cloneBudgetMs ?? FAST_CLONE_BUDGET_MS,
      signal,
    });
    signal.throwIfAborted();
    const externalId = newOpenAiVoiceId();
    const candidates = libraryNameCandidates(plan.label);
    for (const name of candidates.slice(Math.max(0, candidates.indexOf(plan.name)))) {
      try {
        return await this.deps.library.create({
          name,
          data: clone.data,
          source: 'clone',
          temporary: false,
          description: plan.label,
          language: clone.language,
          gender: clone.gender,
          similarity: clone.similarity,
          externalId,
        });
      } catch (error) {
        if (!isNameConflict(error)) throw error;
      }
    }
    throw noFreeName(plan.label, candidates);
  }

  /** The first candidate library name that is free now (builtin, reserved and taken names are passed over). */
  private async freeName(label: string): Promise<string> {
    const candidates = libraryNameCandidates(label);
    for (const name of candidates) {
      try {
        await this.deps.library.precheck({ name, temporary: false });
        return name;
      } catch (error) {
        if (!isNameConflict(error)) throw error;
      }
    }
    throw noFreeName(label, candidates);
  }
}

function isNameConflict(error: unknown): boolean {
  return error instanceof LiteTtsError && (error.code === 'voice_name_taken' || error.code === 'voice_name_reserved' || error.code === 'builtin_voice');
}

function noFreeName(label: string, candidates: readonly string[]): LiteTtsError {
  return new LiteTtsError(
    'conflict',
    'voice_name_taken',
    `Every library name for ${JSON.stringify(label)} is taken (${candidates[0]} to ${candidates.at(-1)}); choose another name`,
    'name',
  );
}

/** A store failure the client can act on (busy: retry) as the API says it; others are the store's faults. */
function storeError(error: unknown): unknown {
  return error instanceof CatalogError && error.code === 'busy' ? errors.busy(1) : error;
}
