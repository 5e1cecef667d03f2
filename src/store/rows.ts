import type { EngineId, Gender } from '../engines/index.js';
import type { NewVoice, StoredKind, VoiceRow, VoiceSource } from './catalog.js';
import type { ConsentRow } from './consents.js';
import type { JobRow, JobStatus, JobType } from './jobs.js';

/** Rows as both catalogs store them (SQLite and PostgreSQL share column names) and as the interfaces give them. */

/** A voice's columns as both stores name them. */
export interface DbVoice {
  name: string;
  engine: string;
  kind: string;
  language: string;
  gender: string | null;
  description: string;
  source: string;
  created_at: number;
  expires_at: number | null;
  session_id: string | null;
  content_hash: string;
  data_bytes: number;
  similarity: number | null;
  external_id: string | null;
}

export function toRow(r: DbVoice): VoiceRow {
  return {
    name: r.name,
    engine: r.engine as EngineId,
    kind: r.kind as StoredKind,
    language: r.language,
    gender: r.gender as Gender | null,
    description: r.description,
    source: r.source as VoiceSource,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    sessionId: r.session_id,
    contentHash: r.content_hash,
    dataBytes: r.data_bytes,
    similarity: r.similarity,
    externalId: r.external_id,
  };
}

/** The row a new voice becomes (`hash`: contentHash of its data), before either store writes it. */
export function newVoiceRow(voice: NewVoice, hash: string, now: number): VoiceRow {
  return {
    name: voice.name,
    engine: voice.engine,
    kind: voice.kind,
    language: voice.language,
    gender: voice.gender,
    description: voice.description,
    source: voice.source,
    createdAt: now,
    expiresAt: voice.expiresAt,
    sessionId: voice.sessionId,
    contentHash: hash,
    dataBytes: voice.data.byteLength,
    similarity: voice.similarity ?? null,
    externalId: voice.externalId ?? null,
  };
}

export type ConsentMeta = Omit<ConsentRow, 'recording'>;

export interface DbConsent {
  id: string;
  name: string;
  language: string;
  created_at: number;
}

/** The consent columns a listing reads (never the recording). */
export const CONSENT_META = 'id, name, language, created_at';

export function toConsentMeta(r: DbConsent): ConsentMeta {
  return { id: r.id, name: r.name, language: r.language, createdAt: r.created_at };
}

export interface DbJob {
  id: string;
  type: string;
  status: string;
  session_id: string;
  progress: number;
  step: string;
  best_score: number | null;
  params: string;
  voice_name: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
  elapsed_ms: number;
  owner: string | null;
  heartbeat_at: number | null;
  attempts: number;
}

export function toJob(r: DbJob): JobRow {
  return {
    id: r.id,
    type: r.type as JobType,
    status: r.status as JobStatus,
    sessionId: r.session_id,
    progress: r.progress,
    step: r.step,
    bestScore: r.best_score,
    params: r.params,
    voiceName: r.voice_name,
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    elapsedMs: r.elapsed_ms,
    owner: r.owner,
    heartbeatAt: r.heartbeat_at,
    attempts: r.attempts,
  };
}
