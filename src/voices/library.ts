import { randomUUID } from 'node:crypto';
import type { EngineId, EngineInfo, VoiceData } from '../engines/index.js';
import type { Logger } from '../logging.js';
import { errors, LiteTtsError } from '../errors.js';
import { CatalogError, type StoredKind, type VoiceCatalog, type VoiceRow } from '../store/catalog.js';
import { formatBlendFormula, normaliseBlendList, parseBlendFormula, type BlendPart } from './blend.js';
import { isValidVoiceName, nameKey } from './names.js';
import { VoiceRecords } from './records.js';
import { VoiceResolver, isOpenAiVoiceId, type VoiceParam } from './resolver.js';
import { deserializeVoiceData, serializeVoiceData } from './serialize.js';
import type { ResolvedVoice, Voice, VoiceKind, VoiceSource } from './voice.js';

export type { VoiceParam } from './resolver.js';

const MAX_DESCRIPTION = 1000;
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface VoiceFilter {
  kind?: VoiceKind | 'all' | 'library';
  engine?: string;
  sessionId?: string;
}

export interface TemporarySettings {
  /** TTL of a temporary voice when the request names none. */
  defaultTtlSeconds: number;
  /** The longest TTL a request may ask for. */
  maxTtlSeconds: number;
}

export interface LibraryDeps {
  engines: readonly EngineInfo[];
  catalog: VoiceCatalog;
  /**
   * Configured aliases (OpenAI voice names or names of one's own) → voices, builtin or
   * stored. OpenAI names not configured here go to the first engine (in the engines'
   * order) that is available and has the voice installed.
   */
  aliases: Readonly<Record<string, string>>;
  /** The configured default voice; else the first available engine's. */
  defaultVoice?: string | null;
  temporary: TemporarySettings;
  logger?: Logger;
  /** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
  clock?: () => number;
  /** Budget of the decoded-voice cache, in bytes. */
  dataCacheBytes?: number;
}

export interface NewVoiceInput {
  name: string;
  data: VoiceData;
  source: Exclude<VoiceSource, 'builtin'>;
  temporary: boolean;
  sessionId?: string | undefined;
  ttlSeconds?: number | undefined;
  description?: string | undefined;
  language?: string | undefined;
  gender?: Voice['gender'] | undefined;
  /** A clone's held-out similarity to its reference (0..1). */
  similarity?: number | undefined;
  /** The OpenAI custom-voice id (`voice_…`) of a voice made through `/v1/audio/voices`. */
  externalId?: string | undefined;
}

/**
 * Whether a blend or an import is temporary: when it says so, or names what only a temporary
 * voice has (a session, a lifetime); otherwise it is custom. Clones default the other way
 * (cloning/clone-params.ts): a trial clone is the common case there.
 */
export function asksForTemporary(input: { temporary?: boolean | undefined; sessionId?: string | undefined; ttlSeconds?: number | undefined }): boolean {
  return input.temporary ?? (input.sessionId !== undefined || input.ttlSeconds !== undefined);
}

export interface BlendInput {
  name: string;
  voices: string | unknown[];
  temporary?: boolean | undefined;
  sessionId?: string | undefined;
  ttlSeconds?: number | undefined;
  description?: string | undefined;
}

/**
 * The voice library: builtin voices from the engines (read-only) and every other voice from
 * the catalog, the one source of truth, with the lifecycle of stored voices (create, save,
 * rename, delete, expire). What names mean is the resolver's; nothing here is persisted
 * apart from the catalog.
 */
export class VoiceLibrary {
  private readonly clock: () => number;
  private readonly records: VoiceRecords;
  private readonly resolver: VoiceResolver;
  private readonly lists = new Map<string, { rows: readonly VoiceRow[]; availability: string; voices: Voice[] }>();

  constructor(private readonly deps: LibraryDeps) {
    this.clock = deps.clock ?? Date.now;
    this.records = new VoiceRecords(deps.engines);
    this.resolver = new VoiceResolver({
      engines: deps.engines,
      catalog: deps.catalog,
      records: this.records,
      aliases: deps.aliases,
      defaultVoice: deps.defaultVoice,
      clock: this.clock,
      dataCacheBytes: deps.dataCacheBytes,
    });
  }

  // ——— reading ———

  /** `library` (the default) is builtin and custom voices; temporary ones appear only when asked for. */
  async list(filter: VoiceFilter = {}): Promise<Voice[]> {
    // Sessions belong to temporary voices: naming one without a kind lists that session's voices.
    const kind = filter.kind ?? (filter.sessionId !== undefined ? 'temporary' : 'library');
    const withBuiltins = (kind === 'all' || kind === 'library' || kind === 'builtin') && filter.sessionId === undefined;
    const stored: StoredKind | undefined = kind === 'library' ? 'custom' : kind === 'all' || kind === 'builtin' ? undefined : kind;
    const rows =
      kind === 'builtin'
        ? []
        : await this.deps.catalog.list(
            {
              ...(stored !== undefined && { kind: stored }),
              ...(filter.engine !== undefined && { engine: filter.engine }),
              ...(filter.sessionId !== undefined && { sessionId: filter.sessionId }),
            },
            this.clock(),
          );
    // The same rows (the catalog keeps handing out one array while nothing changed) and
    // the same engine availability give the same list: reuse it, and what callers derived.
    const key = `${kind}\0${filter.engine ?? ''}\0${filter.sessionId ?? '\u0001'}`;
    const availability = this.deps.engines.map((e) => e.state()).join('\0');
    const known = this.lists.get(key);
    if (known && known.rows === rows && known.availability === availability) return known.voices;
    const voices: Voice[] = [];
    if (withBuiltins) {
      for (const b of this.resolver.allBuiltins()) if (filter.engine === undefined || b.voice.engine === filter.engine) voices.push(this.resolver.builtinVoice(b));
    }
    for (const row of rows) voices.push(this.records.ofRow(row));
    if (this.lists.size > 64) this.lists.clear();
    this.lists.set(key, { rows, availability, voices });
    return voices;
  }

  /**
   * One voice by name. An alias (an OpenAI voice name, or one configured) answers with the
   * voice it stands for now, under the alias's own name, and says so in `alias_of`.
   */
  async get(name: string): Promise<Voice | undefined> {
    const target = this.resolver.aliasTarget(name);
    if (target === undefined) return this.getDirect(name);
    const voice = await this.getDirect(target);
    return voice && { ...voice, id: name, name, alias_of: voice.name };
  }

  private async getDirect(name: string): Promise<Voice | undefined> {
    const builtin = this.resolver.builtin(name);
    if (builtin) return this.resolver.builtinVoice(builtin);
    const row = await this.deps.catalog.get(name, this.clock());
    return row && this.records.ofRow(row);
  }

  /** The voice of an OpenAI custom-voice id (`POST /v1/audio/voices`), whatever it is named now. */
  async getByOpenAiId(id: string): Promise<Voice | undefined> {
    const row = await this.resolver.storedByOpenAiId(id);
    return row && this.records.ofRow(row);
  }

  async counts(): Promise<{ builtin: number; custom: number; temporary: number }> {
    return { builtin: this.resolver.builtinCount, ...(await this.deps.catalog.counts(this.clock())) };
  }

  /** Problems the catalog finds in itself; empty when sound. */
  checkIntegrity(): Promise<string[]> {
    return this.deps.catalog.checkIntegrity();
  }

  /** The voice a speech request names (see VoiceResolver.resolve). */
  resolve(param: VoiceParam, paramName = 'voice', options: { engine?: EngineId } = {}): Promise<ResolvedVoice> {
    return this.resolver.resolve(param, paramName, options);
  }

  /** The voice spoken when none is named. */
  defaultVoiceName(): string {
    return this.resolver.defaultVoiceName();
  }

  /**
   * A voice's data for download or export, read from the catalog now. It bypasses
   * the decoded-voice cache: that cache is for voices that speak, and a bulk
   * export must not push them out of it.
   */
  async voiceData(name: string): Promise<{ voice: Voice; data: VoiceData }> {
    const builtin = this.resolver.builtin(name);
    if (builtin) return { voice: this.resolver.builtinVoice(builtin), data: (await this.resolver.builtinData(builtin, 'name')).data };
    const { voice, bytes } = await this.storedData(name);
    return { voice, data: deserializeVoiceData(voice.engine, bytes) };
  }

  /** A voice's data exactly as stored (a Kokoro voice's raw float32 tensor is the .bin format itself). */
  async storedData(name: string): Promise<{ voice: Voice; bytes: Uint8Array }> {
    const builtin = this.resolver.builtin(name);
    if (builtin) return { voice: this.resolver.builtinVoice(builtin), bytes: serializeVoiceData((await this.resolver.builtinData(builtin, 'name')).data) };
    const found = await this.deps.catalog.getWithData(name, this.clock());
    if (!found) throw errors.voiceNotFound(name, 'name');
    return { voice: this.records.ofRow(found.row), bytes: found.data };
  }

  /** Every voice of the given kinds with its data, for export (read one at a time, not cached). */
  async *voicesWithData(kind: 'custom' | 'all', engine: EngineId): AsyncGenerator<{ voice: Voice; data: VoiceData }> {
    if (kind === 'all') {
      for (const b of this.resolver.allBuiltins()) {
        if (b.voice.engine === engine && b.engine.available() && b.source.installed()) {
          yield { voice: this.resolver.builtinVoice(b), data: (await this.resolver.builtinData(b, 'name')).data };
        }
      }
    }
    const rows = await this.deps.catalog.list({ engine, ...(kind === 'custom' && { kind: 'custom' as const }) }, this.clock());
    for (const row of rows) {
      const found = await this.deps.catalog.getWithData(row.name, this.clock());
      if (found) yield { voice: this.records.ofRow(found.row), data: deserializeVoiceData(found.row.engine, found.data) };
    }
  }

  // ——— writing ———

  async create(input: NewVoiceInput): Promise<Voice> {
    return (await this.createMany([input]))[0]!;
  }

  /** Adds voices in one transaction: all of them or, on any conflict, none. */
  async createMany(inputs: readonly NewVoiceInput[]): Promise<Voice[]> {
    const now = this.clock();
    const seen = new Set<string>();
    const voices = inputs.map((input) => {
      this.checkNewName(input.name, 'name');
      if (seen.has(nameKey(input.name))) throw errors.nameTaken(input.name, 'imported');
      seen.add(nameKey(input.name));
      if (!input.temporary && input.ttlSeconds !== undefined) {
        throw errors.invalidParam('ttl_seconds', "'ttl_seconds' applies to temporary voices only");
      }
      return {
        name: input.name,
        engine: input.data.engine,
        kind: input.temporary ? ('temporary' as const) : ('custom' as const),
        language: input.language ?? 'en-us',
        gender: input.gender ?? null,
        description: this.checkDescription(input.description ?? ''),
        source: input.source,
        expiresAt: input.temporary ? now + this.ttl(input.ttlSeconds) * 1000 : null,
        sessionId: input.temporary ? (this.checkSession(input.sessionId) ?? randomUUID()) : null,
        similarity: input.similarity ?? null,
        externalId: input.externalId ?? null,
        data: serializeVoiceData(input.data),
      };
    });
    // One generated session for a batch of temporary voices, so they can be listed together.
    const batchSession = voices.find((v) => v.sessionId !== null)?.sessionId ?? null;
    for (const v of voices) if (v.sessionId !== null && inputs.every((i) => i.sessionId === undefined)) v.sessionId = batchSession;
    const rows = await this.catalogWrite(() => this.deps.catalog.insertAll(voices, now));
    for (const row of rows) this.log(row.kind === 'temporary' ? 'temporary voice created' : 'voice created', row);
    return rows.map((row) => this.records.ofRow(row));
  }
  /**
   * Every check `create` makes of a new voice except its data, and that the name is free now:
   * for work that is expensive (a clone) to be refused before it starts. `create` checks again
   * (another request may take the name meanwhile). `param` names the request field of the name.
   */
  async precheck(input: Omit<NewVoiceInput, 'data' | 'source'>, param = 'name'): Promise<void> {
    this.checkNewName(input.name, param);
    if (!input.temporary && input.ttlSeconds !== undefined) throw errors.invalidParam('ttl_seconds', "'ttl_seconds' applies to temporary voices only");
    if (input.temporary) {
      this.checkSession(input.sessionId);
      this.ttl(input.ttlSeconds);
    }
    this.checkDescription(input.description ?? '');
    const taken = await this.deps.catalog.get(input.name, this.clock());
    if (taken) throw errors.nameTaken(taken.name, taken.kind, param);
  }

  async save(name: string, options: { sessionId?: string | undefined; newName?: string | undefined }): Promise<{ voice: Voice; changed: boolean }> {
    this.refuseBuiltin(name, 'saved');
    if (options.newName !== undefined) this.checkNewName(options.newName, 'new_name');
    const { row, changed } = await this.catalogWrite(() =>
      this.deps.catalog.promote(name, { ...(options.sessionId !== undefined && { sessionId: options.sessionId }), ...(options.newName !== undefined && { newName: options.newName }) }, this.clock()),
    );
    if (changed) {
      this.log('temporary voice saved', row, { from: name });
      if (nameKey(row.name) !== nameKey(name) || row.name !== name) this.log('voice renamed', row, { from: name });
    }
    return { voice: this.records.ofRow(row), changed };
  }

  async update(name: string, patch: { name?: string | undefined; description?: string | undefined }): Promise<Voice> {
    this.refuseBuiltin(name, 'changed');
    if (patch.name !== undefined) this.checkNewName(patch.name, 'name');
    const description = patch.description === undefined ? undefined : this.checkDescription(patch.description);
    const row = await this.catalogWrite(() =>
      this.deps.catalog.updateCustom(name, { ...(patch.name !== undefined && { name: patch.name }), ...(description !== undefined && { description }) }, this.clock()),
    );
    if (patch.name !== undefined && patch.name !== name) this.log('voice renamed', row, { from: name });
    return this.records.ofRow(row);
  }

  async delete(name: string, kind: StoredKind, sessionId?: string): Promise<Voice> {
    this.refuseBuiltin(name, 'deleted');
    const row = await this.catalogWrite(() => this.deps.catalog.delete(name, kind, sessionId !== undefined ? { sessionId } : {}, this.clock()));
    this.log(kind === 'temporary' ? 'temporary voice deleted' : 'voice deleted', row);
    return this.records.ofRow(row);
  }

  /** Deletes the voice of an OpenAI custom-voice id: that voice only, even if it was renamed meanwhile (404 once it is gone). */
  async deleteByOpenAiId(id: string): Promise<Voice> {
    const row = await this.resolver.storedByOpenAiId(id);
    if (!row) throw errors.voiceNotFound(id, 'id');
    const deleted = await this.catalogWrite(() => this.deps.catalog.delete(row.name, row.kind, { externalId: id }, this.clock())).catch((error: unknown) => {
      // Renamed or deleted since it was looked up: the 404 names the id, not the name it had.
      throw error instanceof LiteTtsError && error.code === 'voice_not_found' ? errors.voiceNotFound(id, 'id') : error;
    });
    this.log(deleted.kind === 'temporary' ? 'temporary voice deleted' : 'voice deleted', deleted, { openaiVoiceId: id });
    return this.records.ofRow(deleted);
  }

  /** Removes expired temporary voices now; returns how many. */
  async cleanup(): Promise<number> {
    const removed = await this.deps.catalog.deleteExpired(this.clock());
    this.deps.logger?.info({ event: 'voice.cleanup', removed: removed.length }, 'temporary voice cleanup run');
    if (removed.length > 0) {
      this.deps.logger?.info(
        { event: 'voice.expired', count: removed.length, voices: removed.map((r) => ({ name: r.name, session: r.sessionId })) },
        'temporary voices expired',
      );
    }
    return removed.length;
  }

  async blend(input: BlendInput): Promise<Voice> {
    this.checkNewName(input.name, 'name');
    const parts = this.resolver.blendParts(
      () => (typeof input.voices === 'string' ? parseBlendFormula(input.voices) : normaliseBlendList(input.voices)),
      'voices',
    );
    const resolved = await this.resolver.resolveParts(parts, 'voices');
    const sources = resolved.map((r) => r.voice);
    const genders = new Set(sources.map((v) => v.gender));
    return this.create({
      name: input.name,
      data: this.resolver.blendResolved(parts, resolved, 'voices').data,
      source: 'blend',
      temporary: asksForTemporary(input),
      sessionId: input.sessionId,
      ttlSeconds: input.ttlSeconds,
      description: input.description ?? `Blend of ${formatBlendFormula(parts)}`,
      language: heaviest(parts, sources).language,
      gender: genders.size === 1 ? sources[0]!.gender : null,
    });
  }

  // ——— internals ———

  private checkNewName(name: string, param: string): void {
    if (!isValidVoiceName(name)) throw errors.invalidVoiceName(name, param);
    if (isOpenAiVoiceId(name)) throw errors.openAiIdReserved(name, param);
    if (this.resolver.builtin(name)) throw errors.nameTaken(name, 'builtin', param);
    if (this.resolver.isReserved(name)) throw errors.nameReserved(name, param);
  }

  private refuseBuiltin(name: string, verb: string): void {
    const builtin = this.resolver.builtin(name);
    if (builtin) throw errors.builtinReadOnly(builtin.voice.name, verb);
  }

  private checkDescription(description: string): string {
    if (description.length > MAX_DESCRIPTION) {
      throw errors.invalidParam('description', `'description' is longer than ${MAX_DESCRIPTION} characters`);
    }
    return description;
  }

  private checkSession(sessionId: string | undefined): string | undefined {
    if (sessionId !== undefined && !SESSION_PATTERN.test(sessionId)) {
      throw errors.invalidParam('session_id', "'session_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -", 'invalid_session_id');
    }
    return sessionId;
  }

  private ttl(seconds: number | undefined): number {
    if (seconds === undefined) return this.deps.temporary.defaultTtlSeconds;
    const max = this.deps.temporary.maxTtlSeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) {
      throw errors.invalidParam('ttl_seconds', `'ttl_seconds' must be a whole number from 1 to ${max}`, 'invalid_ttl');
    }
    return seconds;
  }

  /** Runs a catalog write, turning its conflicts into the API's errors. */
  private async catalogWrite<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      switch (error.code) {
        case 'name_taken':
          throw errors.nameTaken(error.row?.name ?? '', error.row?.kind ?? 'custom');
        case 'not_found':
          throw errors.voiceNotFound(error.message.match(/'([^']*)'/)?.[1] ?? '', 'name');
        case 'wrong_kind':
          throw errors.wrongKind(error.message);
        case 'session_mismatch':
          throw errors.sessionMismatch(error.message);
        case 'busy':
          throw errors.busy(1);
        case 'job_state':
          throw new LiteTtsError('conflict', 'job_state', error.message, null);
        case 'invalid_text':
          throw errors.invalidText(error.message);
      }
    }
  }

  private log(message: string, row: VoiceRow, extra: Record<string, unknown> = {}): void {
    this.deps.logger?.info({ event: eventName(message), name: row.name, kind: row.kind, session: row.sessionId, ...extra }, message);
  }
}

function eventName(message: string): string {
  return `voice.${message.replace(/^temporary voice /, 'temporary.').replace(/^voice /, '')}`;
}

function heaviest(parts: readonly BlendPart[], voices: readonly Voice[]): Voice {
  let best = 0;
  for (let i = 1; i < parts.length; i++) if (parts[i]!.weight > parts[best]!.weight) best = i;
  return voices[best]!;
}
