import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeText } from './normalize.js';

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
