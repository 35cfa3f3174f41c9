// Parameter rendering (interim: raw forms only; the full libs rendering replaces this module).
import { PT } from './event-info.js';
import type { EventView } from './event.js';

export interface ParamResolver {
  fdInfo?(fd: number): { typechar: string; name: string } | undefined;
  comm?(pid: number): string | undefined;
  userName?(uid: number): string | undefined;
  groupName?(gid: number): string | undefined;
  cwd?(): string | undefined;
  dirfdPath?(fd: number): string | undefined;
}

export function renderParam(evt: EventView, i: number, resolved: boolean, _resolver?: ParamResolver): string {
  const p = evt.info.params[i];
  if (!p || !evt.hasParam(i)) return resolved ? '' : '<NA>';
  if (resolved) return '';
  switch (p.type) {
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH: return evt.str(i);
    case PT.BYTEBUF: return evt.bytes(i).toString('latin1');
    default: return String(evt.int(i));
  }
}

export function renderArgs(evt: EventView, resolver?: ParamResolver): string {
  const out: string[] = [];
  for (let i = 0; i < evt.nparams; i++) out.push(`${evt.info.params[i]?.name}=${renderParam(evt, i, false, resolver)}`);
  return out.join(' ');
}
