import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { BuiltinVoice, EngineId, EngineInfo, VoiceData } from '../engines/index.js';
import type { Logger } from '../logging.js';
import { errors } from '../server/errors.js';
import { CatalogError, contentHash, type StoredKind, type VoiceCatalog, type VoiceRow } from '../store/catalog.js';
import { BlendError, blendVoices, formatBlendFormula, isBlendFormula, normaliseBlendList, parseBlendFormula, type BlendPart } from './blend.js';
import { VoiceFormatError } from './formats/index.js';
import { isValidVoiceName, nameKey } from './names.js';
import { deserializeVoiceData, serializeVoiceData, voiceDataSize } from './serialize.js';
import type { ResolvedVoice, Voice, VoiceKind, VoiceSource } from './voice.js';

/** Builtin voices carry the date of the builtin set rather than a per-start time, so lists are stable. */
const BUILTIN_CREATED_AT = '2026-11-25T00:00:00.000Z';
const MAX_DESCRIPTION = 1000;
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface VoiceFilter {
  kind?: VoiceKind | 'all' | 'library';
  engine?: string;
  sessionId?: string;
}

export type VoiceParam = string | { id: string };

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
   * Configured OpenAI voice names → builtin voices. Names not configured here go to the
   * first engine (in the engines' order) that is available and has the voice installed.
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
}

export interface BlendInput {
  name: string;
  voices: string | unknown[];
  temporary?: boolean | undefined;
  sessionId?: string | undefined;
  ttlSeconds?: number | undefined;
  description?: string | undefined;
}

interface Builtin {
  /** The voice object, less `available` (which follows the install state). */
  voice: Voice;
  source: BuiltinVoice;
  engine: EngineInfo;
  /** The data as last read, for the install state it was read in. */
  loaded?: { state: string; data: Promise<{ data: VoiceData; hash: string }> };
}

/**
 * The voice library: builtin voices from the engines (read-only) and every other
 * voice from the catalog, the one source of truth. Nothing here is persisted
 * apart from the catalog; the decoded-voice cache is keyed by content hash, so
 * it can never hand out a voice that was deleted or changed.
 */
export class VoiceLibrary {
  private readonly builtins = new Map<string, Builtin>();
  private readonly aliases: Map<string, string>;
  private readonly clock: () => number;
  private readonly decoded: LRUCache<string, VoiceData>;
  private readonly voiceOfRow = new WeakMap<VoiceRow, Voice>();
  private readonly lists = new Map<string, { rows: readonly VoiceRow[]; availability: string; voices: Voice[] }>();

  constructor(private readonly deps: LibraryDeps) {
    for (const engine of deps.engines) {
      for (const builtin of engine.builtinVoices()) this.builtins.set(nameKey(builtin.name), builtinEntry(builtin, engine));
    }
    this.aliases = new Map(Object.entries(deps.aliases).map(([k, v]) => [nameKey(k), v]));
    this.clock = deps.clock ?? Date.now;
    this.decoded = new LRUCache<string, VoiceData>({
      maxSize: deps.dataCacheBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (data) => voiceDataSize(data),
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
      for (const b of this.builtins.values()) if (filter.engine === undefined || b.voice.engine === filter.engine) voices.push(this.builtinVoice(b));
    }
    for (const row of rows) voices.push(this.rowVoice(row));
    if (this.lists.size > 64) this.lists.clear();
    this.lists.set(key, { rows, availability, voices });
    return voices;
  }

  async get(name: string): Promise<Voice | undefined> {
    const builtin = this.builtins.get(nameKey(name));
    if (builtin) return this.builtinVoice(builtin);
    const row = await this.deps.catalog.get(name, this.clock());
    return row && this.rowVoice(row);
  }

  async counts(): Promise<{ builtin: number; custom: number; temporary: number }> {
    return { builtin: this.builtins.size, ...(await this.deps.catalog.counts(this.clock())) };
  }

  /** Problems the catalog finds in itself; empty when sound. */
  checkIntegrity(): Promise<string[]> {
    return this.deps.catalog.checkIntegrity();
  }

  /**
   * The voice a speech request names: a voice, `{id}`, an OpenAI voice name, or a
   * blend formula. Throws ApiErrors (404 unknown, 503 engine not installed, 400 bad blend).
   */
  async resolve(param: VoiceParam, paramName = 'voice', options: { engine?: EngineId } = {}): Promise<ResolvedVoice> {
    const text = (typeof param === 'string' ? param : param.id).trim();
    if (text.length === 0) throw errors.invalidParam(paramName, `'${paramName}' must name a voice`);
    if (isBlendFormula(text)) {
      const parts = this.blendParts(() => parseBlendFormula(text), paramName);
      return this.resolveBlend(parts, paramName);
    }
    return this.resolveName(text, paramName, options.engine);
  }

  /**
   * A voice's data for download or export, read from the catalog now. It bypasses
   * the decoded-voice cache: that cache is for voices that speak, and a bulk
   * export must not push them out of it.
   */
  async voiceData(name: string): Promise<{ voice: Voice; data: VoiceData }> {
    const builtin = this.builtins.get(nameKey(name));
    if (builtin) return { voice: this.builtinVoice(builtin), data: (await this.builtinData(builtin, 'name')).data };
    const { voice, bytes } = await this.storedData(name);
    return { voice, data: deserializeVoiceData(voice.engine, bytes) };
  }

  /** A voice's data exactly as stored (a Kokoro voice's raw float32 tensor is the .bin format itself). */
  async storedData(name: string): Promise<{ voice: Voice; bytes: Uint8Array }> {
    const builtin = this.builtins.get(nameKey(name));
    if (builtin) return { voice: this.builtinVoice(builtin), bytes: serializeVoiceData((await this.builtinData(builtin, 'name')).data) };
    const found = await this.deps.catalog.getWithData(name, this.clock());
    if (!found) throw errors.voiceNotFound(name, 'name');
    return { voice: this.rowVoice(found.row), bytes: found.data };
  }

  /** Every voice of the given kinds with its data, for export (read one at a time, not cached). */
  async *voicesWithData(kind: 'custom' | 'all', engine: EngineId): AsyncGenerator<{ voice: Voice; data: VoiceData }> {
    if (kind === 'all') {
      for (const b of this.builtins.values()) {
        if (b.voice.engine === engine && b.engine.available() && b.source.installed()) {
          yield { voice: this.builtinVoice(b), data: (await this.builtinData(b, 'name')).data };
        }
      }
    }
    const rows = await this.deps.catalog.list({ engine, ...(kind === 'custom' && { kind: 'custom' as const }) }, this.clock());
    for (const row of rows) {
      const found = await this.deps.catalog.getWithData(row.name, this.clock());
      if (found) yield { voice: this.rowVoice(found.row), data: deserializeVoiceData(found.row.engine, found.data) };
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
        data: serializeVoiceData(input.data),
      };
    });
    // One generated session for a batch of temporary voices, so they can be listed together.
    const batchSession = voices.find((v) => v.sessionId !== null)?.sessionId ?? null;
    for (const v of voices) if (v.sessionId !== null && inputs.every((i) => i.sessionId === undefined)) v.sessionId = batchSession;
    const rows = await this.catalogWrite(() => this.deps.catalog.insertAll(voices, now));
    for (const row of rows) this.log(row.kind === 'temporary' ? 'temporary voice created' : 'voice created', row);
    return rows.map((row) => this.rowVoice(row));
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
    return { voice: this.rowVoice(row), changed };
  }

  async update(name: string, patch: { name?: string | undefined; description?: string | undefined }): Promise<Voice> {
    this.refuseBuiltin(name, 'changed');
    if (patch.name !== undefined) this.checkNewName(patch.name, 'name');
    const description = patch.description === undefined ? undefined : this.checkDescription(patch.description);
    const row = await this.catalogWrite(() =>
      this.deps.catalog.updateCustom(name, { ...(patch.name !== undefined && { name: patch.name }), ...(description !== undefined && { description }) }, this.clock()),
    );
    if (patch.name !== undefined && patch.name !== name) this.log('voice renamed', row, { from: name });
    return this.rowVoice(row);
  }

  async delete(name: string, kind: StoredKind, sessionId?: string): Promise<Voice> {
    this.refuseBuiltin(name, 'deleted');
    const row = await this.catalogWrite(() => this.deps.catalog.delete(name, kind, sessionId !== undefined ? { sessionId } : {}, this.clock()));
    this.log(kind === 'temporary' ? 'temporary voice deleted' : 'voice deleted', row);
    return this.rowVoice(row);
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
    const parts = this.blendParts(
      () => (typeof input.voices === 'string' ? parseBlendFormula(input.voices) : normaliseBlendList(input.voices)),
      'voices',
    );
    const resolved = await this.resolveParts(parts, 'voices');
    const sources = resolved.map((r) => r.voice);
    const genders = new Set(sources.map((v) => v.gender));
    return this.create({
      name: input.name,
      data: this.blendResolved(parts, resolved, 'voices').data,
      source: 'blend',
      temporary: input.temporary ?? true,
      sessionId: input.sessionId,
      ttlSeconds: input.ttlSeconds,
      description: input.description ?? `Blend of ${formatBlendFormula(parts)}`,
      language: heaviest(parts, sources).language,
      gender: genders.size === 1 ? sources[0]!.gender : null,
    });
  }

  // ——— internals ———

  private async resolveName(name: string, paramName: string, engine?: EngineId): Promise<ResolvedVoice> {
    const builtin = this.builtins.get(nameKey(name)) ?? this.aliasTarget(name, engine);
    if (builtin) {
      const { data, hash } = await this.builtinData(builtin, paramName);
      return { voice: this.builtinVoice(builtin), data, hash };
    }
    if (!isValidVoiceName(name)) throw errors.voiceNotFound(name, paramName);
    const now = this.clock();
    const row = await this.deps.catalog.get(name, now);
    if (!row) throw errors.voiceNotFound(name, paramName);
    this.requireEngine(row.engine);
    let data = this.decoded.get(row.contentHash);
    if (!data) {
      // Read by name again: the data must belong to the voice that is live now.
      const found = await this.deps.catalog.getWithData(name, now);
      if (!found) throw errors.voiceNotFound(name, paramName);
      data = this.decode(found.row.engine, found.row.contentHash, found.data);
      return { voice: this.rowVoice(found.row), data, hash: found.row.contentHash };
    }
    return { voice: this.rowVoice(row), data, hash: row.contentHash };
  }

  private async resolveBlend(parts: readonly BlendPart[], paramName: string): Promise<ResolvedVoice> {
    return this.blendResolved(parts, await this.resolveParts(parts, paramName), paramName);
  }

  private resolveParts(parts: readonly BlendPart[], paramName: string): Promise<(ResolvedVoice & { weight: number })[]> {
    return Promise.all(parts.map(async (p) => ({ ...(await this.resolveName(p.voice, paramName)), weight: p.weight })));
  }

  private blendResolved(parts: readonly BlendPart[], resolved: readonly (ResolvedVoice & { weight: number })[], paramName: string): ResolvedVoice {
    let data: VoiceData;
    try {
      data = blendVoices(resolved.map((r) => ({ data: r.data, weight: r.weight })));
    } catch (error) {
      if (error instanceof BlendError) throw error.code === 'mixed_engines' ? errors.mixedEngines(paramName) : errors.invalidBlend(error.message, paramName);
      throw error;
    }
    const formula = formatBlendFormula(parts);
    const hash = createHash('sha256').update(resolved.map((r) => `${r.hash}*${r.weight}`).join('+')).digest('hex');
    const first = resolved[0]!.voice;
    const voice: Voice = {
      ...first,
      id: formula,
      name: formula,
      kind: 'temporary',
      source: 'blend',
      description: `Blend of ${formula}`,
      created_at: new Date(this.clock()).toISOString(),
      expires_at: null,
      session_id: null,
    };
    return { voice, data, hash };
  }

  private blendParts(parse: () => BlendPart[], paramName: string): BlendPart[] {
    try {
      return parse();
    } catch (error) {
      if (error instanceof BlendError) throw errors.invalidBlend(error.message, paramName);
      throw error;
    }
  }

  private decode(engine: EngineId, hash: string, bytes: Uint8Array): VoiceData {
    let data = this.decoded.get(hash);
    if (!data) {
      data = deserializeVoiceData(engine, bytes);
      this.decoded.set(hash, data);
    }
    return data;
  }

  /**
   * The builtin voice an OpenAI voice name stands for: the configured one; else, when the request
   * named an engine as its model, that engine's; else the first engine's that can speak it now.
   */
  private aliasTarget(name: string, preferred?: EngineId): Builtin | undefined {
    const key = nameKey(name);
    const configured = this.aliases.get(key);
    if (configured !== undefined) return this.builtins.get(nameKey(configured));
    const named = preferred === undefined ? undefined : this.deps.engines.find((e) => e.id === preferred)?.openAiAliases[key];
    if (named !== undefined) return this.builtins.get(nameKey(named));
    let fallback: Builtin | undefined;
    for (const engine of this.deps.engines) {
      const target = engine.openAiAliases[key];
      const builtin = target === undefined ? undefined : this.builtins.get(nameKey(target));
      if (!builtin) continue;
      if (engine.available() && builtin.source.installed()) return builtin;
      fallback ??= builtin;
    }
    return fallback;
  }

  /**
   * The voice spoken when none is named: the configured one, else the default of the first
   * engine that is available with that voice installed (af_heart once Kokoro is, else espeak's).
   */
  defaultVoiceName(): string {
    if (this.deps.defaultVoice) return this.deps.defaultVoice;
    for (const engine of this.deps.engines) {
      const builtin = this.builtins.get(nameKey(engine.defaultVoice));
      if (builtin && engine.available() && builtin.source.installed()) return builtin.voice.name;
    }
    return this.deps.engines.at(-1)!.defaultVoice;
  }

  /**
   * A builtin voice's data and hash, read once per install state (Kokoro packs come from disk
   * on first use). 503 when its engine or its voice pack is not installed.
   */
  private builtinData(b: Builtin, paramName: string): Promise<{ data: VoiceData; hash: string }> {
    this.requireEngine(b.voice.engine);
    const name = b.voice.name;
    if (!b.source.installed()) throw errors.voiceNotInstalled(name, 'its voice pack is missing', b.engine.installHint, paramName);
    const state = b.engine.state();
    if (b.loaded?.state !== state) {
      const { engine } = b.voice;
      const origin = b.source.source;
      const data =
        'data' in origin
          ? Promise.resolve({ data: origin.data, hash: contentHash(engine, serializeVoiceData(origin.data)) })
          : readVoiceFile(engine, origin.file).catch((error: unknown) => {
              throw errors.voiceNotInstalled(name, `its voice pack ${error instanceof VoiceFormatError ? 'is damaged' : 'cannot be read'} (${(error as Error).message})`, b.engine.installHint, paramName);
            });
      const loaded = { state, data };
      b.loaded = loaded;
      data.catch(() => {
        if (b.loaded === loaded) delete b.loaded;
      });
    }
    return b.loaded!.data;
  }

  private engineAvailable(id: EngineId): boolean {
    return this.deps.engines.find((e) => e.id === id)?.available() ?? false;
  }

  private requireEngine(id: EngineId): void {
    const engine = this.deps.engines.find((e) => e.id === id);
    if (!engine?.available()) throw errors.engineUnavailable(id, engine?.installHint ?? '');
  }

  private builtinVoice(b: Builtin): Voice {
    return { ...b.voice, available: b.engine.available() && b.source.installed() };
  }

  /**
   * The API's voice object for a catalog row. The catalog hands out the same row
   * objects until a row changes, so the mapping is kept per row object (and per
   * engine availability): listing 10,000 voices does not rebuild 10,000 objects.
   */
  private rowVoice(row: VoiceRow): Voice {
    const available = this.engineAvailable(row.engine);
    const known = this.voiceOfRow.get(row);
    if (known && known.available === available) return known;
    const voice: Voice = {
      id: row.name,
      name: row.name,
      engine: row.engine,
      kind: row.kind,
      language: row.language,
      gender: row.gender,
      description: row.description,
      source: row.source,
      created_at: new Date(row.createdAt).toISOString(),
      expires_at: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString(),
      session_id: row.sessionId,
      available,
    };
    this.voiceOfRow.set(row, voice);
    return voice;
  }

  private checkNewName(name: string, param: string): void {
    if (!isValidVoiceName(name)) throw errors.invalidVoiceName(name, param);
    const builtin = this.builtins.get(nameKey(name));
    if (builtin) throw errors.nameTaken(name, 'builtin', param);
  }

  private refuseBuiltin(name: string, verb: string): void {
    const builtin = this.builtins.get(nameKey(name));
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

/** A builtin voice's file, read like a catalog row: the same parser, the hash of the stored bytes. */
async function readVoiceFile(engine: EngineId, file: string): Promise<{ data: VoiceData; hash: string }> {
  const bytes = await readFile(file);
  return { data: deserializeVoiceData(engine, bytes), hash: contentHash(engine, bytes) };
}

function heaviest(parts: readonly BlendPart[], voices: readonly Voice[]): Voice {
  let best = 0;
  for (let i = 1; i < parts.length; i++) if (parts[i]!.weight > parts[best]!.weight) best = i;
  return voices[best]!;
}

function builtinEntry(builtin: BuiltinVoice, engine: EngineInfo): Builtin {
  const voice: Voice = {
    id: builtin.name,
    name: builtin.name,
    engine: builtin.engine,
    kind: 'builtin',
    language: builtin.language,
    gender: builtin.gender,
    description: builtin.description,
    source: 'builtin',
    created_at: BUILTIN_CREATED_AT,
    expires_at: null,
    session_id: null,
    available: false,
  };
  return { voice, source: builtin, engine };
}
