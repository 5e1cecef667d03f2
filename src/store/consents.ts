/**
 * OpenAI-style voice consents (`POST /v1/audio/voice_consents`): the recording of a speaker
 * agreeing to be cloned, kept so that a later voice sample can be checked against it by the
 * similarity scorer. Same promises as the catalog (catalog.ts); `consents-contract.ts` tests them.
 */
export interface ConsentRow {
  /** `cons_` + random, unique. */
  id: string;
  name: string;
  /** BCP 47, as given. */
  language: string;
  createdAt: number;
  /** The decoded recording (opaque bytes for the cloning layer: mono s16le and its rate). */
  recording: Uint8Array;
}

export type NewConsent = Omit<ConsentRow, 'createdAt'>;

export interface ConsentStore {
  insertConsent(consent: NewConsent, now: number): Promise<ConsentRow>;
  getConsent(id: string): Promise<ConsentRow | undefined>;
  /** Oldest first; without recordings' bytes being needed by the caller (they may be empty arrays). */
  listConsents(): Promise<Omit<ConsentRow, 'recording'>[]>;
  /** Removes it (`not_found` when there is none); voices made with it stay. */
  deleteConsent(id: string): Promise<Omit<ConsentRow, 'recording'>>;
}
