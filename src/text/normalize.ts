// Engine-independent clean-up of request text before sentence splitting. Deliberately light:
// numbers, abbreviations, quotes and symbols are left for each engine's own front end.

// C0/C1 control characters other than tab and newline (line breaks are mapped first).
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;

/**
 * Unicode NFC; line breaks unified to "\n"; control characters removed; runs of spaces and
 * tabs collapsed to one space; lines trimmed. A single line break is kept as "\n" (lists,
 * headings and verse are line-based, and the splitter ends a sentence there), and any
 * blank line becomes exactly "\n\n" (a paragraph break). The result is trimmed.
 */
export function normalizeText(input: string): string {
  return (
    input
      .normalize('NFC')
      // CRLF, CR, NEL, LINE SEPARATOR and vertical tab are line breaks; PARAGRAPH SEPARATOR
      // and form feed are paragraph breaks.
      .replace(/\r\n?|[\u0085\u2028\u000B]/g, '\n')
      .replace(/[\u2029\u000C]/g, '\n\n')
      .replace(CONTROL, '')
      // \s also covers no-break and other Unicode spaces and the BOM.
      .replace(/[^\S\n]+/g, ' ')
      .replace(/ ?\n ?/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}
