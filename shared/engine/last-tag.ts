// The content of the last <name>...</name> element of an answer, found in one left-to-right pass. It takes what the
// regex /<name(?:\s[^>]*)?>([\s\S]*?)<\/name\s*>/g would take with its last match, but a regex engine tries that
// pattern again from every opening tag, so an answer of many opening tags and no closing one took quadratic time
// (200,000 `<a>` held the event loop for minutes).

const WHITESPACE = /\s/;

/** Returns the text between the last element's tags, or undefined when the answer has no whole element. */
export function lastTagContent(text: string, name: string): string | undefined {
  let last: string | undefined;
  let from = 0;
  for (;;) {
    const contentStart = openingTagEnd(text, name, from);
    if (contentStart === undefined) return last;
    // Every later opening tag ends at or after this one, so without a closing tag here there is none for them either.
    const closing = closingTag(text, name, contentStart);
    if (!closing) return last;
    last = text.slice(contentStart, closing.start);
    from = closing.end;
  }
}

/** Where the content after the first opening tag at or after `from` starts: `<name>` or `<name attributes...>`. */
function openingTagEnd(text: string, name: string, from: number): number | undefined {
  const open = `<${name}`;
  for (let at = text.indexOf(open, from); at >= 0; at = text.indexOf(open, at + 1)) {
    const next = at + open.length;
    if (text[next] === ">") return next + 1;
    if (next < text.length && WHITESPACE.test(text[next]!)) {
      const end = text.indexOf(">", next + 1);
      // No ">" anywhere after: no opening tag further on can end either.
      return end < 0 ? undefined : end + 1;
    }
  }
  return undefined;
}

/** The first `</name>` (whitespace allowed before its ">") at or after `from`. */
function closingTag(text: string, name: string, from: number): { start: number; end: number } | undefined {
  const close = `</${name}`;
  for (let at = text.indexOf(close, from); at >= 0; at = text.indexOf(close, at + 1)) {
    let next = at + close.length;
    // Runs of whitespace after different closing tags never overlap, so skipping them stays linear overall.
    while (next < text.length && WHITESPACE.test(text[next]!)) next++;
    if (text[next] === ">") return { start: at, end: next + 1 };
  }
  return undefined;
}
