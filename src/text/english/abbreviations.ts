// Abbreviations read as their words. Titles before a name never end a sentence, so their
// full stop goes; abbreviations that can end one ("etc.", "Inc.") keep it when the next word
// starts a sentence, so the splitter still sees the end.

// Before a name or a word: "Dr. Smith" → "Doctor Smith".
const TITLES: Record<string, string> = {
  Mr: 'Mister',
  Mrs: 'Missus',
  Ms: 'Miz',
  Dr: 'Doctor',
  Prof: 'Professor',
  Gen: 'General',
  Col: 'Colonel',
  Capt: 'Captain',
  Lt: 'Lieutenant',
  Sgt: 'Sergeant',
  Rev: 'Reverend',
  Hon: 'Honorable',
  Gov: 'Governor',
  Sen: 'Senator',
  Rep: 'Representative',
  Pres: 'President',
  Mt: 'Mount',
  Ft: 'Fort',
};
// Before a number: "No. 5" → "number 5".
const BEFORE_NUMBER: Record<string, string> = {
  No: 'number',
  Nos: 'numbers',
  Fig: 'figure',
  Figs: 'figures',
  Vol: 'volume',
  Ch: 'chapter',
  Sec: 'section',
  Art: 'article',
  Eq: 'equation',
  p: 'page',
  pp: 'pages',
};
// Anywhere, possibly at the end of a sentence.
const ANYWHERE: Record<string, string> = {
  etc: 'et cetera',
  vs: 'versus',
  approx: 'approximately',
  Inc: 'Incorporated',
  Ltd: 'Limited',
  Corp: 'Corporation',
  Jr: 'Junior',
  Sr: 'Senior',
  Ave: 'Avenue',
  Blvd: 'Boulevard',
  Rd: 'Road',
  Dept: 'Department',
  Univ: 'University',
  est: 'established',
};
const LATIN: Record<string, string> = { 'e.g.': 'for example', 'i.e.': 'that is', 'cf.': 'compare', 'a.k.a.': 'also known as', 'viz.': 'namely' };

const TITLE = new RegExp(String.raw`(?<![\p{L}\p{N}_.])(${Object.keys(TITLES).join('|')})\.(?= ?\p{Lu})`, 'gu');
// British style writes the commonest titles without a full stop: "Mr Smith", "Dr Who".
const BARE_TITLE = /(?<![\p{L}\p{N}_.])(Mr|Mrs|Ms|Dr|Prof)(?= \p{Lu})/gu;
const DEGREES = /(?<![\p{L}\p{N}_.])(Ph\.D|PhD|B\.Sc|M\.Sc|MSc|BSc)\.?(?![\p{L}\p{N}])/gu;
const DEGREE_LETTERS: Record<string, string> = { 'Ph.D': 'P H D', PhD: 'P H D', 'B.Sc': 'B S C', BSc: 'B S C', 'M.Sc': 'M S C', MSc: 'M S C' };
const NUMBERED = new RegExp(String.raw`(?<![\p{L}\p{N}_.])(${Object.keys(BEFORE_NUMBER).join('|')})\. ?(?=\p{N})`, 'gu');
const GENERAL = new RegExp(String.raw`(?<![\p{L}\p{N}_.])(${Object.keys(ANYWHERE).join('|')})\.(?!\p{L})`, 'gu');
const LATIN_PATTERN = /(?<![\p{L}\p{N}_.])(e\.g\.|i\.e\.|cf\.|a\.k\.a\.|viz\.)(?!\p{L})/giu;
// "#1" is "number one" (any other "#" is read with the symbols).
const NUMBER_SIGN = /(?<![\p{L}\p{N}_&])#(?=\p{N})/gu;
// "St." is "Saint" before a name and "Street" after one.
const SAINT = /(?<![\p{L}\p{N}_.])St\.?(?= \p{Lu})/gu;
const STREET = /(?<=\p{L} )St\.(?!\p{L})/gu;

/** "." when the abbreviation's full stop also ends the sentence. */
function keepStop(after: string): string {
  return /^(?:\s*$|\s+[\p{Lu}"“‘(])/u.test(after) ? '.' : '';
}

export function abbreviations(text: string): string {
  const tail = (whole: string, end: number): string => whole.slice(end, end + 3);
  return text
    .replace(NUMBER_SIGN, 'number ')
    .replace(LATIN_PATTERN, (m: string) => LATIN[m.toLowerCase()]!)
    .replace(SAINT, 'Saint')
    .replace(STREET, (m: string, offset: number, whole: string) => `Street${keepStop(tail(whole, offset + m.length))}`)
    .replace(TITLE, (_m, a: string) => TITLES[a]!)
    .replace(BARE_TITLE, (_m, a: string) => TITLES[a]!)
    .replace(DEGREES, (m: string, a: string, offset: number, whole: string) => `${DEGREE_LETTERS[a]!}${m.endsWith('.') ? keepStop(tail(whole, offset + m.length)) : ''}`)
    .replace(NUMBERED, (_m, a: string) => `${BEFORE_NUMBER[a]!} `)
    .replace(GENERAL, (m: string, a: string, offset: number, whole: string) => `${ANYWHERE[a]!}${keepStop(tail(whole, offset + m.length))}`);
}
