/**
 * Shared pieces of the parsers' property tests (`*.fuzz.test.ts`): a fixed seed so
 * failures replay, inputs made from seeds (fast-check drawing 522 KB byte by byte
 * would take minutes), byte mutations, and the one property every parser keeps:
 * a result, or the module's own error, never anything else.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** Every property runs from this seed; fast-check prints the path of a failure to replay it. */
export const FUZZ_SEED = 20_251_201;

/** fast-check parameters: the fixed seed and `numRuns` runs. */
export function fuzzParams(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns };
}

/** A test runs for seconds at most; this is far beyond, so that only a hang reaches it. */
export const FUZZ_TIMEOUT_MS = 120_000;

/** Deterministic finite floats in [-1, 1) from a seed (xorshift32). */
export function tensorFromSeed(seed: number, length = 510 * 256): Float32Array {
  let x = seed | 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x | 0) / 2 ** 31;
  }
  return out;
}

export interface Mutation {
  /** Position, taken modulo the input's length. */
  at: number;
  /** XORed into the byte there (never 0, so the byte changes). */
  xor: number;
}

export const mutationsArb = (maxLength = 8): fc.Arbitrary<Mutation[]> =>
  fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength });

/** A copy of `bytes` with the mutations applied, optionally cut to `length` first. */
export function mutate(bytes: Uint8Array, mutations: readonly Mutation[], length = bytes.length): Uint8Array {
  const out = bytes.slice(0, Math.min(length, bytes.length));
  if (out.length === 0) return out;
  for (const m of mutations) out[m.at % out.length] = out[m.at % out.length]! ^ m.xor;
  return out;
}

/** A copy of `bytes` with mutations only within [from, to). */
export function mutateWithin(bytes: Uint8Array, mutations: readonly Mutation[], from: number, to: number): Uint8Array {
  const out = bytes.slice();
  for (const m of mutations) out[from + (m.at % (to - from))] = out[from + (m.at % (to - from))]! ^ m.xor;
  return out;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Runs `fn`: its value, or the error when it is an `errorType`; any other
 * exception fails the property, naming what was thrown.
 */
export function resultOr<T>(errorType: abstract new (...args: never[]) => Error, fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof errorType) return { ok: false, error: e };
    assert.fail(`expected a result or a ${errorType.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}
