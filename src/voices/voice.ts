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
  /** Only on a clone: the scorer's similarity (0..1) of the clone to its reference, on a text the search did not use. */
  similarity?: number;
  /** Only on a voice made through OpenAI's `POST /v1/audio/voices`: its `voice_…` id, usable as `voice: {"id": …}`. */
  openai_voice_id?: string;
}

/** A voice ready to speak: its public record and the data its engine needs. */
export interface ResolvedVoice {
  voice: Voice;
  data: VoiceData;
  /** Content hash of the data: what derived caches (decoded voices, synthesised audio) are keyed by. */
  hash: string;
}
