// Resolves what rendered parameters refer to (fd names, user names, process names, cwd) against
// the state of the event's context. One instance per FieldScope, re-pointed per use: no
// allocation per event.
import type { ParamResolver } from '../events/index.js';
import { fdL4proto } from './fds.js';
import { FD_TYPES, type EventContext } from './types.js';

export class ContextResolver implements ParamResolver {
  private ctx!: EventContext;

  /** This resolver, answering for `ctx`'s event. */
  at(ctx: EventContext): this {
    this.ctx = ctx;
    return this;
  }

  fdInfo(fd: number): { typechar: string; name: string } | undefined {
    const info = this.ctx.thread?.shared.fds.get(fd);
    if (!info) return undefined;
    // IP sockets carry their protocol letter after the type (<4t>, <6u> ...) once the protocol
    // counts: raw always, others when the role is known, a bound server socket's always
    // (sinsp_evt::render_fd with sinsp_fdinfo::get_l4proto).
    const l4 = fdL4proto(info)?.[0] ?? '';
    return { typechar: FD_TYPES[info.type] + l4, name: info.name };
  }
  comm(pid: number): string | undefined {
    return this.ctx.state.thread(pid)?.comm;
  }
  userName(uid: number): string | undefined {
    return this.ctx.state.user(uid, this.ctx.thread?.containerId ?? '')?.name;
  }
  groupName(gid: number): string | undefined {
    return this.ctx.state.group(gid, this.ctx.thread?.containerId ?? '')?.name;
  }
  cwd(): string | undefined {
    return this.ctx.thread?.cwd;
  }
  dirfdPath(fd: number): string | undefined {
    return this.ctx.thread?.shared.fds.get(fd)?.name;
  }
}
