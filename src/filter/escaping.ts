// String escaping of the condition language, as libsinsp does it (filter/escaping.cpp):
// unescaping of quoted strings while lexing, and the quoting used by the canonical string form.

/** A quoted string holds an escape sequence libsinsp refuses; the message is libsinsp's. */
export class StringEscapeError extends Error {
  override name = 'StringEscapeError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes bytes produced by consecutive `\xHH` escapes. libsinsp keeps raw bytes; a JS string
 * cannot, so a run that forms valid UTF-8 becomes the characters it encodes (`\xc3\xa9` → "é")
 * and any other run maps each byte to the code point of the same value (`\xff` → "\u00ff").
 */
function decodeHexRun(bytes: number[]): string {
  if (bytes.every((b) => b < 0x80)) return String.fromCharCode(...bytes);
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return String.fromCharCode(...bytes);
  }
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/**
 * Unescapes the text between the delimiters of a quoted string.
 * Supported: \b \f \n \r \t \\ \/, \" inside "…" only, \' inside '…' only, \xHH (exactly two
 * hex digits), and libsinsp's legacy quirk "\ " (backslash-space) which yields one backslash
 * and drops the space. Anything else throws StringEscapeError with libsinsp's message.
 */
export function unescapeQuoted(raw: string, quote: '"' | "'"): string {
  let out = '';
  let hexRun: number[] = [];
  const flushHex = (): void => {
    if (hexRun.length > 0) {
      out += decodeHexRun(hexRun);
      hexRun = [];
    }
  };
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      flushHex();
      out += c;
      continue;
    }
    // A backslash at the very end cannot come out of the lexer (it would escape the closing
    // quote); libsinsp drops it silently, and so do we.
    if (i + 1 >= n) break;
    const e = raw[++i]!;
    if (e === 'x') {
      if (i + 2 >= n) {
        throw new StringEscapeError('truncated hex char escape sequence');
      }
      const hex = raw.slice(i + 1, i + 3);
      if (!isHexDigit(hex[0]) || !isHexDigit(hex[1])) {
        throw new StringEscapeError(`invalid hex char escape sequence: ${hex}`);
      }
      hexRun.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    flushHex();
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      // Legacy: "\ " was accepted by older Falco rules (one upstream rule still has it).
      case ' ':
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case '"':
        if (quote !== '"') throw new StringEscapeError(`invalid \\" escape in '-quoted string`);
        out += '"';
        break;
      case "'":
        if (quote !== "'") throw new StringEscapeError(`invalid \\' escape in "-quoted string`);
        out += "'";
        break;
      default: {
        const cp = String.fromCodePoint(raw.codePointAt(i)!);
        throw new StringEscapeError(`unsupported string escape sequence: \\${cp}`);
      }
    }
  }
  flushHex();
  return out;
}

/**
 * libsinsp's escape_str: the value as it appears in the canonical string form. It is wrapped in
 * double quotes only if it holds a blank, '=', a quote, a backslash, a control escape or NUL;
 * inside, \b \f \n \r \t \\ \" are escaped and everything else (including ' and NUL) is kept.
 */
export function escapeValue(v: string): string {
  let out = '';
  let quote = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    switch (c) {
      case '\b': quote = true; out += '\\b'; break;
      case '\f': quote = true; out += '\\f'; break;
      case '\n': quote = true; out += '\\n'; break;
      case '\r': quote = true; out += '\\r'; break;
      case '\t': quote = true; out += '\\t'; break;
      case '\\': quote = true; out += '\\\\'; break;
      case '"': quote = true; out += '\\"'; break;
      case ' ': case '=': case "'": case '\0': quote = true; out += c; break;
      default: out += c;
    }
  }
  return quote ? `"${out}"` : out;
}
