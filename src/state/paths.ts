// Path joining exactly as libsinsp does it (sinsp_utils::concatenate_paths), because fd.name,
// proc.cwd and every resolved path argument that rules compare against come out of it.
//
// The semantics, which differ from path.resolve in ways rules can observe:
//  - an absolute second path ignores the first; an empty second path gives '' (not the base);
//  - the base is copied as is (never normalised) and '..' in the second path may climb into it,
//    but never above its first character ('/..' stays '/');
//  - '.' and '..' are only special as whole components; duplicate '/' are folded;
//  - a trailing '/' is dropped unless the result is exactly '/';
//  - a relative base that is fully rewound loses its leading separator ('foo/../a' -> 'a').

/** libscap's SCAP_MAX_PATH_SIZE: a normalised result longer than this less one gives the placeholder. */
const MAX_PATH = 1024;
const TOO_LONG = '/DIR_TOO_LONG/FILENAME_TOO_LONG';
/** Inputs longer than this name no file (the kernel refuses paths of PATH_MAX, 4096 bytes, or more):
 *  they get the placeholder without being walked, so a crafted capture cannot make that costly. */
const MAX_INPUT = 4 * 4096;
const SLASH = 47;
const DOT = 46;

/** Joins `base` (a directory, usually ending in '/') and `path` the way libsinsp does.
 *  `normalAbsolute`: isNormalAbsolute(path), when the caller knows it already.
 *  The length limit applies to the normalised result, as in current libsinsp (unix_paths), not to
 *  the inputs: '/' repeated 2000 times then 'etc/shadow' is /etc/shadow, not the placeholder a
 *  padded path used to turn into, which let it slip past every fd.name rule. */
export function concatenatePaths(base: string, path: string, normalAbsolute?: boolean): string {
  const relative = path.length !== 0 && path.charCodeAt(0) !== SLASH;
  if (!relative && (normalAbsolute ?? isNormalAbsolute(path))) return fits(path) ? path : TOO_LONG; // most paths: no string is rebuilt
  if ((relative ? base.length : 0) + path.length > MAX_INPUT) return TOO_LONG;
  const out = normalizeOnto(relative ? base : '', path);
  return fits(out) ? out : TOO_LONG;
}

/** True when `s` is at most MAX_PATH - 1 bytes of UTF-8 (JS lengths count UTF-16 units). */
function fits(s: string): boolean {
  if (s.length >= MAX_PATH) return false;
  return s.length <= MAX_PATH / 3 || Buffer.byteLength(s) < MAX_PATH;
}

/** True when normalising the absolute `path` would give it back unchanged: no NUL, no empty,
 *  '.' or '..' component and no trailing separator. One scan, no allocation. */
export function isNormalAbsolute(path: string): boolean {
  const n = path.length;
  if (n === 0 || path.charCodeAt(0) !== SLASH) return false;
  if (n === 1) return true;
  if (path.charCodeAt(n - 1) === SLASH) return false;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return false;
    if (c !== SLASH) continue;
    // path[i] is a separator and not the last character
    const c1 = path.charCodeAt(i + 1);
    if (c1 === SLASH) return false;
    if (c1 !== DOT) continue;
    const c2 = i + 2 < n ? path.charCodeAt(i + 2) : SLASH; // the end counts as a separator
    if (c2 === SLASH) return false; // '/.' component
    if (c2 === DOT && (i + 3 >= n || path.charCodeAt(i + 3) === SLASH)) return false; // '/..'
  }
  return true;
}

/** Rewinds `out` to just after the separator before its last component (rewind_to_parent_path). */
function parentOf(out: string): string {
  if (out.length <= 1) return out;
  let end = out.length - 1;
  while (end >= 1 && out.charCodeAt(end - 1) !== SLASH) end--;
  return out.slice(0, end);
}

/** Appends `path` to `out`, normalising '.', '..' and repeated separators (copy_and_normalize_path). */
function normalizeOnto(out: string, path: string): string {
  const emptyBase = out.length === 0;
  const n = path.length;
  let i = 0;
  // Runs of ordinary characters are copied in one slice rather than char by char.
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c === 0) break; // an embedded NUL ends a C string
    const atComponentStart = out.length === 0 || out.charCodeAt(out.length - 1) === SLASH;
    if (c === DOT && atComponentStart) {
      const c1 = i + 1 < n ? path.charCodeAt(i + 1) : 0;
      const c2 = i + 2 < n ? path.charCodeAt(i + 2) : 0;
      if (c1 === DOT && c2 === SLASH) {
        out = parentOf(out);
        i += 3;
      } else if (c1 === DOT && c2 === 0) {
        out = parentOf(out);
        i += 2;
      } else if (c1 === SLASH) {
        i += 2;
      } else if (c1 === 0) {
        i += 1;
      } else {
        out += '.';
        i += 1;
      }
    } else if (c === SLASH) {
      const skip = (out.length > 0 && out.charCodeAt(out.length - 1) === SLASH) || (out.length === 0 && !emptyBase);
      if (!skip) out += '/';
      i += 1;
    } else {
      let j = i + 1;
      while (j < n) {
        const d = path.charCodeAt(j);
        if (d === SLASH || d === 0) break;
        j++;
      }
      out += path.slice(i, j);
      i = j;
    }
  }
  return finish(out);
}

function finish(out: string): string {
  return out.length > 1 && out.charCodeAt(out.length - 1) === SLASH ? out.slice(0, -1) : out;
}

/** Directory part of a file path as fd.directory computes it ('/' for top-level or bare names). */
export function dirnameOf(name: string): string {
  const pos = name.lastIndexOf('/');
  if (pos === -1 || pos === 0) return '/';
  return pos < name.length - 1 ? name.slice(0, pos) : name;
}

/** File part of a path as fd.filename computes it. */
export function basenameOf(name: string): string {
  const pos = name.lastIndexOf('/');
  if (pos === -1) return '/';
  return pos < name.length - 1 ? name.slice(pos + 1) : name;
}
