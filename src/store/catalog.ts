import { createHash } from 'node:crypto';
import type { EngineId, Gender } from '../engines/index.js';

/**
 * The catalog: the single source of truth for every voice that is not builtin.
 * One interface, so a PostgreSQL implementation can follow without touching the
 * services or routes; `contract.ts` is the test suite every implementation runs,
 * one test per promise written down here.
 *
 * Promises that hold for every method:
 * - Names compare case-insensitively (lower-cased): `get('MyVoice')` and
 *   `get('myvoice')` find the same voice, which keeps the letter case it was
 *   given. Names are checked by the voices layer before they get here.
 * - Time is the caller's: every call takes `now` (ms since the epoch). A voice is
 *   live when `expiresAt === null || expiresAt > now`; reads and writes see only
 *   live voices, so a temporary voice vanishes the instant it expires, before any
 *   sweep removes it, and its name is free again at once.
 * - Every write is one transaction: all of it or none of it, durable when the
 *   promise resolves (it survives the process dying right after), and seen at once
 *   by every other instance over the same store (the CLI beside the server).
 * - What a write returns is what it committed, built inside its transaction, not
 *   read back after it (another process may have written since).
 * - Rows are values: the catalog never changes a row object it has handed out, and
 *   a voice that changed is a new row object. Callers key derived objects by row
 *   identity (the library's API voice per row).
 * - Failures the caller is meant to handle are `CatalogError`s with a code; any
 *   other error is a fault of the store itself.
 */
export type StoredKind = 'custom' | 'temporary';

/** Where a voice came from. Defined here, below the voices layer, which re-exports it: the store imports nothing from voices/. */
export type VoiceSource = 'builtin' | 'clone' | 'blend' | 'import';

export interface VoiceRow {
  /** As given when created or renamed; unique among live voices case-insensitively. */
  name: string;
  engine: EngineId;
  kind: StoredKind;
  language: string;
  gender: Gender | null;
  description: string;
  source: VoiceSource;
  /** Milliseconds since the epoch: the `now` of the insert. */
  createdAt: number;
  /** Set exactly for temporary voices. */
  expiresAt: number | null;
  sessionId: string | null;
  /** `contentHash(engine, data)`: the key of every derived cache. */
  contentHash: string;
  dataBytes: number;
  /** A clone's similarity to its reference (the scorer's 0..1, on a held-out text); null for other voices. */
  similarity: number | null;
  /**
   * The OpenAI custom-voice id (`voice_…`) of a voice made through `POST /v1/audio/voices`,
   * unique among live voices; null otherwise. It stays with the voice through renames and
   * goes with it on delete.
   */
  externalId: string | null;
}

/** A voice to add: the catalog stamps its creation time and derives hash and size from the data. */
export interface NewVoice extends Omit<VoiceRow, 'createdAt' | 'contentHash' | 'dataBytes' | 'similarity' | 'externalId'> {
  similarity?: number | null;
  externalId?: string | null;
  /** The voice data, serialised by the voices layer (raw float32 tensor, espeak JSON). */
  data: Uint8Array;
}

/** Every given field must match (AND); an absent field matches everything. */
export interface CatalogFilter {
  kind?: StoredKind;
  engine?: string;
  sessionId?: string;
}

/**
 * - `name_taken`: a live voice already has the name (any letter case); `row` is that voice.
 * - `not_found`: no live voice has the name; the message names it in single quotes
 *   (`Voice 'x' does not exist`), which the library turns into its 404.
 * - `wrong_kind`: the voice is not of the kind the call is for; `row` is the voice.
 * - `session_mismatch`: a session was given and the temporary voice belongs to another; `row` is the voice.
 * - `busy`: the store stayed locked by another instance past its timeout; nothing was
 *   written and the same call may be retried shortly.
 * - `job_state`: the job is not in a state that allows the change (e.g. cancelling a finished job); `job` on the error is the job.
 * - `invalid_text`: a text value holds a character the store cannot keep (PostgreSQL's text
 *   has no NUL, U+0000); nothing was written or found. The SQLite store keeps any text.
 * The messages of `wrong_kind` and `session_mismatch` are shown to API clients as they are.
 */
export type CatalogErrorCode = 'name_taken' | 'not_found' | 'wrong_kind' | 'session_mismatch' | 'busy' | 'job_state' | 'invalid_text';

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
  /** The live voice of that name (any letter case). */
  get(name: string, now: number): Promise<VoiceRow | undefined>;
  /** The live voice whose `externalId` is `id` (exact match). */
  getByExternalId(id: string, now: number): Promise<VoiceRow | undefined>;
  /** The row and its data, read together so they always match: the data hashes to `row.contentHash`. */
  getWithData(name: string, now: number): Promise<{ row: VoiceRow; data: Uint8Array } | undefined>;
  /**
   * The live voices matching the filter, in order of their lower-cased names.
   * The same array object is returned while nothing it depends on has changed (no
   * write by any instance has committed, and none of its voices has expired since),
   * and a new one whenever its contents differ: the library and the routes cache what
   * they derive from a list (API objects, the serialised response) by its identity.
   * Callers must not modify it.
   */
  list(filter: CatalogFilter, now: number): Promise<VoiceRow[]>;
  /**
   * Adds a voice. A live voice of the same name (any letter case) is `name_taken`;
   * an expired temporary one of that name is removed in the same transaction. The same
   * holds for `externalId`: a live voice that has it is `name_taken` (`row` is that voice).
   */
  insert(voice: NewVoice, now: number): Promise<VoiceRow>;
  /** Adds several voices in one transaction: all or none (a name twice in the batch is `name_taken`). Rows in the given order. */
  insertAll(voices: readonly NewVoice[], now: number): Promise<VoiceRow[]>;
  /**
   * Renames and/or re-describes a custom voice (`wrong_kind` for a temporary one).
   * A change of letter case alone is a rename; a name held by another live voice is
   * `name_taken`, one held by an expired voice is taken over.
   */
  updateCustom(name: string, patch: { name?: string; description?: string }, now: number): Promise<VoiceRow>;
  /**
   * Makes a temporary voice permanent (kind custom, no expiry, no session), optionally
   * renaming it as `updateCustom` does, in one transaction. A given session must be
   * the voice's (`session_mismatch`). A custom voice is returned unchanged with
   * `changed: false` and nothing is written.
   */
  promote(name: string, options: { sessionId?: string; newName?: string }, now: number): Promise<{ row: VoiceRow; changed: boolean }>;
  /**
   * Deletes a voice of the given kind (`wrong_kind` otherwise; for a temporary voice a
   * given session must match), removing its data when no other voice has the same
   * content. Returns the deleted row. Deletion is final: the voice never reappears,
   * and its bytes leave the store's storage, not only its index (for the SQLite
   * store: none of its files holds them once the call returns, or at the latest
   * once it has been opened again after a crash; for the PostgreSQL store: no query
   * sees them once the call returns, while the table's files keep them as a dead tuple
   * until VACUUM reclaims the space, see postgres.ts). A given `externalId` must be the voice's
   * (`not_found` otherwise), so that a delete by OpenAI id never takes another voice that got
   * the name after a rename.
   */
  delete(name: string, kind: StoredKind, options: { sessionId?: string; externalId?: string }, now: number): Promise<VoiceRow>;
  /** Removes every temporary voice with `expiresAt <= now` (their data as `delete` does); returns what was removed. */
  deleteExpired(now: number): Promise<VoiceRow[]>;
  /** Live voices of each kind. */
  counts(now: number): Promise<{ custom: number; temporary: number }>;
  /** Problems found by the database's own check and the catalog's invariants; empty when sound. */
  checkIntegrity(): Promise<string[]>;
  /**
   * Tells `listener` of committed changes, for caches to drop what they derived (the decoded
   * data of a hash, say) sooner than they would by themselves. A hint, never the source of
   * truth: a change may be told late or, when the feed was interrupted, only as a `resync`, so
   * every read still asks the catalog (a missed change can never serve a deleted voice). The
   * PostgreSQL store tells changes made by every replica (LISTEN/NOTIFY); the SQLite store tells
   * this instance's own writes (another process's are found by the reads themselves). Returns
   * the unsubscribe function.
   */
  subscribe(listener: (change: CatalogChange) => void): () => void;
  /** Releases the store; nothing may be called afterwards, except `close` again, which does nothing. */
  close(): Promise<void>;
}

/**
 * One committed change, as the change feed tells it:
 * - `voice`: the voice of `nameKey` (lower-cased name) was added, changed or removed; `hash` is
 *   the content hash of its data (before the change, for a removal).
 * - `lexicon`: the pronunciation lexicon changed.
 * - `resync`: changes may have been missed (the feed reconnected): drop everything derived.
 */
export type CatalogChange = { kind: 'voice'; nameKey: string; hash: string } | { kind: 'lexicon' } | { kind: 'resync' };

/** SHA-256 (hex) of an engine name and voice data: the content key of every derived cache. */
export function contentHash(engine: string, data: Uint8Array): string {
  return createHash('sha256').update(engine).update('\0').update(data).digest('hex');
}
