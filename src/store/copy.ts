import { createHash } from 'node:crypto';
import { contentHash, type NewVoice, type VoiceRow } from './catalog.js';
import { FINISHED, type JobRow } from './jobs.js';
import type { Catalog } from './open.js';

/**
 * Copies a whole library from one catalog to another through the store interfaces (so any
 * direction works: SQLite → PostgreSQL, and back), then verifies the copy. What is copied:
 * - every live voice (custom and temporary) with its data, creation time, expiry, session,
 *   similarity and OpenAI id; temporary voices that have already expired are left behind;
 * - every consent with its recording and time;
 * - the lexicon, with each entry's time;
 * - unfinished jobs (queued or running), as queued jobs with their input, progress, step,
 *   best score, elapsed time and checkpoint, so a server on the target resumes them (their
 *   attempt count goes up by one). Finished jobs are not copied: they are history that the
 *   retention sweep removes within a day anyway.
 * Stop the servers on the source first: a write made there during the copy may be missed.
 *
 * Writes go one voice (one consent, one job) at a time, each with its own time, so a copy cut
 * short leaves the target part-filled: start again on an empty target (`--force` refuses
 * names the target already has, see `conflicts`).
 */
export interface CopyReport {
  voices: number;
  consents: number;
  pronunciations: number;
  jobs: number;
  /** Finished jobs left behind. */
  skippedFinishedJobs: number;
}

/** The owner that holds a job for the instant its progress is copied. */
const COPY_OWNER = 'litetts-migrate';

/** What the target already holds: a copy into a non-empty target must be asked for. */
export async function targetContents(target: Catalog, now: number): Promise<{ voices: number; consents: number; pronunciations: number; jobs: number }> {
  const [voices, consents, pronunciations, jobs] = await Promise.all([
    target.list({}, now),
    target.listConsents(),
    target.countPronunciations(),
    target.listJobs({}),
  ]);
  return { voices: voices.length, consents: consents.length, pronunciations, jobs: jobs.length };
}

/** Names, OpenAI ids, consent and job ids of the source that the target already has: a copy would fail on them. */
export async function conflicts(source: Catalog, target: Catalog, now: number): Promise<string[]> {
  const found: string[] = [];
  const targetVoices = await target.list({}, now);
  const names = new Set(targetVoices.map((r) => r.name.toLowerCase()));
  const ids = new Set(targetVoices.flatMap((r) => (r.externalId === null ? [] : [r.externalId])));
  for (const row of await source.list({}, now)) {
    if (names.has(row.name.toLowerCase())) found.push(`voice '${row.name}'`);
    if (row.externalId !== null && ids.has(row.externalId)) found.push(`OpenAI voice id '${row.externalId}'`);
  }
  const consentIds = new Set((await target.listConsents()).map((c) => c.id));
  for (const c of await source.listConsents()) if (consentIds.has(c.id)) found.push(`consent '${c.id}'`);
  const jobIds = new Set((await target.listJobs({})).map((j) => j.id));
  for (const j of await source.listJobs({})) if (!FINISHED.includes(j.status) && jobIds.has(j.id)) found.push(`job '${j.id}'`);
  return found;
}

export async function copyLibrary(source: Catalog, target: Catalog, now: number): Promise<CopyReport> {
  const report: CopyReport = { voices: 0, consents: 0, pronunciations: 0, jobs: 0, skippedFinishedJobs: 0 };
  // Live voices only: an expired temporary voice is already gone for every reader.
  for (const row of await source.list({}, now)) {
    const found = await source.getWithData(row.name, now);
    if (!found) continue; // deleted since it was listed
    await target.insert(newVoiceOf(found.row, found.data), found.row.createdAt);
    report.voices++;
  }
  for (const meta of await source.listConsents()) {
    const consent = await source.getConsent(meta.id);
    if (!consent) continue;
    await target.insertConsent({ id: consent.id, name: consent.name, language: consent.language, recording: consent.recording }, consent.createdAt);
    report.consents++;
  }
  // One write per distinct time, so each entry keeps its own.
  const byTime = new Map<number, { word: string; language: string; phonemes: string }[]>();
  for (const e of await source.listPronunciations({})) {
    const batch = byTime.get(e.updatedAt) ?? [];
    batch.push({ word: e.word, language: e.language, phonemes: e.phonemes });
    byTime.set(e.updatedAt, batch);
  }
  for (const [at, entries] of byTime) report.pronunciations += (await target.putPronunciations(entries, at)).rows.length;
  for (const job of await source.listJobs({})) {
    if (FINISHED.includes(job.status)) {
      report.skippedFinishedJobs++;
      continue;
    }
    if (await copyJob(source, target, job)) report.jobs++;
  }
  return report;
}

async function copyJob(source: Catalog, target: Catalog, job: JobRow): Promise<boolean> {
  const input = await source.jobInput(job.id);
  if (input === undefined) return false; // finished since it was listed
  const checkpoint = await source.jobCheckpoint(job.id);
  await target.insertJob({ id: job.id, type: job.type, sessionId: job.sessionId, params: job.params, input }, job.createdAt);
  if (job.progress === 0 && job.step === '' && job.bestScore === null && job.elapsedMs === 0 && checkpoint === null) return true;
  // The interface sets progress only for a running job's owner: hold it for an instant, then put it back in the queue.
  const at = job.updatedAt;
  await target.claimJob(job.id, COPY_OWNER, at);
  await target.updateJob(job.id, COPY_OWNER, { progress: job.progress, step: job.step, bestScore: job.bestScore, elapsedMsDelta: job.elapsedMs, checkpoint }, at);
  await target.requeueRunning({ deadOwner: COPY_OWNER }, at);
  return true;
}

function newVoiceOf(row: VoiceRow, data: Uint8Array): NewVoice {
  return {
    name: row.name,
    engine: row.engine,
    kind: row.kind,
    language: row.language,
    gender: row.gender,
    description: row.description,
    source: row.source,
    expiresAt: row.expiresAt,
    sessionId: row.sessionId,
    similarity: row.similarity,
    externalId: row.externalId,
    data,
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Compares the target with the source: every live voice of the source is in the target with
 * the same fields and data that hashes to the same content hash; every consent with the same
 * recording (by SHA-256); every lexicon entry; every unfinished job. Returns the differences;
 * empty when the copy is whole.
 */
export async function verifyCopy(source: Catalog, target: Catalog, now: number): Promise<string[]> {
  const problems: string[] = [];
  const sourceVoices = await source.list({}, now);
  const targetVoices = await target.list({}, now);
  if (targetVoices.length < sourceVoices.length) problems.push(`voices: ${sourceVoices.length} in the source, ${targetVoices.length} in the target`);
  for (const row of sourceVoices) {
    const copied = await target.getWithData(row.name, now);
    if (!copied) {
      problems.push(`voice '${row.name}' is missing`);
      continue;
    }
    for (const key of Object.keys(row) as (keyof VoiceRow)[]) {
      if (row[key] !== copied.row[key]) problems.push(`voice '${row.name}': ${key} is ${JSON.stringify(copied.row[key])}, not ${JSON.stringify(row[key])}`);
    }
    if (contentHash(copied.row.engine, copied.data) !== row.contentHash) problems.push(`voice '${row.name}': its data does not hash to ${row.contentHash}`);
  }
  const targetConsents = new Map((await target.listConsents()).map((c) => [c.id, c]));
  for (const meta of await source.listConsents()) {
    const [a, b] = await Promise.all([source.getConsent(meta.id), targetConsents.has(meta.id) ? target.getConsent(meta.id) : undefined]);
    if (!b) problems.push(`consent '${meta.id}' is missing`);
    else if (!a || sha256(a.recording) !== sha256(b.recording) || a.name !== b.name || a.language !== b.language || a.createdAt !== b.createdAt) {
      problems.push(`consent '${meta.id}' differs`);
    }
  }
  const entryKey = (e: { word: string; language: string; phonemes: string }) => `${e.language}\0${e.word.toLowerCase()}\0${e.phonemes}`;
  const targetEntries = new Set((await target.listPronunciations({})).map(entryKey));
  for (const entry of await source.listPronunciations({})) {
    if (!targetEntries.has(entryKey(entry))) problems.push(`pronunciation of '${entry.word}' (${entry.language}) is missing or differs`);
  }
  for (const job of await source.listJobs({})) {
    if (FINISHED.includes(job.status)) continue;
    const copied = await target.getJob(job.id);
    if (!copied) problems.push(`job '${job.id}' is missing`);
    else if (copied.progress !== job.progress || copied.elapsedMs !== job.elapsedMs) problems.push(`job '${job.id}': progress differs`);
  }
  return problems;
}
