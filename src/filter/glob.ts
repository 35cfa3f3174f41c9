// fnmatch(3)-style glob patterns (no flags: '*' also matches '/') turned into anchored RegExps,
// and pmatch: path-prefix matching over '/'-separated components where components may be globs.

const SPECIAL = /[\\^$.|+(){}]/;

/** Compiles a glob: `*`, `?`, `[...]` / `[!...]` classes, backslash escapes. */
export function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeChar(pattern[++i]!);
    else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        let neg = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          neg = true;
          body = body.slice(1);
        }
        re += `[${neg ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]').replace(/\[/g, '\\[')}]`;
        i = end;
      }
    } else re += escapeChar(c);
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'si' : 's');
}

function escapeChar(c: string): string {
  return SPECIAL.test(c) || c === '[' || c === ']' || c === '*' || c === '?' ? `\\${c}` : c;
}

/** Index of the ']' closing a class opened at `start`, or -1. A ']' right after '[' or '[!' is literal. */
function classEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '!' || p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) if (p[i] === ']') return i;
  return -1;
}

const hasGlob = (s: string): boolean => /[*?[]/.test(s);

/** A set of path prefixes for pmatch, compiled once. */
export class PathPrefixSet {
  private readonly prefixes: Array<Array<string | RegExp>>;

  constructor(paths: readonly string[]) {
    this.prefixes = paths.map((p) =>
      p.split('/').filter((c) => c !== '').map((c) => (hasGlob(c) ? globToRegExp(c, false) : c)),
    );
  }

  /**
   * True when some prefix matches the leading components of `path` (components are the
   * non-empty runs between '/'). Walks the path in place: no per-call split.
   */
  matches(path: string): boolean {
    for (const pre of this.prefixes) if (matchesPrefix(pre, path)) return true;
    return false;
  }
}

function matchesPrefix(pre: ReadonlyArray<string | RegExp>, path: string): boolean {
  let at = 0;
  for (const want of pre) {
    while (path.charCodeAt(at) === SLASH) at++;
    if (at >= path.length) return false; // fewer components than the prefix
    let end = path.indexOf('/', at);
    if (end < 0) end = path.length;
    if (typeof want === 'string') {
      if (end - at !== want.length || !path.startsWith(want, at)) return false;
    } else if (!want.test(path.slice(at, end))) {
      return false;
    }
    at = end;
  }
  return true;
}

const SLASH = 0x2f;
