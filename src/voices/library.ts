import { errors } from '../server/errors.js';
import type { BuiltinVoice, EngineId, EngineInfo } from '../engines/index.js';
import { isValidVoiceName, nameKey } from './names.js';
import type { ResolvedVoice, Voice, VoiceKind } from './voice.js';

/** Builtin voices carry the date of the builtin set rather than a per-start time, so lists are stable. */
const BUILTIN_CREATED_AT = '2026-11-25T00:00:00.000Z';

/** OpenAI's voice names; a request may use them wherever a voice is expected. */
export const OPENAI_VOICE_NAMES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse'] as const;

export interface VoiceFilter {
  kind?: VoiceKind | 'all';
  engine?: string;
  sessionId?: string;
}

export type VoiceParam = string | { id: string };

/**
 * The voice library as the rest of the server sees it: list, look up and
 * resolve voices by name. Builtin voices come from the engines, read-only.
 */
export class VoiceLibrary {
  private readonly builtins = new Map<string, { voice: Voice; builtin: BuiltinVoice }>();
  private readonly aliases: Map<string, string>;

  constructor(
    private readonly engines: readonly EngineInfo[],
    aliases: Readonly<Record<string, string>>,
  ) {
    for (const engine of engines) {
      for (const builtin of engine.builtinVoices()) {
        this.builtins.set(nameKey(builtin.name), { voice: builtinRecord(builtin, engine), builtin });
      }
    }
    this.aliases = new Map(Object.entries(aliases).map(([k, v]) => [nameKey(k), v]));
  }

  list(filter: VoiceFilter = {}): Voice[] {
    const kind = filter.kind ?? 'all';
    if (kind !== 'all' && kind !== 'builtin') return [];
    if (filter.sessionId !== undefined) return [];
    return [...this.builtins.values()]
      .map((b) => refreshAvailability(b.voice, this.engineOf(b.voice.engine)))
      .filter((v) => filter.engine === undefined || v.engine === filter.engine);
  }

  get(name: string): Voice | undefined {
    const entry = this.builtins.get(nameKey(name));
    return entry && refreshAvailability(entry.voice, this.engineOf(entry.voice.engine));
  }

  counts(): { builtin: number; custom: number; temporary: number } {
    return { builtin: this.builtins.size, custom: 0, temporary: 0 };
  }

  /** The voice a speech request names: a voice, `{id}`, or an OpenAI voice name. Throws ApiErrors. */
  resolve(param: VoiceParam, paramName = 'voice'): ResolvedVoice {
    const name = (typeof param === 'string' ? param : param.id).trim();
    if (name.length === 0) throw errors.invalidParam(paramName, `'${paramName}' must name a voice`);
    const direct = this.builtins.get(nameKey(name));
    const entry = direct ?? this.aliasTarget(name);
    if (!entry) throw errors.voiceNotFound(name, paramName);
    const engine = this.engineOf(entry.voice.engine);
    if (!engine?.available()) throw errors.engineUnavailable(entry.voice.engine, engine?.installHint ?? '');
    return { voice: refreshAvailability(entry.voice, engine), data: entry.builtin.data };
  }

  /** The OpenAI name → voice map in force (configured aliases over each engine's defaults). */
  aliasMap(): Record<string, string> {
    return Object.fromEntries(this.aliases);
  }

  private aliasTarget(name: string): { voice: Voice; builtin: BuiltinVoice } | undefined {
    if (!isValidVoiceName(name)) return undefined;
    const target = this.aliases.get(nameKey(name));
    return target === undefined ? undefined : this.builtins.get(nameKey(target));
  }

  private engineOf(id: EngineId): EngineInfo | undefined {
    return this.engines.find((e) => e.id === id);
  }
}

function builtinRecord(builtin: BuiltinVoice, engine: EngineInfo): Voice {
  return {
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
    available: engine.available(),
  };
}

function refreshAvailability(voice: Voice, engine: EngineInfo | undefined): Voice {
  const available = engine?.available() ?? false;
  return voice.available === available ? { ...voice } : { ...voice, available };
}
