// Text from the journal or from Odoo, made safe to print on a terminal.
//
// Model and method names, reasons and Odoo's messages are chosen by clients (some before any key
// is checked). Printed raw, an escape sequence in one can erase lines, move the cursor, set the
// window title or hide text, a newline can draw a fake table row, and a bidi control can reverse
// what follows. Every such character is shown as an escape instead: the text stays readable and
// nothing in it acts on the terminal.

// Controls (C0, DEL, C1), format characters (bidi controls, zero-width characters, soft hyphen,
// tags), line and paragraph separators, and lone surrogates.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNPRINTABLE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function escape(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** `text` with every control and invisible format character shown as `\xNN` or `\u{NNNN}`. */
export function printable(text: string): string {
  return UNPRINTABLE.test(text) ? text.replace(UNPRINTABLE_ALL, escape) : text;
}
