// What the filter's fields read of the state: the types of threads, fds, users, containers and
// the event context, and the helpers that interpret them. A surface of its own because the field
// registry needs it at load time: `saker fields` and `saker validate` then load no parser, /proc
// scanner or capture tables.

export { EV } from '../parsed-events.js';
export { fdL4proto } from '../fds.js';
export { v4 } from '../interfaces.js';
export { PPM_O } from '../ppm.js';
export { basenameOf, dirnameOf } from '../paths.js';
export { cmdline } from '../threads.js';
export { type ContainerInfo, type EventContext, FD_TYPES, type FdInfo, type GroupInfo, type NamedPath, type StateView, type ThreadInfo, type UserInfo } from '../types.js';
