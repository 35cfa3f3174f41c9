// Names that fd.* fields take from the event itself when the fd is not in the table
// (libsinsp's extract_fdname_from_event): the path of a failed open, relative to cwd or dirfd.
import type { EventContext } from '../../state/types.js';
import { concatenatePaths } from '../../state/paths.js';

const AT_FDCWD = -100;

function baseDir(ctx: EventContext, dirfd: number): string | undefined {
  const t = ctx.thread;
  if (!t) return undefined;
  if (dirfd === AT_FDCWD) return t.cwd;
  return t.shared.fds.get(dirfd)?.name;
}

/** The event's path for open-family events, absolute unless `raw`; undefined for other events. */
export function fdNameFromEvent(ctx: EventContext, raw: boolean): string | undefined {
  const evt = ctx.evt;
  switch (evt.info.name) {
    case 'open':
    case 'creat': {
      if (!evt.hasParam(1)) return undefined;
      const name = evt.str(1);
      return raw ? name : concatenatePaths(ctx.thread?.cwd ?? '/', name);
    }
    case 'openat':
    case 'openat2': {
      if (!evt.hasParam(2)) return undefined;
      const name = evt.str(2);
      if (raw) return name;
      if (name.startsWith('/')) return concatenatePaths('/', name);
      if (!evt.hasParam(1)) return undefined;
      const dir = baseDir(ctx, evt.int(1));
      return dir === undefined ? undefined : concatenatePaths(dir, name);
    }
    default:
      return undefined;
  }
}
