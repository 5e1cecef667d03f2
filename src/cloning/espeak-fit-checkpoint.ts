/**
 * Where a thorough espeak fit (espeak-fit-thorough.ts) was, as bytes a job can store and hand
 * back to resume: UTF-8 JSON of the best setting found so far with the calibrated pitch and rate
 * it is over, its score, and the search's position (phase, pass, step scale, coordinate). It is
 * tied to one reference (a digest of its samples) and one language: a checkpoint of another is
 * ignored, and so is one that does not parse, so that a damaged row costs the search its head
 * start, never the job.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { thoroughSettingSchema } from './espeak-fit-space.js';

export const CHECKPOINT_VERSION = 1;
/** Far more than a checkpoint takes (about 1 KB); anything longer is not one. */
const MAX_BYTES = 64 * 1024;

const stateSchema = z
  .object({
    language: z.string(),
    /** sha256 of the reference's rate and samples. */
    reference: z.string(),
    pitchHz: z.object({ base: z.number().min(20).max(400), max: z.number().min(20).max(800) }).strict().refine((p) => p.max >= p.base),
    rate: z.number().min(80).max(450),
    setting: thoroughSettingSchema,
    /** The setting's score on the search text. */
    score: z.number().min(0).max(1),
    /** `coarse`: the fast fit's grid (at `index` of it); `fine`: coordinate passes (at coordinate `index`). */
    phase: z.enum(['coarse', 'fine']),
    index: z.number().int().min(0),
    pass: z.number().int().min(0),
    /** Steps are the coordinates' first steps times this (1, ½, ¼ …). */
    scale: z.number().gt(0).max(1),
    /** Whether a candidate of the current pass was better (a pass without one halves the steps). */
    improved: z.boolean(),
    /** Renders made so far, over every run. */
    steps: z.number().int().min(0),
  })
  .strict();

export type ThoroughState = z.infer<typeof stateSchema>;

const fileSchema = stateSchema.extend({ version: z.literal(CHECKPOINT_VERSION), engine: z.literal('espeak') }).strict();

/** The digest a checkpoint names its reference by. */
export function referenceDigest(samples: Float32Array, sampleRate: number): string {
  return createHash('sha256')
    .update(String(sampleRate))
    .update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
    .digest('hex');
}

export function encodeCheckpoint(state: ThoroughState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ version: CHECKPOINT_VERSION, engine: 'espeak', ...state }));
}

/** The state in `bytes` when they are a checkpoint of this reference and language, else null. */
export function decodeCheckpoint(bytes: Uint8Array | null | undefined, language: string, reference: string): ThoroughState | null {
  if (!bytes || bytes.length === 0 || bytes.length > MAX_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success || parsed.data.language !== language || parsed.data.reference !== reference) return null;
  const { version: _version, engine: _engine, ...state } = parsed.data;
  return state;
}
