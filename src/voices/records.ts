import type { BuiltinVoice, EngineId, EngineInfo } from '../engines/index.js';
import type { VoiceRow } from '../store/catalog.js';
import type { Voice } from './voice.js';

/** Builtin voices carry the date of the builtin set rather than a per-start time, so lists are stable. */
const BUILTIN_CREATED_AT = '2026-11-25T00:00:00.000Z';

/**
 * The API's voice objects, for builtin voices and catalog rows. `available` follows the
 * engines' install state, so it is filled in when a voice is handed out.
 */
export class VoiceRecords {
  private readonly voiceOfRow = new WeakMap<VoiceRow, Voice>();

  constructor(private readonly engines: readonly EngineInfo[]) {}

  engineAvailable(id: EngineId): boolean {
    return this.engines.find((e) => e.id === id)?.available() ?? false;
  }

  /**
   * The voice object of a catalog row. The catalog hands out the same row objects until a
   * row changes, so the mapping is kept per row object (and per engine availability):
   * listing 10,000 voices does not rebuild 10,000 objects.
   */
  ofRow(row: VoiceRow): Voice {
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
      ...(row.similarity !== null && { similarity: row.similarity }),
      ...(row.externalId !== null && { openai_voice_id: row.externalId }),
    };
    this.voiceOfRow.set(row, voice);
    return voice;
  }
}

/** A builtin voice's object, less `available` (which follows the install state). */
export function builtinRecord(builtin: BuiltinVoice): Voice {
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
    available: false,
  };
}
