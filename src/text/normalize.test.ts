import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { englishVariant, normalizeText } from './normalize.js';
import type { NormalizationOptions } from './options.js';

describe('normalizeText', () => {
  it('composes to NFC', () => {
    assert.equal(normalizeText('Cafe\u0301 cre\u0300me'), 'Café crème');
  });

  it('removes control characters but keeps tabs (as spaces) and newlines', () => {
    assert.equal(normalizeText('a\u0000b\u0007c\u001bd\u007fe\u009bf'), 'abcdef');
    assert.equal(normalizeText('a\tb\nc'), 'a b\nc');
  });

  it('collapses runs of spaces, including no-break and other Unicode spaces', () => {
    assert.equal(normalizeText('a   b \u00a0\u2003 c\t\t d'), 'a b c d');
    assert.equal(normalizeText('\ufeffHello'), 'Hello');
  });

  it('keeps single line breaks and reduces blank lines to one paragraph break', () => {
    assert.equal(normalizeText('  one  \n  two  '), 'one\ntwo');
    assert.equal(normalizeText('one\r\ntwo\rthree'), 'one\ntwo\nthree');
    assert.equal(normalizeText('one\n\n\n\ntwo'), 'one\n\ntwo');
    assert.equal(normalizeText('one\n \t \n  \ntwo'), 'one\n\ntwo');
    assert.equal(normalizeText('one\r\n\r\ntwo'), 'one\n\ntwo');
    assert.equal(normalizeText('one\u2028two\u2029three\fthree'), 'one\ntwo\n\nthree\n\nthree');
  });

  it('trims', () => {
    assert.equal(normalizeText(' \n\n Hello. \n\n '), 'Hello.');
    assert.equal(normalizeText(' \t\n '), '');
  });

  it('leaves quotes, numbers and symbols alone', () => {
    const text = '“Hi,” she said. "It\'s 3.5 km — about $20, or 1,000 ¥." ‘x’ «y» 😀';
    assert.equal(normalizeText(text), text);
  });

  it('is idempotent', () => {
    for (const text of ['a\r\n\r\n\r\nb  c\u0000', ' x\u00a0\n\u2029y ', 'e\u0301\n \n\n']) {
      assert.equal(normalizeText(normalizeText(text)), normalizeText(text));
    }
  });
});

describe('normalizeText by language', () => {
  const text = 'Dr. Smith paid $3.50 on 2012-07-25 at 3:30 PM.';

  it('applies English rules to English voices only', () => {
    assert.equal(normalizeText(text, 'en-us'), 'Doctor Smith paid three dollars and fifty cents on July twenty-fifth, twenty twelve at three thirty P M.');
    assert.equal(normalizeText('101', 'en-gb'), 'one hundred and one');
    assert.equal(normalizeText('101', 'en'), 'one hundred one');
    for (const language of ['fr-fr', 'es', 'de', 'ja', 'cmn', 'hi', undefined, '', 'english', 'eng']) {
      assert.equal(normalizeText(text, language), text, String(language));
    }
  });

  it('reads the British way for Commonwealth variants', () => {
    assert.equal(englishVariant('en-GB'), 'gb');
    assert.equal(englishVariant('en-gb-scotland'), 'gb');
    assert.equal(englishVariant('en-au'), 'gb');
    assert.equal(englishVariant('en-us'), 'us');
    assert.equal(englishVariant('en_US'), 'us');
    assert.equal(englishVariant('fr-fr'), null);
  });

  it('honours each normalization option', () => {
    const off = (name: keyof NormalizationOptions, input: string): string => normalizeText(input, 'en-us', { [name]: false });
    assert.equal(off('normalize', text), text);
    assert.equal(off('url_normalization', 'See https://example.com/page2 at 5 PM'), 'See https://example.com/page2 at five P M');
    assert.equal(off('email_normalization', 'Mail ann2@example.com & me'), 'Mail ann2@example.com and me');
    assert.equal(off('phone_normalization', 'Call 555-123-4567'), 'Call five hundred fifty-five to one hundred twenty-three to four thousand five hundred sixty-seven');
    assert.equal(off('unit_normalization', 'It is 5 km'), 'It is five km');
    assert.equal(off('optional_pluralization_normalization', 'word(s)'), 'word(s)');
    assert.equal(off('replace_remaining_symbols', 'R&D + more'), 'R&D + more');
    assert.equal(normalizeText('R&D + more', 'en-us'), 'R and D plus more');
  });

  it('leaves inline pronunciations as written', () => {
    assert.equal(normalizeText('Say [Kokoro](/kˈOkəɹO/) 2 times & [x.com](/ɛks/).', 'en-us'), 'Say [Kokoro](/kˈOkəɹO/) two times and [x.com](/ɛks/).');
  });

  it('keeps the language-neutral clean-up for every language', () => {
    assert.equal(normalizeText(' a \u0000 b\r\n\r\n\r\nc ', 'fr-fr'), 'a b\n\nc');
    assert.equal(normalizeText(' a \u0000 b\r\n\r\n\r\nc ', 'en-us'), 'a b\n\nc');
  });
});
