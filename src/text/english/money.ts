// Money: "$3.50" → "three dollars and fifty cents", "£1" → "one pound", "€2.5m" → "two point
// five million euros", "¥500" → "five hundred yen", "50p" → "fifty pence", "99¢" → "ninety-nine cents".
import { BEFORE, NUMBER, type Context } from './context.js';
import { cardinal, numberWords } from './numbers.js';

interface Currency {
  one: string;
  many: string;
  /** The hundredth part, when amounts are written with it ("$3.50"). */
  minor?: { one: string; many: string };
}

const CURRENCIES: Record<string, Currency> = {
  $: { one: 'dollar', many: 'dollars', minor: { one: 'cent', many: 'cents' } },
  '€': { one: 'euro', many: 'euros', minor: { one: 'cent', many: 'cents' } },
  '£': { one: 'pound', many: 'pounds', minor: { one: 'penny', many: 'pence' } },
  '¥': { one: 'yen', many: 'yen' },
  '₹': { one: 'rupee', many: 'rupees', minor: { one: 'paisa', many: 'paise' } },
};
const CODES: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', INR: '₹' };

const MAGNITUDES: Record<string, string> = {
  k: 'thousand',
  thousand: 'thousand',
  m: 'million',
  mn: 'million',
  mm: 'million',
  million: 'million',
  b: 'billion',
  bn: 'billion',
  billion: 'billion',
  t: 'trillion',
  tn: 'trillion',
  trillion: 'trillion',
};
const MAGNITUDE = String.raw`(?:\s?(?:[kK]|[mM][mn]?|[bB]n?|[tT]n?)|\s(?:thousand|million|billion|trillion))`;

const SYMBOL_FIRST = new RegExp(
  String.raw`(?<![\p{L}\p{N}_])(-|−)?(?:US)?([$€£¥₹])\s?(${NUMBER})(${MAGNITUDE})?(?![\p{L}\p{N}_]|[.,]\p{N})`,
  'gu',
);
const CODE_AFTER = new RegExp(String.raw`${BEFORE}(${NUMBER})(${MAGNITUDE})?\s(USD|EUR|GBP|JPY|INR)(?![\p{L}\p{N}_])`, 'gu');
const MINOR_ONLY = /(?<![\p{L}\p{N}_.,])(\d{1,3})(?:\s?(¢)|(p))(?![\p{L}\p{N}_])/gu;

function amount(symbol: string, written: string, magnitude: string | undefined, context: Context): string {
  const currency = CURRENCIES[symbol]!;
  const v = context.variant;
  const plain = written.replace(/,/g, '');
  if (magnitude !== undefined) {
    const scale = MAGNITUDES[magnitude.trim().toLowerCase()]!;
    return `${numberWords(plain, v)} ${scale} ${currency.many}`;
  }
  const [whole = '0', fraction] = plain.split('.');
  const units = BigInt(whole);
  const unitWords = `${cardinal(whole, v)} ${units === 1n ? currency.one : currency.many}`;
  if (fraction === undefined || !currency.minor || fraction.length !== 2) {
    return fraction === undefined ? unitWords : `${numberWords(plain, v)} ${currency.many}`;
  }
  const cents = Number(fraction);
  const minorWords = `${cardinal(String(cents), v)} ${cents === 1 ? currency.minor.one : currency.minor.many}`;
  if (cents === 0) return unitWords;
  if (units === 0n) return minorWords;
  return `${unitWords} and ${minorWords}`;
}

export function money(text: string, context: Context): string {
  return text
    .replace(SYMBOL_FIRST, (_m, sign: string | undefined, symbol: string, written: string, magnitude: string | undefined) => {
      return `${sign ? 'minus ' : ''}${amount(symbol, written, magnitude, context)}`;
    })
    .replace(CODE_AFTER, (_m, written: string, magnitude: string | undefined, code: string) => amount(CODES[code]!, written, magnitude, context))
    .replace(MINOR_ONLY, (_m, n: string, cent: string | undefined) => {
      const one = n === '1';
      const words = cardinal(n.replace(/^0+(?=\d)/, ''), context.variant);
      return cent ? `${words} ${one ? 'cent' : 'cents'}` : `${words} ${one ? 'penny' : 'pence'}`;
    });
}
