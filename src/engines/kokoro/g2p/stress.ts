/**
 * Stress marks on misaki phoneme strings: misaki's `apply_stress` (en.py), the rules by which a
 * word's stress is lowered or raised for its place and case. Facts from hexgrad/misaki en.py.
 */

export const PRIMARY = 'ˈ';
export const SECONDARY = 'ˌ';
export const VOWELS = new Set('AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ');
export const CONSONANTS = new Set('bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ');
const DIPHTHONGS = new Set('AIOQWYʤʧ');

function hasVowel(ps: string): boolean {
  for (const c of ps) if (VOWELS.has(c)) return true;
  return false;
}

/** Moves each stress mark to just before the next vowel (misaki's `restress`). */
function restress(ps: string): string {
  const chars = Array.from(ps);
  const keyed = chars.map((c, i) => ({ c, key: i }));
  chars.forEach((c, i) => {
    if (c !== PRIMARY && c !== SECONDARY) return;
    const j = chars.findIndex((v, k) => k >= i && VOWELS.has(v));
    if (j >= 0) keyed[i]!.key = j - 0.5;
  });
  return keyed
    .sort((a, b) => a.key - b.key)
    .map((x) => x.c)
    .join('');
}

/**
 * misaki's apply_stress: stress < -1 removes all marks; -1 (or 0/-0.5 on a word with a primary)
 * demotes primary to secondary; 0, 0.5, 1 give an unstressed word a secondary; ≥ 1 promotes a
 * lone secondary; > 1 gives an unstressed word a primary. Undefined leaves the word as it is.
 */
export function applyStress(ps: string, stress: number | undefined): string {
  if (stress === undefined) return ps;
  const hasPrimary = ps.includes(PRIMARY);
  const hasSecondary = ps.includes(SECONDARY);
  if (stress < -1) return ps.replaceAll(PRIMARY, '').replaceAll(SECONDARY, '');
  if (stress === -1 || ((stress === 0 || stress === -0.5) && hasPrimary)) return ps.replaceAll(SECONDARY, '').replaceAll(PRIMARY, SECONDARY);
  if ((stress === 0 || stress === 0.5 || stress === 1) && !hasPrimary && !hasSecondary) return hasVowel(ps) ? restress(SECONDARY + ps) : ps;
  if (stress >= 1 && !hasPrimary && hasSecondary) return ps.replaceAll(SECONDARY, PRIMARY);
  if (stress > 1 && !hasPrimary && !hasSecondary) return hasVowel(ps) ? restress(PRIMARY + ps) : ps;
  return ps;
}

/** misaki's stress_weight: diphthongs and affricates count twice. */
export function stressWeight(ps: string): number {
  let weight = 0;
  for (const c of ps) weight += DIPHTHONGS.has(c) ? 2 : 1;
  return weight;
}

/**
 * The stresses of the parts of one written word (hyphenated or compound) joined without spaces,
 * as misaki's `resolve_tokens` leaves them: when a one-letter part and one other part are joined
 * the other is demoted; when more than half the parts carry a primary stress, the lighter half
 * of them is demoted to secondary.
 */
export function joinParts(parts: readonly { text: string; phonemes: string }[]): string {
  const phonemes = parts.map((p) => p.phonemes);
  const indices = parts
    .map((p, i) => ({ primary: p.phonemes.includes(PRIMARY) ? 1 : 0, weight: stressWeight(p.phonemes), i }))
    .filter((x) => parts[x.i]!.phonemes.length > 0);
  if (indices.length === 2 && parts[indices[0]!.i]!.text.length === 1) {
    const i = indices[1]!.i;
    phonemes[i] = applyStress(phonemes[i]!, -0.5);
  } else if (indices.length >= 2 && indices.reduce((n, x) => n + x.primary, 0) > Math.floor((indices.length + 1) / 2)) {
    const sorted = [...indices].sort((a, b) => a.primary - b.primary || a.weight - b.weight || a.i - b.i);
    for (const x of sorted.slice(0, Math.floor(indices.length / 2))) phonemes[x.i] = applyStress(phonemes[x.i]!, -0.5);
  }
  return phonemes.join('');
}
