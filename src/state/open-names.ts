// The name an open-family exit event (open, creat, openat, openat2, open_by_handle_at) gives an
// fd: its path parameter made absolute against the cwd or the dirfd's directory. One derivation
// serves both the fd an open creates (sinsp_parser::parse_open_openat_creat_exit) and the name
// fd.name still shows when the open failed (extract_fdname_from_event), which libsinsp works out
// in two ways that differ only at the edges (see openName). Paths come through the parser's
// path-text cache (path-texts.ts): processes open the same few files over and over.
import { type EventView, EVENT_TABLE } from '../events/index.js';
import { EV } from './parsed-events.js';
import type { PathText, PathTexts } from './path-texts.js';
import { concatenatePaths } from './paths.js';
import { mayBeProcLink, resolveProcLinks } from './proc-links.js';
import { PPM_AT_FDCWD } from './ppm.js';
import { cwdOf, type Thread } from './threads.js';

/** The exit events openPath and openName name. */
export const OPEN_EXITS: readonly number[] = [EV.OPEN_X, EV.CREAT_X, EV.OPENAT_X, EV.OPENAT2_X, EV.OPEN_BY_HANDLE_AT_X];
const IS_OPEN_EXIT = new Uint8Array(EVENT_TABLE.length);
for (const c of OPEN_EXITS) IS_OPEN_EXIT[c] = 1;

export function isOpenExit(type: number): boolean {
  return IS_OPEN_EXIT[type] === 1;
}

/** The path parameter of an open-family exit event, as the event gives it (fd.nameraw), through `paths`. */
export function openPath(evt: EventView, paths: PathTexts): PathText {
  const type = evt.type;
  if (type === EV.OPENAT_X || type === EV.OPENAT2_X) return evt.hasParam(2) ? paths.param(evt, 2) : paths.missing;
  return paths.param(evt, type === EV.OPEN_BY_HANDLE_AT_X ? 3 : 1);
}

/**
 * The name open-family exit `evt` of thread `t` gives its fd, `path` being openPath(evt).
 * `created`: the name of the fd a successful open creates (parse_open_openat_creat_exit's full
 * path). Otherwise the name fd.name shows for a failed one (extract_fdname_from_event), which
 * differs at the edges: an open/creat path that is absolute, empty or '<NA>' stays as given (not
 * normalised), as does one without a thread to resolve it against, and an open_by_handle_at path;
 * an openat missing its path or dirfd parameter has no name (undefined).
 */
export function openName(evt: EventView, t: Thread | undefined, path: PathText, created: true): string;
export function openName(evt: EventView, t: Thread | undefined, path: PathText, created: boolean): string | undefined;
export function openName(evt: EventView, t: Thread | undefined, path: PathText, created: boolean): string | undefined {
  // An absolute path names the same file whatever the cwd or dirfd: joined once per path. So
  // does a failed openat's (ld.so's search fails a dozen per process start); a failed open or
  // creat keeps an absolute path as given, an openat missing a parameter has no name.
  if (t !== undefined && path.absolute && (created || failedOpenatNamed(evt))) return path.openedName(t);
  const name = libsinspOpenName(evt, t, path, created);
  // A path through the opener's own /proc/self/{fd/N,cwd,root} names the file the link points at.
  return name !== undefined && t !== undefined && mayBeProcLink(name) ? resolveProcLinks(name, t) : name;
}

/** Whether the openat or openat2 `evt` has both its dirfd and path: then a failed one is named as
 *  a successful one (libsinspOpenName). */
function failedOpenatNamed(evt: EventView): boolean {
  const type = evt.type;
  return (type === EV.OPENAT_X || type === EV.OPENAT2_X) && evt.hasParam(1) && evt.hasParam(2);
}

/** openName as libsinsp computes it, procfs links left as given. */
function libsinspOpenName(evt: EventView, t: Thread | undefined, path: PathText, created: boolean): string | undefined {
  const name = path.text;
  const type = evt.type;
  if (type === EV.OPENAT_X || type === EV.OPENAT2_X) {
    if (!evt.hasParam(1)) return created ? concatenatePaths('', name, path.normalAbsolute) : undefined;
    if (!created && !evt.hasParam(2)) return undefined;
    return concatenatePaths(dirfdBase(t, name, evt.int(1)), name, path.normalAbsolute);
  }
  // The driver resolves an open_by_handle_at path itself (an absolute dpath): nothing to join.
  if (type === EV.OPEN_BY_HANDLE_AT_X) return created ? concatenatePaths('', name, path.normalAbsolute) : name;
  // open, creat: relative to the cwd.
  if (t === undefined) return name;
  if (!created && (name.length === 0 || name === '<NA>' || name.charCodeAt(0) === 47)) return name;
  return concatenatePaths(cwdOf(t), name, path.normalAbsolute);
}

/**
 * The directory a path argument of `t` with dirfd `dirfd` is relative to (sinsp_parser::parse_dirfd):
 * '.' for an absolute path, the cwd for AT_FDCWD, the dirfd's name ending in '/', '<UNKNOWN>'
 * for a dirfd not in the table or a thread not known.
 */
function dirfdBase(t: Thread | undefined, name: string, dirfd: number): string {
  if (name.length > 0 && name.charCodeAt(0) === 47) return '.';
  if (t === undefined) return '<UNKNOWN>';
  if (dirfd === PPM_AT_FDCWD) return cwdOf(t);
  const fd = dirfd < 0 ? undefined : t.shared.fds.get(dirfd);
  if (fd === undefined) return '<UNKNOWN>';
  const dir = fd.name;
  return dir.length === 0 || dir.charCodeAt(dir.length - 1) === 47 ? dir : dir + '/';
}
