// The files a condition names exactly: the absolute paths it compares fd.name with in =, == and
// `in` checks (macros and lists already expanded). The live state watches these files by inode,
// so that a path a process changes while the kernel opens it cannot hide which of them it opened
// (state/watched-files.ts). Prefix, glob and directory checks name no single file and are left out.
import type { Expr } from './ast.js';
import { checkValues, forEachBinaryCheck } from './ast-walk.js';

const isFdName = (e: Expr): boolean =>
  e.kind === 'binary' && e.left.kind === 'field' && e.left.name === 'fd.name' && e.left.arg === undefined && e.mod === undefined;

/** Absolute paths `expr` compares fd.name with for equality, negated or not. */
export function exactPathsOf(expr: Expr, out: Set<string> = new Set()): Set<string> {
  forEachBinaryCheck(expr, (check) => {
    if (!isFdName(check) || (check.op !== '=' && check.op !== '==' && check.op !== 'in')) return;
    for (const v of checkValues(check)) if (v.value.startsWith('/')) out.add(v.value);
  });
  return out;
}
