// Container runtimes' own APIs (CRI, containerd, Docker, podman, runc's state) feeding the state's
// container registry: the surface the agent and tests use.
export { runtimesConfig } from './config.js';
export { ContainerRuntimes } from './runtimes.js';
export { runcStateLookup } from './runc.js';
export { criServices, unary, type Stub } from './cri.js';
