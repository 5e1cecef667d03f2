import { createHash } from 'node:crypto';
import type { EngineId, Gender } from '../engines/index.js';

/**
 * The catalog: the single source of truth for every voice that is not builtin.
 * One interface, so a PostgreSQL implementation can follow without touching the
 * services or routes. Every write is one transaction, durable when the call
 * returns; every read sees only live voices (a temporary voice vanishes the
 * instant it expires, before any sweep removes it).
 */
export type StoredKind = 'custom' | 'temporary';

/** Where a voice came from. Defined here, below the voices layer, which re-exports it: the store imports nothing from voices/. */
export type VoiceSource = 'builtin' | 'clone' | 'blend' | 'import';

export interface VoiceRow {
  name: string;
  engine: EngineId;
  kind: StoredKind;
  language: string;
  gender: Gender | null;
  description: string;
  source: VoiceSource;
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt: number | null;
  sessionId: string | null;
  /** SHA-256 (hex) of the engine name and the voice data: the key of every derived cache. */
  contentHash: string;
  dataBytes: number;
}

/** A voice to add: the catalog stamps its creation time and derives hash and size from the data. */
export interface NewVoice extends Omit<VoiceRow, 'createdAt' | 'contentHash' | 'dataBytes'> {
  /** The voice data, serialised by the voices layer (raw float32 tensor, espeak JSON). */
  data: Uint8Array;
}

export interface CatalogFilter {
  kind?: StoredKind;
  engine?: string;
  sessionId?: string;
}

export type CatalogErrorCode = 'name_taken' | 'not_found' | 'wrong_kind' | 'session_mismatch' | 'busy';

export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    /** The voice the error is about, when there is one (e.g. its actual kind). */
    readonly row?: VoiceRow,
  ) {
    super(message);
  }
}

/**
 * Every method is asynchronous so that a networked store (PostgreSQL) can implement
 * the same interface; the embedded SQLite store answers at once.
 */
export interface VoiceCatalog {
  get(name: string, now: number): Promise<VoiceRow | undefined>;
  /** The row and its data, read together so they always match. */
  getWithData(name: string, now: number): Promise<{ row: VoiceRow; data: Uint8Array } | undefined>;
  list(filter: CatalogFilter, now: number): Promise<VoiceRow[]>;
  /** Adds a voice; a live voice of the same name (any letter case) is a `name_taken` error. */
  insert(voice: NewVoice, now: number): Promise<VoiceRow>;
  /** Adds several voices in one transaction: all or none. */
  insertAll(voices: readonly NewVoice[], now: number): Promise<VoiceRow[]>;
  /** Renames and/or re-describes a custom voice. */
  updateCustom(name: string, patch: { name?: string; description?: string }, now: number): Promise<VoiceRow>;
  /** Makes a temporary voice permanent, optionally renaming it, in one transaction. Custom: returned unchanged. */
  promote(name: string, options: { sessionId?: string; newName?: string }, now: number): Promise<{ row: VoiceRow; changed: boolean }>;
  /** Deletes a voice of the given kind, removing its data when nothing else refers to it. */
  delete(name: string, kind: StoredKind, options: { sessionId?: string }, now: number): Promise<VoiceRow>;
  /** Removes every expired temporary voice; returns what was removed. */
  deleteExpired(now: number): Promise<VoiceRow[]>;
  counts(now: number): Promise<{ custom: number; temporary: number }>;
  /** Problems found by the database's own check and the catalog's invariants; empty when sound. */
  checkIntegrity(): Promise<string[]>;
  close(): Promise<void>;
}

/** SHA-256 (hex) of an engine name and voice data: the content key of every derived cache. */
export function contentHash(engine: string, data: Uint8Array): string {
  return createHash('sha256').update(engine).update('\0').update(data).digest('hex');
}
