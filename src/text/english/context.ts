import type { NormalizationOptions } from '../options.js';
import type { Variant } from './numbers.js';

/** What every rule is given besides the text. */
export interface Context {
  variant: Variant;
  options: NormalizationOptions;
}

// Every pattern in these rules bounds its quantifiers and opens with a look-behind that fails
// inside a run of the characters it starts with, so each position of the text is examined a
// bounded number of times: the rules are linear in the length of any input, however hostile.

/** A written number: "42", "1,234", "3.14", "1,234.56" (no sign). */
export const NUMBER = String.raw`(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,15})(?:\.\d{1,12})?`;
/** Not inside a longer word or number. */
export const BEFORE = String.raw`(?<![\p{L}\p{N}_]|\p{N}[.,])`;
/** Not followed by more of a number or a word. */
export const AFTER = String.raw`(?![\p{L}\p{N}_]|[.,]\p{N})`;
