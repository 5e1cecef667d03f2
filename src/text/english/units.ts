// Percentages, degrees and units of measure after a number: "5 km" → "five kilometers",
// "72°F" → "seventy-two degrees Fahrenheit", "3.5%" → "three point five percent". Only the
// closed list below is read as units, each only right after a number, and letters that are
// also common words ("in", "a", "s", "h", "l") are left alone.
import { BEFORE, NUMBER, type Context } from './context.js';
import { numberWords } from './numbers.js';

/** Unit symbol → [singular, plural]; British spellings are made from these (metre, litre). */
const UNITS: Record<string, [string, string]> = {
  mm: ['millimeter', 'millimeters'],
  cm: ['centimeter', 'centimeters'],
  m: ['meter', 'meters'],
  km: ['kilometer', 'kilometers'],
  mi: ['mile', 'miles'],
  ft: ['foot', 'feet'],
  yd: ['yard', 'yards'],
  mg: ['milligram', 'milligrams'],
  g: ['gram', 'grams'],
  kg: ['kilogram', 'kilograms'],
  t: ['tonne', 'tonnes'],
  lb: ['pound', 'pounds'],
  lbs: ['pound', 'pounds'],
  oz: ['ounce', 'ounces'],
  ml: ['milliliter', 'milliliters'],
  mL: ['milliliter', 'milliliters'],
  L: ['liter', 'liters'],
  gal: ['gallon', 'gallons'],
  mph: ['mile per hour', 'miles per hour'],
  kph: ['kilometer per hour', 'kilometers per hour'],
  'km/h': ['kilometer per hour', 'kilometers per hour'],
  'm/s': ['meter per second', 'meters per second'],
  ms: ['millisecond', 'milliseconds'],
  sec: ['second', 'seconds'],
  min: ['minute', 'minutes'],
  hr: ['hour', 'hours'],
  hrs: ['hour', 'hours'],
  Hz: ['hertz', 'hertz'],
  kHz: ['kilohertz', 'kilohertz'],
  MHz: ['megahertz', 'megahertz'],
  GHz: ['gigahertz', 'gigahertz'],
  B: ['byte', 'bytes'],
  KB: ['kilobyte', 'kilobytes'],
  kB: ['kilobyte', 'kilobytes'],
  MB: ['megabyte', 'megabytes'],
  GB: ['gigabyte', 'gigabytes'],
  TB: ['terabyte', 'terabytes'],
  Kbps: ['kilobit per second', 'kilobits per second'],
  kbps: ['kilobit per second', 'kilobits per second'],
  Mbps: ['megabit per second', 'megabits per second'],
  Gbps: ['gigabit per second', 'gigabits per second'],
  W: ['watt', 'watts'],
  kW: ['kilowatt', 'kilowatts'],
  MW: ['megawatt', 'megawatts'],
  kWh: ['kilowatt hour', 'kilowatt hours'],
  V: ['volt', 'volts'],
  mAh: ['milliamp hour', 'milliamp hours'],
  'sq ft': ['square foot', 'square feet'],
  'm²': ['square meter', 'square meters'],
  'km²': ['square kilometer', 'square kilometers'],
  'm³': ['cubic meter', 'cubic meters'],
};

// Longest symbols first, so that "km/h" wins over "km" and "kWh" over "kW".
const UNIT_PATTERN = Object.keys(UNITS)
  .sort((a, b) => b.length - a.length)
  .map((u) => u.replace(/[/]/g, '\\/'))
  .join('|');
const UNIT = new RegExp(String.raw`${BEFORE}(-|−)?(${NUMBER}) ?(${UNIT_PATTERN})(?![\p{L}\p{N}_²³]|\/\p{L})`, 'gu');
const DEGREES = new RegExp(String.raw`${BEFORE}(-|−)?(${NUMBER}) ?(?:°|º) ?([CFK](?![\p{L}\p{N}_]))?`, 'gu');
const PERCENT = new RegExp(String.raw`${BEFORE}(-|−)?(${NUMBER}) ?(%|‰)`, 'gu');

const SCALES: Record<string, string> = { C: 'Celsius', F: 'Fahrenheit', K: 'Kelvin' };

function isOne(written: string): boolean {
  return written === '1';
}

function british(name: string): string {
  return name.replace(/(met|lit)er/g, '$1re');
}

export function percentages(text: string, context: Context): string {
  return text.replace(PERCENT, (_m, sign: string | undefined, n: string, symbol: string) => {
    return `${sign ? 'minus ' : ''}${numberWords(n, context.variant)} ${symbol === '%' ? 'percent' : 'per mille'}`;
  });
}

export function degrees(text: string, context: Context): string {
  return text.replace(DEGREES, (_m, sign: string | undefined, n: string, scale: string | undefined) => {
    const unit = isOne(n) && !sign ? 'degree' : 'degrees';
    return `${sign ? 'minus ' : ''}${numberWords(n, context.variant)} ${unit}${scale ? ` ${SCALES[scale]!}` : ''}`;
  });
}

export function units(text: string, context: Context): string {
  return text.replace(UNIT, (_m, sign: string | undefined, n: string, symbol: string) => {
    const [one, many] = UNITS[symbol]!;
    let name = isOne(n) && !sign ? one : many;
    if (context.variant === 'gb') name = british(name);
    return `${sign ? 'minus ' : ''}${numberWords(n, context.variant)} ${name}`;
  });
}
