// Client-controlled text, shown so that what the operator sees is what the client sent.
//
// Ids and values come from clients, and some characters make different strings look the same: an id
// "\u202E1-rekrow" (a right-to-left override, then "1-rekrow") renders as "worker-1" beside the real worker-1,
// a zero-width space or a trailing blank makes two ids look equal, and an override left open in one field could
// reorder the text after it. So every piece of client data the dashboard shows goes through this module:
// - isolated(value) in the page: a <bdi> element (unicode-bidi: isolate, direction from its own first strong
//   character), so nothing inside reorders the text around it, or is reordered by it;
// - isolatedText(value) in attributes and other plain text (title, aria-label): the same text between FIRST
//   STRONG ISOLATE and POP DIRECTIONAL ISOLATE, the plain-text form of <bdi>.
// In both, every character that renders as nothing or changes the direction of text is replaced by a visible
// marker such as ⟨U+202E⟩: C0 and C1 controls; every format character (Unicode Cf: bidi embeddings, overrides,
// isolates and marks, zero-width spaces and joiners, the word joiner and invisible operators, BOM, soft hyphen,
// interlinear annotation, tags, ...); line and paragraph separators; lone surrogates; and the few letters that
// render blank. Whitespace at either end is marked too, so a value made only of spaces shows as markers rather
// than as nothing. In the page a marker is a span.codepoint, styled apart from the text, so a client cannot fake
// one by sending the characters "⟨U+202E⟩".
//
// Everything is inserted as text (Text nodes, textContent), never parsed as HTML.

// Controls, format characters, lone surrogates, line and paragraph separators, and what renders blank: the
// combining grapheme joiner, the Hangul fillers and the Khmer inherent vowels.
const HIDDEN_CLASS = String.raw`[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u3164\uFFA0]`;
const HIDDEN = new RegExp(HIDDEN_CLASS, 'u');
const NEEDS_MARKING = new RegExp(`${HIDDEN_CLASS}|^\\s|\\s$`, 'u');
const FIRST_STRONG_ISOLATE = '\u2068';
const POP_DIRECTIONAL_ISOLATE = '\u2069';

const NAMES = new Map([
  [0x00ad, 'SOFT HYPHEN'],
  [0x061c, 'ARABIC LETTER MARK'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2060, 'WORD JOINER'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
]);

/** "U+202E" for a character. */
function codePoint(ch) {
  return `U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Calls text(run) for each run of characters shown as they are and mark(ch) for each character to mark, in order.
 */
function scan(value, text, mark) {
  const s = String(value);
  if (!NEEDS_MARKING.test(s)) {
    text(s);
    return;
  }
  // Whitespace at either end (trimStart and trimEnd remove exactly what \s matches); all of a blank string.
  const lead = s.length - s.trimStart().length;
  const trail = s.trimEnd().length;
  let run = '';
  let i = 0;
  for (const ch of s) { // by code point: a surrogate pair is one character
    if (i < lead || i >= trail || HIDDEN.test(ch)) {
      if (run) text(run);
      run = '';
      mark(ch);
    } else {
      run += ch;
    }
    i += ch.length;
  }
  if (run) text(run);
}

/** A <bdi> showing value as text, isolated, with hidden characters as ⟨U+XXXX⟩ markers (span.codepoint). */
export function isolated(value) {
  const node = document.createElement('bdi');
  scan(value, (run) => node.append(run), (ch) => {
    const marker = document.createElement('span');
    marker.className = 'codepoint';
    marker.textContent = `⟨${codePoint(ch)}⟩`;
    const name = NAMES.get(ch.codePointAt(0));
    marker.title = name ? `${codePoint(ch)} ${name}` : `${codePoint(ch)}, shown as its code point`;
    node.append(marker);
  });
  return node;
}

/** value as plain text for an attribute or a dialog: hidden characters as ⟨U+XXXX⟩, between FSI and PDI. */
export function isolatedText(value) {
  let out = FIRST_STRONG_ISOLATE;
  scan(value, (run) => {
    out += run;
  }, (ch) => {
    out += `⟨${codePoint(ch)}⟩`;
  });
  return out + POP_DIRECTIONAL_ISOLATE;
}
