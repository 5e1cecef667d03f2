import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { BuiltinVoice, EngineId, EngineInfo, VoiceData } from '../engines/index.js';
import { errors } from '../errors.js';
import { contentHash, type VoiceCatalog, type VoiceRow } from '../store/catalog.js';
import { BlendError, blendVoices, formatBlendFormula, isBlendFormula, parseBlendFormula, type BlendPart } from './blend.js';
import { VoiceFormatError } from './formats/index.js';
import { OPENAI_VOICE_NAMES, isValidVoiceName, nameKey } from './names.js';
import { builtinRecord, type VoiceRecords } from './records.js';
import { deserializeVoiceData, serializeVoiceData, voiceDataSize } from './serialize.js';
import type { ResolvedVoice, Voice } from './voice.js';

export type VoiceParam = string | { id: string };

/**
 * The OpenAI custom-voice ids this server hands out (`POST /v1/audio/voices`): `voice_` and 32
 * hex digits. Text of this form always means the voice of that id, never a voice of that name
 * (the library refuses such names), so an id whose voice is gone is a 404 and cannot fall
 * through to another voice.
 */
const OPENAI_VOICE_ID = /^voice_[0-9a-f]{32}$/i;

export function isOpenAiVoiceId(text: string): boolean {
  return OPENAI_VOICE_ID.test(text);
}

export function newOpenAiVoiceId(): string {
  return `voice_${randomBytes(16).toString('hex')}`;
}

export interface ResolverDeps {
  engines: readonly EngineInfo[];
  catalog: VoiceCatalog;
  records: VoiceRecords;
  /**
   * Configured aliases (OpenAI voice names or names of one's own) → voices, builtin or
   * stored. OpenAI names not configured here go to the first engine (in the engines'
   * order) that is available and has the voice installed.
   */
  aliases: Readonly<Record<string, string>>;
  /** The configured default voice; else the first available engine's. */
  defaultVoice?: string | null | undefined;
  clock: () => number;
  /** Budget of the decoded-voice cache, in bytes. */
  dataCacheBytes?: number | undefined;
}

export interface Builtin {
  /** The voice object, less `available` (which follows the install state). */
  voice: Voice;
  source: BuiltinVoice;
  engine: EngineInfo;
  /** The data as last read, for the install state it was read in. */
  loaded?: { state: string; data: Promise<{ data: VoiceData; hash: string }> };
}

export type WeightedVoice = ResolvedVoice & { weight: number };

/**
 * What a name means: a builtin voice, an alias (OpenAI's names, configured ones), a blend
 * formula or a stored voice, resolved to data an engine can speak. The decoded-voice cache
 * is keyed by content hash, so it can never hand out a voice that was deleted or changed.
 */
export class VoiceResolver {
  private readonly builtins = new Map<string, Builtin>();
  private readonly aliases: Map<string, string>;
  /** Names that always mean another voice, so no stored voice may take them. */
  private readonly reserved: Set<string>;
  private readonly decoded: LRUCache<string, VoiceData>;

  constructor(private readonly deps: ResolverDeps) {
    for (const engine of deps.engines) {
      for (const builtin of engine.builtinVoices()) this.builtins.set(nameKey(builtin.name), { voice: builtinRecord(builtin), source: builtin, engine });
    }
    this.aliases = new Map(Object.entries(deps.aliases).map(([k, v]) => [nameKey(k), v]));
    this.reserved = new Set([...OPENAI_VOICE_NAMES, ...this.aliases.keys()]);
    this.decoded = new LRUCache<string, VoiceData>({
      maxSize: deps.dataCacheBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (data) => voiceDataSize(data),
    });
    // Memory only: a changed or deleted voice's decoded data leaves every replica's cache when the
    // catalog tells of it. Correctness does not wait for this; each request looks its voice up first.
    deps.catalog.subscribe((change) => {
      if (change.kind === 'voice') this.decoded.delete(change.hash);
      else if (change.kind === 'resync') this.decoded.clear();
    });
  }

  get builtinCount(): number {
    return this.builtins.size;
  }

  builtin(name: string): Builtin | undefined {
    return this.builtins.get(nameKey(name));
  }

  allBuiltins(): IterableIterator<Builtin> {
    return this.builtins.values();
  }

  isReserved(name: string): boolean {
    return this.reserved.has(nameKey(name));
  }

  builtinVoice(b: Builtin): Voice {
    return { ...b.voice, available: b.engine.available() && b.source.installed() };
  }

  /**
   * The voice a speech request names: a voice, `{id}`, an alias, or a blend formula.
   * Throws LiteTtsErrors (404 unknown, 503 engine not installed, 400 bad blend).
   */
  async resolve(param: VoiceParam, paramName = 'voice', options: { engine?: EngineId } = {}): Promise<ResolvedVoice> {
    const text = (typeof param === 'string' ? param : param.id).trim();
    if (text.length === 0) throw errors.invalidParam(paramName, `'${paramName}' must name a voice`);
    if (isBlendFormula(text)) {
      const parts = this.blendParts(() => parseBlendFormula(text), paramName);
      return this.blendResolved(parts, await this.resolveParts(parts, paramName), paramName);
    }
    return this.resolveName(text, paramName, options.engine);
  }

  resolveParts(parts: readonly BlendPart[], paramName: string): Promise<WeightedVoice[]> {
    return Promise.all(parts.map(async (p) => ({ ...(await this.resolveName(p.voice, paramName)), weight: p.weight })));
  }

  /** The weighted mean of resolved voices, as a voice of its own keyed by its parts' hashes. */
  blendResolved(parts: readonly BlendPart[], resolved: readonly WeightedVoice[], paramName: string): ResolvedVoice {
    let data: VoiceData;
    try {
      data = blendVoices(resolved.map((r) => ({ data: r.data, weight: r.weight })));
    } catch (error) {
      if (error instanceof BlendError) throw error.code === 'mixed_engines' ? errors.mixedEngines(paramName) : errors.invalidBlend(error.message, paramName);
      throw error;
    }
    const formula = formatBlendFormula(parts);
    const hash = createHash('sha256').update(resolved.map((r) => `${r.hash}*${r.weight}`).join('+')).digest('hex');
    const voice: Voice = {
      ...resolved[0]!.voice,
      id: formula,
      name: formula,
      kind: 'temporary',
      source: 'blend',
      description: `Blend of ${formula}`,
      created_at: new Date(this.deps.clock()).toISOString(),
      expires_at: null,
      session_id: null,
    };
    return { voice, data, hash };
  }

  blendParts(parse: () => BlendPart[], paramName: string): BlendPart[] {
    try {
      return parse();
    } catch (error) {
      if (error instanceof BlendError) throw errors.invalidBlend(error.message, paramName);
      throw error;
    }
  }

  /**
   * The name of the voice an alias stands for: the configured one (builtin or stored); else,
   * for an OpenAI voice name, the mapping of the engine the request named as its model; else
   * the first engine's that can speak it now. Undefined when `name` is no alias (builtins
   * always mean themselves).
   */
  aliasTarget(name: string, preferred?: EngineId): string | undefined {
    const key = nameKey(name);
    if (this.builtins.has(key)) return undefined;
    const configured = this.aliases.get(key);
    if (configured !== undefined) return configured;
    const named = preferred === undefined ? undefined : this.deps.engines.find((e) => e.id === preferred)?.openAiAliases[key];
    if (named !== undefined && this.builtins.has(nameKey(named))) return named;
    let fallback: string | undefined;
    for (const engine of this.deps.engines) {
      const target = engine.openAiAliases[key];
      const builtin = target === undefined ? undefined : this.builtins.get(nameKey(target));
      if (!builtin) continue;
      if (engine.available() && builtin.source.installed()) return builtin.voice.name;
      fallback ??= builtin.voice.name;
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
  builtinData(b: Builtin, paramName: string): Promise<{ data: VoiceData; hash: string }> {
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
          : readVoiceBytes(engine, origin.read).catch((error: unknown) => {
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

  requireEngine(id: EngineId): void {
    const engine = this.deps.engines.find((e) => e.id === id);
    if (!engine?.available()) throw errors.engineUnavailable(id, engine?.installHint ?? '');
  }

  private async resolveName(name: string, paramName: string, engine?: EngineId): Promise<ResolvedVoice> {
    if (isOpenAiVoiceId(name)) return this.resolveOpenAiId(name, paramName);
    return this.resolveDirect(this.aliasTarget(name, engine) ?? name, paramName);
  }

  /** The stored voice of an OpenAI custom-voice id (exact match), whatever it is named now. */
  async storedByOpenAiId(id: string): Promise<VoiceRow | undefined> {
    return isOpenAiVoiceId(id) ? this.deps.catalog.getByExternalId(id, this.deps.clock()) : undefined;
  }

  private async resolveOpenAiId(id: string, paramName: string): Promise<ResolvedVoice> {
    const now = this.deps.clock();
    const row = await this.deps.catalog.getByExternalId(id, now);
    if (!row) throw errors.voiceNotFound(id, paramName);
    this.requireEngine(row.engine);
    const data = this.decoded.get(row.contentHash);
    if (data) return { voice: this.deps.records.ofRow(row), data, hash: row.contentHash };
    // Data is read by name: a rename or delete in between must not hand out another voice's.
    const found = await this.deps.catalog.getWithData(row.name, now);
    if (found?.row.externalId !== id) throw errors.voiceNotFound(id, paramName);
    return { voice: this.deps.records.ofRow(found.row), data: this.decode(found.row.engine, found.row.contentHash, found.data), hash: found.row.contentHash };
  }

  /** A builtin or stored voice by its own name (aliases already followed). */
  private async resolveDirect(name: string, paramName: string): Promise<ResolvedVoice> {
    // An alias may name an OpenAI id as its voice.
    if (isOpenAiVoiceId(name)) return this.resolveOpenAiId(name, paramName);
    const builtin = this.builtins.get(nameKey(name));
    if (builtin) {
      const { data, hash } = await this.builtinData(builtin, paramName);
      return { voice: this.builtinVoice(builtin), data, hash };
    }
    if (!isValidVoiceName(name)) throw errors.voiceNotFound(name, paramName);
    const now = this.deps.clock();
    const row = await this.deps.catalog.get(name, now);
    if (!row) throw errors.voiceNotFound(name, paramName);
    this.requireEngine(row.engine);
    const data = this.decoded.get(row.contentHash);
    if (data) return { voice: this.deps.records.ofRow(row), data, hash: row.contentHash };
    // Read by name again: the data must belong to the voice that is live now.
    const found = await this.deps.catalog.getWithData(name, now);
    if (!found) throw errors.voiceNotFound(name, paramName);
    return { voice: this.deps.records.ofRow(found.row), data: this.decode(found.row.engine, found.row.contentHash, found.data), hash: found.row.contentHash };
  }

  private decode(engine: EngineId, hash: string, bytes: Uint8Array): VoiceData {
    let data = this.decoded.get(hash);
    if (!data) {
      data = deserializeVoiceData(engine, bytes);
      this.decoded.set(hash, data);
    }
    return data;
  }
}

/** A builtin voice's stored bytes, read like a catalog row: the same parser, the hash of the stored bytes. */
async function readVoiceBytes(engine: EngineId, read: () => Promise<Uint8Array>): Promise<{ data: VoiceData; hash: string }> {
  const bytes = await read();
  return { data: deserializeVoiceData(engine, bytes), hash: contentHash(engine, bytes) };
}
