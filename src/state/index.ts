// The state layer's surface: the State (threads, fds, users, containers) rebuilt from events, /proc
// and capture tables; what the filter's fields read of it is state/model, re-exported here.

export * from './model/index.js';
export { liveTables, loadScapTables, scapProcessOf } from './capture-tables.js';
export { bootTimeNs, ProcScanner } from './proc-scan.js';
export type { FdSnapshot, ThreadSnapshot } from './snapshot.js';
export { encodeSockAddr, encodeSockTuple } from './sockaddr.js';
export { State, type StateBounds, type StateOptions } from './state.js';
export { type EventContext } from './types.js';
export { newContainerInfo, shortId, RUNC_ID, type CgroupMatch, type QuickContainerLookup, type QuickDescription, type ContainerRegistry } from './containers.js';
export { type ContainerInfo } from './types.js';
export { hostPaths } from './host-root.js';
export { containerAddedEvent, containerGroupEvent, containerRemovedEvent, containerUserEvent } from './container-metadata.js';
