/**
 * Voice blending: the formula syntax (`af_bella(2)+af_sky(1)`), the JSON list
 * form, and the arithmetic that mixes voice data. Pure functions, no I/O: the
 * caller resolves the names to `VoiceData` and stores the result.
 *
 * ## Compatibility with Kokoro-FastAPI
 *
 * Facts taken from remsky/Kokoro-FastAPI (snapshot 26eec068, 2026-08):
 *
 * - `api/src/services/tts_service.py`, `_get_voices_path`: the voice string is
 *   split on `+` and `-` with the operators kept (`re.split(r"([-+])", voice)`).
 *   Each item is `name` or `name(weight)`; the weight is read with Python
 *   `float()`, so `2`, `0.7` and `.5` are all accepted; a missing weight is 1.
 *   With `voice_weight_normalization` on (the default, `api/src/core/config.py`:
 *   "Normalize the voice weights so they add up to 1") every weight is divided
 *   by the sum of ALL written weights, subtracted ones included; the blend is
 *   then the first voice's tensor × its weight, with each following voice's
 *   tensor × weight added for `+` or subtracted for `-`. So `a(2)+b(1)` is
 *   2/3·a + 1/3·b, `a+b` is ½a + ½b and `a-b` is ½a − ½b. A single voice with
 *   a weight (`a(2)`) is just that voice. The same voice written twice is
 *   simply applied twice, i.e. its weights add up.
 * - `api/src/routers/openai_compatible.py`, `process_and_validate_voices`:
 *   spaces are removed first (so whitespace around tokens is allowed); a
 *   formula that starts or ends with `+`/`-` or has two operators in a row is
 *   rejected ("empty combine items"); every item must fully match
 *   `name` or `name(weight)` with no nested parentheses (`af_bella(`,
 *   `af_bella)`, `af_bella(2))`, `af_bella()` are rejected); a weight that is
 *   not a number, NaN, infinite, zero or negative is rejected ("must use a
 *   positive weight"). `api/tests/test_openai_endpoints.py` pins these cases
 *   and accepts `af_bella(2)+af_sky(0.5)` and `af_bella-af_sky(.5)`.
 * - `CHANGELOG.md` v0.2.4: "Voice subtraction capability"; `README.md`
 *   ("Voice Combination"): `af_bella(2)+af_heart(1)` is a 67%/33% mix and
 *   "Ratios are automatically normalized to sum to 100%".
 *
 * ## This implementation
 *
 * - Syntax: parts joined by `+` or `-`; a part is a voice name optionally
 *   followed by `(weight)`; whitespace is allowed around every token. Weights
 *   are decimal numbers (`2`, `0.7`, `.5`, `5.`, `1e-1`), finite and > 0.
 * - Weights are normalised the Kokoro-FastAPI way: divided by the sum of all
 *   written weights, so without subtraction they sum to 1; a subtracted part
 *   gets a negative weight and the magnitudes of the written weights sum to 1.
 * - One deliberate difference: LiteTTS voice names may contain `-`
 *   (`names.ts`), Kokoro-FastAPI's never do. A `-` therefore subtracts only
 *   where it cannot belong to a name: after a weight's `)` or with whitespace
 *   before or after it (`a - b`, `a(1)-b`). `-` between name characters is part
 *   of the name, so `a-b` is the voice named "a-b" (a plain voice name, not a
 *   formula) and Kokoro-FastAPI's `af_bella-af_sky(.5)` reads as the voice
 *   "af_bella-af_sky" with a weight, which the catalog will not find.
 * - The same voice twice (names compared case-insensitively, `nameKey`) is
 *   merged into one part whose weight is the signed sum, exactly the tensor
 *   Kokoro-FastAPI computes; the first spelling is kept. A voice whose added
 *   and subtracted weights cancel to zero is rejected, as is a formula with no
 *   voice left at a positive weight.
 * - At most 16 parts as written; positions in messages are 1-based characters.
 */
import type { EspeakVoiceData, KokoroVoiceData, VoiceData } from '../engines/engine.js';
import { blendTimbre } from './blend-timbre.js';
import { isValidVoiceName, nameKey } from './names.js';

export interface BlendPart {
  voice: string;
  /** Normalised weight; negative for a subtracted voice. */
  weight: number;
}

export type BlendErrorCode = 'invalid_blend' | 'mixed_engines';

export class BlendError extends Error {
  constructor(
    readonly code: BlendErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BlendError';
  }
}

/** Most parts a blend may have (formula parts as written, or list items). */
export const MAX_BLEND_PARTS = 16;
/** Floats in a Kokoro voice tensor: 510 rows × 256. */
export const KOKORO_TENSOR_LENGTH = 510 * 256;

const NAME_RULE = 'names are 1–64 of A-Z a-z 0-9 _ -, starting with a letter or digit';

const invalid = (message: string): BlendError => new BlendError('invalid_blend', message);

// ───────────────────────────── formula parsing ─────────────────────────────

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
/** Characters that end a name token (besides an operator `-`). */
const isDelimiter = (c: string | undefined): boolean =>
  c === undefined || c === '+' || c === '(' || c === ')' || isSpace(c);

/**
 * True when the text uses formula syntax: `+`, parentheses, or a `-` that
 * subtracts (see the module comment). So `a+b`, `a(2)` and `a - b` are
 * formulas, while a plain voice name — `af_bella`, `my-voice` — is not. It is
 * a syntactic check: a malformed formula (`a+`, `a(2`) is still a formula, so
 * that `parseBlendFormula` can say exactly what is wrong with it.
 */
export function isBlendFormula(text: string): boolean {
  const t = text.trim();
  if (t === '' || isValidVoiceName(t)) return false;
  if (/[+()]/.test(t)) return true;
  return /(^|\s)-|-(\s|$)/.test(t);
}

interface WrittenPart {
  voice: string;
  /** Weight as written (> 0), signed by its operator. */
  signed: number;
  /** 1-based character where the voice name starts. */
  at: number;
}

/**
 * Parses a blend formula into parts with normalised weights (see the module
 * comment for the syntax and semantics). Throws `BlendError` ('invalid_blend')
 * saying what is wrong and at which character.
 */
export function parseBlendFormula(text: string): BlendPart[] {
  const written: WrittenPart[] = [];
  const n = text.length;
  let pos = 0;
  /** The operator before the part being read: its character and 0-based position. */
  let op: { char: '+' | '-'; pos: number } | null = null;

  const skipSpace = (): void => {
    while (pos < n && isSpace(text[pos])) pos++;
  };
  const at = (p: number): number => p + 1;

  skipSpace();
  if (pos === n) throw invalid('blend formula is empty: give at least one voice, e.g. af_bella(2)+af_sky(1)');

  for (;;) {
    skipSpace();
    const partNo = written.length + 1;
    const c = text[pos];

    // A part must start with a voice name.
    if (c === undefined || c === '+' || c === '-') {
      if (op === null) {
        throw invalid(`blend formula starts with '${c}' at character ${at(pos)}: part 1 is empty (a voice name must come first)`);
      }
      if (c === undefined) {
        throw invalid(`blend formula ends with '${op.char}' at character ${at(op.pos)}: part ${partNo} after it is empty`);
      }
      throw invalid(
        `part ${partNo} is empty: nothing between '${op.char}' at character ${at(op.pos)} and '${c}' at character ${at(pos)}`,
      );
    }
    if (c === ')') throw invalid(`unbalanced parentheses: ')' at character ${at(pos)} has no matching '('`);
    if (c === '(') {
      throw invalid(`part ${partNo} has no voice name: '(' at character ${at(pos)} must follow a voice name`);
    }

    // The voice name: up to whitespace, + ( ), or a run of '-' that is not followed by more name.
    const nameStart = pos;
    while (pos < n) {
      const ch = text[pos];
      if (isDelimiter(ch)) break;
      if (ch === '-') {
        let end = pos;
        while (text[end] === '-') end++;
        // The run is an operator (or a trailing one) before a delimiter, except before '(':
        // an operator cannot be followed by a weight, so `a-(2)` is the voice "a-" with a
        // weight, as formatBlendFormula writes a name that ends in '-'.
        if (text[end] !== '(' && isDelimiter(text[end])) break;
        pos = end;
        continue;
      }
      pos++;
    }
    const voice = text.slice(nameStart, pos);
    if (!isValidVoiceName(voice)) {
      throw invalid(`part ${partNo}: '${voice}' at character ${at(nameStart)} is not a valid voice name (${NAME_RULE})`);
    }

    // An optional (weight).
    skipSpace();
    let weight = 1;
    if (text[pos] === '(') {
      const open = pos;
      pos++;
      const weightStart = pos;
      while (pos < n && text[pos] !== ')') {
        if (text[pos] === '(') {
          throw invalid(
            `unbalanced parentheses: '(' at character ${at(pos)} inside the weight of part ${partNo} ('${voice}') opened at character ${at(open)}`,
          );
        }
        pos++;
      }
      if (pos === n) {
        throw invalid(`unbalanced parentheses: '(' at character ${at(open)} (weight of part ${partNo}, '${voice}') is never closed`);
      }
      weight = parseWeight(text.slice(weightStart, pos), `part ${partNo} ('${voice}') at character ${at(open)}`);
      pos++; // past ')'
      skipSpace();
    }

    written.push({ voice, signed: op?.char === '-' ? -weight : weight, at: at(nameStart) });
    if (written.length > MAX_BLEND_PARTS) {
      throw invalid(
        `blend formula has too many parts: part ${written.length} starts at character ${at(nameStart)}; at most ${MAX_BLEND_PARTS} are allowed`,
      );
    }

    if (pos === n) break;
    const next = text[pos];
    if (next === '+' || next === '-') {
      op = { char: next, pos };
      pos++;
      continue;
    }
    if (next === ')') throw invalid(`unbalanced parentheses: ')' at character ${at(pos)} has no matching '('`);
    if (next === '(') {
      throw invalid(`part ${partNo} ('${voice}') has a second '(' at character ${at(pos)}: a part takes one (weight)`);
    }
    throw invalid(
      `expected '+' or '-' after part ${partNo} ('${voice}') at character ${at(pos)}, found '${next}'` +
        (isSpace(text[pos - 1]) ? ' (voice names cannot contain spaces)' : ''),
    );
  }

  return mergeAndNormalise(
    written.map((w) => ({ voice: w.voice, signed: w.signed, where: `'${w.voice}' (character ${w.at})` })),
    'blend formula',
  );
}

/** A decimal number as the formula writes weights: digits with an optional point and exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseWeight(raw: string, where: string): number {
  const t = raw.trim();
  if (t === '') throw invalid(`empty weight in ${where}: write a positive number, e.g. (2) or (0.5)`);
  if (/^[+-]?(nan|inf|infinity)$/i.test(t)) throw invalid(`weight '${t}' in ${where} is not a finite number`);
  if (!DECIMAL.test(t)) throw invalid(`weight '${t}' in ${where} is not a number`);
  const value = Number(t);
  if (!Number.isFinite(value)) throw invalid(`weight '${t}' in ${where} is not a finite number`);
  if (value <= 0) throw invalid(`weight '${t}' in ${where} must be greater than zero`);
  return value;
}

// ───────────────────────────── the list form ─────────────────────────────

/**
 * Validates the JSON list form, `[{"voice": "a", "weight": 2}, {"voice": "b"}]`
 * (weight optional, default 1; weights > 0, no subtraction), and returns it with
 * weights normalised to sum 1. Same rules and merging as the formula.
 */
export function normaliseBlendList(list: unknown): BlendPart[] {
  if (!Array.isArray(list)) {
    throw invalid(`blend list must be an array of {"voice": name, "weight": number} objects, got ${describe(list)}`);
  }
  if (list.length === 0) throw invalid('blend list is empty: give at least one voice');
  if (list.length > MAX_BLEND_PARTS) {
    throw invalid(`blend list has ${list.length} items; at most ${MAX_BLEND_PARTS} are allowed`);
  }
  const items = list.map((item: unknown, i) => {
    const where = `item ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw invalid(`${where} of the blend list must be an object like {"voice": "af_bella", "weight": 1}, got ${describe(item)}`);
    }
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== 'voice' && key !== 'weight') {
        throw invalid(`${where} of the blend list has an unknown field '${key}' (only "voice" and "weight" are allowed)`);
      }
    }
    const voice = record['voice'];
    if (typeof voice !== 'string') throw invalid(`${where} of the blend list: "voice" must be a string, got ${describe(voice)}`);
    if (!isValidVoiceName(voice)) {
      throw invalid(`${where} of the blend list: '${voice}' is not a valid voice name (${NAME_RULE})`);
    }
    const weight = record['weight'];
    let value = 1;
    if (weight !== undefined) {
      if (typeof weight !== 'number') {
        throw invalid(`${where} of the blend list ('${voice}'): "weight" must be a number, got ${describe(weight)}`);
      }
      if (!Number.isFinite(weight)) throw invalid(`${where} of the blend list ('${voice}'): weight ${weight} is not a finite number`);
      if (weight <= 0) throw invalid(`${where} of the blend list ('${voice}'): weight ${weight} must be greater than zero`);
      value = weight;
    }
    return { voice, signed: value, where: `'${voice}' (item ${i + 1})` };
  });
  return mergeAndNormalise(items, 'blend list');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Merges repeated voices (case-insensitively; first spelling kept) and divides
 * every weight by the sum of the written weights' magnitudes.
 */
function mergeAndNormalise(items: readonly { voice: string; signed: number; where: string }[], what: string): BlendPart[] {
  let total = 0;
  for (const item of items) total += Math.abs(item.signed);
  if (!Number.isFinite(total)) throw invalid(`the weights of the ${what} are too large to add up`);

  const merged = new Map<string, { voice: string; net: number; where: string }>();
  for (const item of items) {
    const key = nameKey(item.voice);
    const seen = merged.get(key);
    if (seen) seen.net += item.signed;
    else merged.set(key, { voice: item.voice, net: item.signed, where: item.where });
  }

  const parts: BlendPart[] = [];
  for (const m of merged.values()) {
    if (m.net === 0) {
      throw invalid(`voice ${m.where} appears more than once in the ${what} and its added and subtracted weights cancel out`);
    }
    parts.push({ voice: m.voice, weight: m.net / total });
  }
  if (!parts.some((p) => p.weight > 0)) {
    throw invalid(`the ${what} leaves no voice with a positive weight: more is subtracted than added`);
  }
  return parts;
}

// ───────────────────────────── blending ─────────────────────────────

/** espeak-ng's parameter ranges (rate has no fixed range in the voice data). */
const ESPEAK_RANGES = { pitch: [0, 99], range: [0, 99], volume: [0, 200] } as const;

/**
 * Mixes voice data. All parts must be of one engine ('mixed_engines' otherwise)
 * and carry finite, non-zero weights.
 *
 * - Kokoro: the weighted sum Σ wᵢ·tensorᵢ over the whole 510×256 tensor, taken
 *   as given (pass normalised weights, as the parsers return), accumulated in
 *   Float64 and rounded once to Float32; negative weights subtract, as in
 *   Kokoro-FastAPI. The result must be finite.
 * - espeak: pitch, range, rate and volume are the weighted mean Σ wᵢ·xᵢ / Σ wᵢ
 *   (so weights need not be normalised), rounded to integers and clamped to
 *   pitch 0–99, range 0–99, volume 0–200, rate ≥ 1 wpm. Rate is not clamped to
 *   espeak's 80–450 because the engine applies that bound after multiplying by
 *   the request speed, and a mean of stored rates is already within them.
 *   Base and variant come from the part with the largest weight (the first on a
 *   tie): espeak cannot speak a mixture of languages, and a variant file is a
 *   discrete set of formant/voice settings with no meaningful average, so only
 *   the numeric prosody parameters are interpolated. Subtraction (negative
 *   weights) has no meaning for these parameters and is rejected. Timbre (formants, tone,
 *   breath, pitch in Hz, …) is mixed by blend-timbre.ts: the weighted mean, a part without a
 *   field counting with espeak's default; a field no part sets stays absent.
 */
export function blendVoices(parts: readonly { data: VoiceData; weight: number }[]): VoiceData {
  const first = parts[0];
  if (first === undefined) throw invalid('nothing to blend: give at least one voice');
  if (parts.length > MAX_BLEND_PARTS) throw invalid(`cannot blend ${parts.length} voices; at most ${MAX_BLEND_PARTS} are allowed`);
  parts.forEach((p, i) => {
    if (!Number.isFinite(p.weight) || p.weight === 0) {
      throw invalid(`part ${i + 1} of the blend has weight ${p.weight}; weights must be finite and non-zero`);
    }
    if (p.data.engine !== first.data.engine) {
      throw new BlendError(
        'mixed_engines',
        `cannot blend voices of different engines: part 1 is ${first.data.engine}, part ${i + 1} is ${p.data.engine}`,
      );
    }
  });
  return first.data.engine === 'kokoro'
    ? blendKokoro(parts as readonly { data: KokoroVoiceData; weight: number }[])
    : blendEspeak(parts as readonly { data: EspeakVoiceData; weight: number }[]);
}

function blendKokoro(parts: readonly { data: KokoroVoiceData; weight: number }[]): KokoroVoiceData {
  parts.forEach((p, i) => {
    if (p.data.tensor.length !== KOKORO_TENSOR_LENGTH) {
      throw invalid(
        `part ${i + 1} of the blend has a Kokoro tensor of ${p.data.tensor.length} floats; expected ${KOKORO_TENSOR_LENGTH} (510×256)`,
      );
    }
  });
  const acc = new Float64Array(KOKORO_TENSOR_LENGTH);
  for (const { data, weight } of parts) {
    const t = data.tensor;
    for (let i = 0; i < KOKORO_TENSOR_LENGTH; i++) acc[i] = acc[i]! + weight * t[i]!;
  }
  const tensor = new Float32Array(KOKORO_TENSOR_LENGTH);
  for (let i = 0; i < KOKORO_TENSOR_LENGTH; i++) {
    const v = Math.fround(acc[i]!);
    if (!Number.isFinite(v)) {
      throw invalid(`the blended Kokoro tensor is not finite at index ${i} (row ${Math.floor(i / 256)}, column ${i % 256})`);
    }
    tensor[i] = v;
  }
  return { engine: 'kokoro', tensor };
}

function blendEspeak(parts: readonly { data: EspeakVoiceData; weight: number }[]): EspeakVoiceData {
  let total = 0;
  let main = parts[0]!;
  parts.forEach((p, i) => {
    if (p.weight < 0) throw invalid(`part ${i + 1} of the blend is subtracted; espeak voices can only be added`);
    for (const key of ['pitch', 'range', 'rate', 'volume'] as const) {
      if (!Number.isFinite(p.data[key])) throw invalid(`part ${i + 1} of the blend has a non-finite ${key}`);
    }
    total += p.weight;
    if (p.weight > main.weight) main = p;
  });
  if (!Number.isFinite(total)) throw invalid('the weights of the blend are too large to add up');
  const mean = (key: 'pitch' | 'range' | 'rate' | 'volume'): number => {
    let sum = 0;
    for (const p of parts) sum += p.weight * p.data[key];
    return Math.round(sum / total);
  };
  const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, v));
  return {
    engine: 'espeak',
    base: main.data.base,
    variant: main.data.variant,
    pitch: clamp(mean('pitch'), ESPEAK_RANGES.pitch),
    range: clamp(mean('range'), ESPEAK_RANGES.range),
    rate: Math.max(1, mean('rate')),
    volume: clamp(mean('volume'), ESPEAK_RANGES.volume),
    ...blendTimbre(parts, total),
  };
}

// ───────────────────────────── formatting ─────────────────────────────

/**
 * The canonical formula of a blend, for descriptions: weights normalised by the
 * sum of their magnitudes and written with up to 3 decimals (more significant
 * digits only when 3 decimals would round a weight to 0), added parts first in
 * their order, then subtracted ones: `af_bella(0.667)+af_sky(0.333)`. The
 * result parses back (with `parseBlendFormula`) to the same blend within the
 * rounding.
 */
export function formatBlendFormula(parts: readonly BlendPart[]): string {
  if (parts.length === 0) throw invalid('nothing to format: a blend has at least one voice');
  let total = 0;
  for (const p of parts) {
    if (!Number.isFinite(p.weight) || p.weight === 0) {
      throw invalid(`cannot format '${p.voice}' with weight ${p.weight}; weights must be finite and non-zero`);
    }
    total += Math.abs(p.weight);
  }
  const added = parts.filter((p) => p.weight > 0);
  const subtracted = parts.filter((p) => p.weight < 0);
  if (added.length === 0) throw invalid('cannot format a blend with no voice at a positive weight');
  const term = (p: BlendPart): string => `${p.voice}(${formatWeight(Math.abs(p.weight) / total)})`;
  return added.map(term).join('+') + subtracted.map((p) => `-${term(p)}`).join('');
}

function formatWeight(w: number): string {
  const rounded = Math.round(w * 1000) / 1000;
  if (rounded > 0) return String(rounded);
  return String(Number(w.toPrecision(3)));
}
