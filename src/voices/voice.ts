import type { EngineId, Gender, VoiceData } from '../engines/index.js';
import type { VoiceSource } from '../store/catalog.js';

export type { VoiceSource } from '../store/catalog.js';

export type VoiceKind = 'builtin' | 'custom' | 'temporary';

/** The voice object of the API contract. */
export interface Voice {
  id: string;
  name: string;
  engine: EngineId;
  kind: VoiceKind;
  language: string;
  gender: Gender | null;
  description: string;
  source: VoiceSource;
  created_at: string;
  expires_at: string | null;
  session_id: string | null;
  available: boolean;
  /** Only on an alias looked up by name (GET /v1/voices/alloy): the voice it stands for. */
  alias_of?: string;
}

/** A voice ready to speak: its public record and the data its engine needs. */
export interface ResolvedVoice {
  voice: Voice;
  data: VoiceData;
  /** Content hash of the data: what derived caches (decoded voices, synthesised audio) are keyed by. */
  hash: string;
}
