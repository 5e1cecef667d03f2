// Phoneme string → Kokoro token ids, and the framing and chunking the model needs.

import { KOKORO_VOCAB, MAX_PHONEME_TOKENS, PAD_ID } from './vocab.js';

/**
 * Token ids for a phoneme string, one per code point (every vocab symbol is a single code
 * point). Symbols the vocab lacks are dropped, as kokoro-onnx's tokenizer and kokoro.js do,
 * and each is reported through `onUnknown` (once per occurrence).
 */
export function tokenize(phonemes: string, onUnknown?: (symbol: string) => void): number[] {
  const ids: number[] = [];
  for (const symbol of phonemes) {
    const id = KOKORO_VOCAB.get(symbol);
    if (id === undefined) onUnknown?.(symbol);
    else ids.push(id);
  }
  return ids;
}

/** The model input for one chunk: `[0, …ids, 0]` as int64. Throws when there are over 510 ids. */
export function toModelInput(ids: readonly number[]): BigInt64Array {
  if (ids.length > MAX_PHONEME_TOKENS) {
    throw new RangeError(`Kokoro takes at most ${MAX_PHONEME_TOKENS} phoneme tokens, got ${ids.length}`);
  }
  const input = new BigInt64Array(ids.length + 2);
  input[0] = BigInt(PAD_ID);
  for (let i = 0; i < ids.length; i++) input[i + 1] = BigInt(ids[i]!);
  input[ids.length + 1] = BigInt(PAD_ID);
  return input;
}

/**
 * Which row of a voice pack (510 × 256) styles an input of `tokenCount` phoneme tokens.
 * Convention: row N is the style for N phoneme tokens, NOT counting the two pad tokens, clamped
 * to the last row, 509; row 0 is never used by a real (non-empty) input. This is what kokoro.js
 * (`generate_from_ids`: input length − 2, clamped to 509) and kokoro-onnx (`voice[len(tokens)]`)
 * do. (The PyTorch KPipeline indexes `pack[len(ps) - 1]`, one row lower; the published ONNX
 * ports and this project follow the former.)
 */
export function styleRowIndex(tokenCount: number): number {
  return Math.min(tokenCount, MAX_PHONEME_TOKENS - 1);
}

/**
 * Boundaries in the order they are preferred, after hexgrad/kokoro `kokoro/pipeline.py`
 * (`KPipeline.waterfall_last`: `!.?…`, then `:;`, then `,—`), with spaces as the last resort.
 */
const WATERFALL: readonly string[] = ['.!?…', ':;', ',—'];
/** Closing marks kept with the punctuation before them (pipeline.py's "bumps"). */
const BUMPS = ')”';

/**
 * Splits a phoneme string into chunks of at most `max` tokens (code points, an upper bound on
 * the ids they become) for separate model calls. Each chunk is as long as fits and ends at the
 * last sentence punctuation (`.!?…`) within reach, failing that the last `:;`, then the last
 * `,—`, then the last space; a word is only cut when it alone is longer than `max`. Chunks are
 * trimmed; nothing but whitespace at the cuts is lost, and empty input gives no chunks.
 */
export function splitForModel(phonemes: string, max: number = MAX_PHONEME_TOKENS): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  const chars = Array.from(phonemes.replace(/\s+/g, ' ').trim());
  const chunks: string[] = [];
  let start = 0;
  while (start < chars.length) {
    while (chars[start] === ' ') start++;
    if (start >= chars.length) break;
    if (chars.length - start <= max) {
      chunks.push(chars.slice(start).join('').trim());
      break;
    }
    const end = cutPoint(chars, start, start + max);
    chunks.push(chars.slice(start, end).join('').trim());
    start = end;
  }
  return chunks.filter((chunk) => chunk.length > 0);
}

/** Where to end a chunk that starts at `start` and may run up to (not including) `limit`. */
function cutPoint(chars: readonly string[], start: number, limit: number): number {
  for (const marks of WATERFALL) {
    for (let i = limit; i > start; i--) {
      if (!marks.includes(chars[i - 1]!)) continue;
      // A cut after the punctuation (and any closing marks right after it) that still fits.
      let end = i;
      while (end < limit && BUMPS.includes(chars[end]!)) end++;
      return end;
    }
  }
  for (let i = limit; i > start; i--) if (chars[i] === ' ') return i;
  // One word longer than the limit: cut it, but not in front of a combining mark or modifier.
  let end = limit;
  while (end > start + 1 && isAttached(chars[end]!)) end--;
  return end;
}

/** Combining diacritics and spacing modifiers (ː ʰ ʲ …) belong to the symbol before them. */
function isAttached(symbol: string): boolean {
  const cp = symbol.codePointAt(0)!;
  return (cp >= 0x02b0 && cp <= 0x036f) || cp === 0x1d5d;
}
