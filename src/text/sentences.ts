// Splits text into sentence-sized pieces for synthesis. Boundaries come from ICU's Unicode
// sentence segmentation (Intl.Segmenter), then get repaired where it is known to go wrong
// (abbreviations, closing quotes, URLs), and pieces are capped in length so that no single
// synthesis call is huge and the first piece (time to first audio) is short.

export interface SplitOptions {
  /** Longest piece, in UTF-16 code units (default 400). */
  maxChars?: number;
  /** Longest first piece (default 80): a long first sentence is cut at a clause boundary. */
  firstMaxChars?: number;
  /** BCP 47 locale for the segmenter (default 'en'). */
  locale?: string;
}

const DEFAULT_MAX_CHARS = 400;
const DEFAULT_FIRST_MAX_CHARS = 80;

// Abbreviations that precede a name or word and are never meant to end the sentence.
const TITLE_ABBREVIATION =
  /(?:^|[\s([{"'“‘«])(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sr|Jr|St|Mt|Ft|Gen|Col|Maj|Capt|Lt|Sgt|Cmdr|Adm|Rev|Fr|Hon|Gov|Sen|Rep|Pres|vs|cf|viz|approx|ca|al|Messrs)\.$/u;
// Abbreviations that introduce a number ("No. 5", "Fig. 3", "Jan. 12").
const NUMBER_ABBREVIATION =
  /(?:^|[\s([{"'“‘«])(?:No|Nos|Nr|Fig|Figs|Vol|Ch|Sec|Art|Eq|pp?|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$/u;
// An initial ("J. R. R. Tolkien") or a dotted abbreviation ("U.S.", "e.g.", "p.m.").
const INITIAL_OR_DOTTED = /(?:^|[\s([{"'“‘«])(?:\p{Lu}|(?:\p{L}\.)+\p{L})\.$/u;
const MERIDIEM_END = /(?:^|[\s\p{N}])(?:[ap]\.m|[AP]\.M|[AP] M)\.$/u;
// Closing quotes/brackets standing apart at the start of a piece belong to the one before
// (French "« Bonjour ! » dit-il" splits before the "»").
const LEADING_CLOSER = /^[\p{Pe}\p{Pf}"']+(?=\s|$)/u;
// Clause punctuation that a long sentence may be cut after. The CJK ones are not followed
// by a space; the others must be, so "3,000" and "10:30" stay whole.
const CLAUSE_END = /[;:,—–]/u;
const CJK_CLAUSE_END = /[，、；：]/u;
const SPEAKABLE = /[\p{L}\p{N}]/u;

const segmenters = new Map<string, Intl.Segmenter>();
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function sentenceSegmenter(locale: string): Intl.Segmenter {
  let segmenter = segmenters.get(locale);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
    segmenters.set(locale, segmenter);
  }
  return segmenter;
}

interface Span {
  start: number;
  end: number;
}

/** Whether the segmenter's boundary between `prev` and `next` (both trimmed) is a false one. */
function isFalseBoundary(line: string, prev: Span, next: Span): boolean {
  const before = line.slice(prev.start, prev.end);
  const after = line.slice(next.start, next.end);
  // "at 5 p.m. Then …" (or "five P M." once normalised): a time at the end of a sentence,
  // whose last letter would otherwise pass for an initial.
  if (MERIDIEM_END.test(before) && /^\p{Lu}/u.test(after)) return false;
  if (TITLE_ABBREVIATION.test(before) || INITIAL_OR_DOTTED.test(before)) return true;
  if (NUMBER_ABBREVIATION.test(before) && /^\p{N}/u.test(after)) return true;
  // A sentence does not start in lower case ('"Stop!" he said.'), and a full stop,
  // ? or ! glued to the next word is a URL or file name ("x.org/a?b=1").
  if (/^\p{Ll}/u.test(after)) return true;
  if (prev.end === next.start && /[.?!]$/.test(before)) return true;
  return false;
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

const SEGMENT_WINDOW = 2000;

/**
 * Intl.Segmenter's segments, but fed the line in windows: in V8 each step of the iterator
 * costs time proportional to the whole string, which made a 100 KB paragraph take ~0.5 s.
 * The last segment of a window may be cut short by the window's end, so the next window
 * starts there and segments it again.
 */
function* segments(line: string, segmenter: Intl.Segmenter): Generator<{ segment: string; index: number }> {
  let start = 0;
  let size = SEGMENT_WINDOW;
  while (start < line.length) {
    const end = Math.min(line.length, start + size);
    const found = Array.from(segmenter.segment(line.slice(start, end)));
    if (end < line.length && found.length < 2) {
      size *= 2; // one sentence longer than the window: widen it
      continue;
    }
    const complete = end < line.length ? found.slice(0, -1) : found;
    for (const { segment, index } of complete) yield { segment, index: start + index };
    start = end < line.length ? start + found.at(-1)!.index : end;
    size = SEGMENT_WINDOW;
  }
}

/** Sentences of one line (no newlines inside), as trimmed slices of that line. */
function segmentLine(line: string, segmenter: Intl.Segmenter): string[] {
  const spans: Span[] = [];
  for (const { segment, index } of segments(line, segmenter)) {
    const span: Span = { start: skipSpaces(line, index), end: index + segment.trimEnd().length };
    if (span.start >= span.end) continue;
    const prev = spans.at(-1);
    if (prev) {
      const closer = LEADING_CLOSER.exec(line.slice(span.start, span.end));
      if (closer) {
        prev.end = span.start + closer[0].length;
        span.start = skipSpaces(line, prev.end);
        if (span.start >= span.end) continue;
      }
      if (isFalseBoundary(line, prev, span)) {
        prev.end = span.end;
        continue;
      }
    }
    spans.push(span);
  }
  return spans.map((s) => line.slice(s.start, s.end));
}

/** Largest grapheme boundary in (0, limit], so that a forced cut never splits a character. */
function hardCut(text: string, limit: number): number {
  let cut = 0;
  // Whether there is a boundary at i depends on the text before i and the code point at i,
  // so a window reaching two code units past the limit decides every candidate correctly
  // (segmenting all of a long text for each cut would make splitting it quadratic).
  for (const { index } of graphemes.segment(text.slice(0, limit + 2))) {
    if (index > limit) break;
    cut = index;
  }
  if (cut > 0) return cut;
  // One grapheme longer than the limit (a long emoji sequence): at least keep code points whole.
  const code = text.charCodeAt(limit - 1);
  const splitsPair = code >= 0xd800 && code <= 0xdbff;
  return splitsPair ? (limit > 1 ? limit - 1 : limit + 1) : limit;
}

/**
 * Where to cut `text` (longer than `limit`) so that the head has at most `limit` code units:
 * after the last clause punctuation that fits, else at the last space that fits, else
 * mid-word. Both sides of a clause or space cut keep something speakable.
 */
function findCut(text: string, limit: number): number {
  let spaceCut = 0;
  for (let i = limit; i > 0; i--) {
    const atSpace = /\s/.test(text[i]!);
    const prev = text[i - 1]!;
    const clause = (atSpace && CLAUSE_END.test(prev)) || CJK_CLAUSE_END.test(prev);
    if (!clause && !(atSpace && spaceCut === 0)) continue;
    if (!SPEAKABLE.test(text.slice(0, i)) || !SPEAKABLE.test(text.slice(i))) continue;
    if (clause) return i;
    spaceCut = i;
  }
  return spaceCut > 0 ? spaceCut : hardCut(text, limit);
}

/** Cuts `text` into trimmed pieces of at most `limit` code units each. */
function capLength(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const cut = findCut(rest, limit);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/**
 * Splits text into sentences for synthesis. Newlines always end a sentence. Pieces with
 * nothing speakable (only punctuation or symbols) are attached to a neighbour. Every piece
 * is at most `maxChars` long, and the first at most `firstMaxChars`. The pieces are
 * consecutive slices of `text`: joined with whitespace they give back all of its words in
 * order (a word is only split if it alone exceeds the limit).
 */
export function splitSentences(text: string, options: SplitOptions = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const firstMaxChars = Math.min(options.firstMaxChars ?? DEFAULT_FIRST_MAX_CHARS, maxChars);
  if (!(maxChars >= 1 && firstMaxChars >= 1)) throw new RangeError('maxChars and firstMaxChars must be ≥ 1');
  const segmenter = sentenceSegmenter(options.locale ?? 'en');

  const sentences: string[] = [];
  let orphan = ''; // unspeakable text seen before any sentence; goes onto the first one
  for (const line of text.split('\n')) {
    for (const sentence of segmentLine(line, segmenter)) {
      if (SPEAKABLE.test(sentence)) {
        sentences.push(orphan === '' ? sentence : `${orphan} ${sentence}`);
        orphan = '';
      } else if (sentences.length > 0) {
        sentences[sentences.length - 1] += ` ${sentence}`;
      } else {
        orphan = orphan === '' ? sentence : `${orphan} ${sentence}`;
      }
    }
  }

  const pieces: string[] = [];
  for (const [i, sentence] of sentences.entries()) {
    if (i === 0 && sentence.length > firstMaxChars) {
      // Short first piece: synthesis of it can start while the rest is still queued.
      const cut = findCut(sentence, firstMaxChars);
      pieces.push(sentence.slice(0, cut).trimEnd());
      pieces.push(...capLength(sentence.slice(cut).trimStart(), maxChars));
    } else {
      pieces.push(...capLength(sentence, maxChars));
    }
  }
  return pieces;
}
