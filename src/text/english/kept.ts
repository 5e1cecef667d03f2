// Spans that the reading rules leave exactly as written: inline pronunciations
// ("[Kokoro](/kˈOkəɹO/)", for the engine's front end) always, and URLs or e-mail addresses when
// the request switched their reading off.
import { EMAIL, URL } from './web.js';

export const INLINE_PRONUNCIATION = /\[[^\[\]\n]{1,100}\]\(\/[^()\n]{1,200}\/\)/gu;

/** Which addresses to keep as written, besides inline pronunciations. */
export interface Kept {
  urls: boolean;
  emails: boolean;
}

/** `transform` applied to the text between the kept spans; the spans themselves pass through. */
export function outsideKept(text: string, kept: Kept, transform: (part: string) => string): string {
  const patterns = [INLINE_PRONUNCIATION];
  if (kept.urls) patterns.push(URL);
  if (kept.emails) patterns.push(EMAIL);
  const spans: [number, number][] = [];
  for (const pattern of patterns) {
    if (pattern === INLINE_PRONUNCIATION && !text.includes('](/')) continue;
    for (const m of text.matchAll(pattern)) spans.push([m.index, m.index + m[0].length]);
  }
  if (spans.length === 0) return transform(text);
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at) continue; // inside a span already kept
    out += transform(text.slice(at, start)) + text.slice(start, end);
    at = end;
  }
  return out + transform(text.slice(at));
}
