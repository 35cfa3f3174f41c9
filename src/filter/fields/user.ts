// user.* and group.* fields: the user and group of the thread, looked up in the user table of the
// thread's container (a container has its own /etc/passwd).
import { ofThread } from './define.js';
import type { FieldDef } from './types.js';

const UNSET_LOGINUID = 0xffffffff;
const NA = '<NA>';

/**
 * Names of unknown users and groups are the text '<NA>' (a value, as libsinsp extracts it), except
 * uid/gid 0, which are root even without an entry.
 */
export const USER_FIELDS: FieldDef[] = [
  ofThread('user.uid', 'uint', 'User id.', (t) => t.uid),
  ofThread('user.name', 'string', 'User name (root for uid 0).', (t, ctx) => ctx.state.user(t.uid, t.containerId)?.name ?? (t.uid === 0 ? 'root' : NA)),
  ofThread('user.homedir', 'string', 'Home directory of the user.', (t, ctx) => ctx.state.user(t.uid, t.containerId)?.home ?? (t.uid === 0 ? '/root' : NA)),
  ofThread('user.shell', 'string', 'Shell of the user.', (t, ctx) => ctx.state.user(t.uid, t.containerId)?.shell ?? NA),
  ofThread('user.loginuid', 'int', 'Audit login user id; -1 when unset.', (t) => (t.loginuid === UNSET_LOGINUID ? -1 : t.loginuid)),
  ofThread('user.loginname', 'string', 'Audit login user name.', (t, ctx) => ctx.state.user(t.loginuid, t.containerId)?.name ?? (t.loginuid === 0 ? 'root' : NA)),
  ofThread('group.gid', 'uint', 'Group id.', (t) => t.gid),
  ofThread('group.name', 'string', 'Group name.', (t, ctx) => ctx.state.group(t.gid, t.containerId)?.name ?? (t.gid === 0 ? 'root' : NA)),
];
