import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cardinal, digitByDigit, numberWords, ordinal, ordinalWords, pluralWords, yearWords } from './numbers.js';

describe('English number words', () => {
  it('cardinals, American and British', () => {
    assert.equal(cardinal('0', 'us'), 'zero');
    assert.equal(cardinal('115', 'us'), 'one hundred fifteen');
    assert.equal(cardinal('115', 'gb'), 'one hundred and fifteen');
    assert.equal(cardinal('1000001', 'us'), 'one million one');
    assert.equal(cardinal('999999999999999', 'us').split(' ')[0], 'nine');
    // Beyond fifteen digits a number is read digit by digit (a serial, not a quantity).
    assert.equal(cardinal('1234567890123456', 'us'), 'one two three four five six seven eight nine zero one two three four five six');
  });

  it('ordinals from any cardinal', () => {
    const cases: [string, string][] = [
      ['1', 'first'], ['2', 'second'], ['3', 'third'], ['5', 'fifth'], ['8', 'eighth'], ['9', 'ninth'], ['12', 'twelfth'],
      ['20', 'twentieth'], ['21', 'twenty-first'], ['100', 'one hundredth'], ['1000000', 'one millionth'], ['0012', 'twelfth'],
    ];
    for (const [n, words] of cases) assert.equal(ordinal(n, 'us'), words, n);
    assert.equal(ordinal('101', 'gb'), 'one hundred and first');
    assert.equal(ordinalWords('seventy-three'), 'seventy-third');
  });

  it('decimals, signs and leading zeros', () => {
    assert.equal(numberWords('3.14', 'us'), 'three point one four');
    assert.equal(numberWords('-0.5', 'us'), 'minus zero point five');
    assert.equal(numberWords('−2', 'us'), 'minus two');
    assert.equal(numberWords('1,234.5', 'gb'), 'one thousand two hundred and thirty-four point five');
    assert.equal(numberWords('.25', 'us'), 'point two five');
    assert.equal(numberWords('0042', 'us'), 'zero zero four two');
  });

  it('years', () => {
    const cases: [string, string][] = [
      ['1066', 'ten sixty-six'], ['1776', 'seventeen seventy-six'], ['1800', 'eighteen hundred'], ['1805', 'eighteen oh five'],
      ['2000', 'two thousand'], ['2007', 'two thousand seven'], ['2010', 'twenty ten'], ['2023', 'twenty twenty-three'],
    ];
    for (const [y, words] of cases) assert.equal(yearWords(y, 'us'), words, y);
    assert.equal(yearWords('2007', 'gb'), 'two thousand and seven');
  });

  it('digits one by one and plurals', () => {
    assert.equal(digitByDigit('1209'), 'one two zero nine');
    assert.equal(digitByDigit('1209', 'oh'), 'one two oh nine');
    assert.equal(pluralWords('twenty'), 'twenties');
    assert.equal(pluralWords('six'), 'sixes');
    assert.equal(pluralWords('nineteen hundred'), 'nineteen hundreds');
  });
});
