// Path arithmetic as libsinsp does it when it names files: join a relative path to a base
// directory and normalise `.`, `..` and repeated slashes.

/** Joins `path` to `base` unless it is absolute, then normalises the result. */
export function concatenatePaths(base: string, path: string): string {
  const full = path.startsWith('/') ? path : `${base}/${path}`;
  return normalizePath(full);
}

export function normalizePath(p: string): string {
  if (!p.includes('/.') && !p.includes('//') && !(p.length > 1 && p.endsWith('/'))) return p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
