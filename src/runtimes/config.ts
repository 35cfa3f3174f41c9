// Which runtime sockets to ask, configured as Falco's container plugin is (its init_config:
// `engines.<name>.enabled/sockets`, `engine_timeout`, `label_max_len`, `hooks`), read from the
// plugin's entry in `plugins:` of a falco.yaml or from Saker's own `container:` key (the same
// shape, easy to set with -o container.engines.docker.sockets[]=...). Socket paths are taken under
// HOST_ROOT when the agent runs in a container with the host mounted there.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/index.js';

export type EngineName = 'docker' | 'podman' | 'containerd' | 'cri';

interface EngineConfig {
  enabled: boolean;
  sockets: string[];
}

export interface RuntimesConfig {
  engines: Record<EngineName, EngineConfig>;
  /** HOST_ROOT: where the host's filesystem is mounted ('' = this is the host). */
  hostRoot: string;
  /** runc state roots, for plain runc containers and podman's (not a plugin key; default /run/runc). */
  runcRoots: string[];
  /** A lookup (one container, all its calls) that has not answered by then fails (default 3 s). */
  lookupTimeoutMs: number;
  /** The start-up probe of each socket (plugin `engine_timeout`, default 10 s; 0 = none). */
  engineTimeoutMs: number;
  /** Labels longer than this are left out (plugin `label_max_len`, default 100). */
  labelMaxLen: number;
  /** Which runtime events fill the cache: create (default) and/or start (plugin `hooks`). */
  hooks: Array<'create' | 'start'>;
}

/**
 * The plugin's default sockets. Podman's per-user sockets (/run/user/<uid>/podman/podman.sock)
 * are added by defaultRuntimesConfig for the users that have one. The containerd engine also
 * asks the system containerd (the plugin only asks /run/host-containerd), so containers made
 * with ctr or nerdctl on a plain host are named too.
 */
const DEFAULT_SOCKETS: Record<EngineName, string[]> = {
  docker: ['/var/run/docker.sock'],
  podman: ['/run/podman/podman.sock'],
  containerd: ['/run/host-containerd/containerd.sock', '/run/containerd/containerd.sock'],
  cri: ['/run/containerd/containerd.sock', '/run/crio/crio.sock', '/run/k3s/containerd/containerd.sock', '/run/host-containerd/containerd.sock'],
};

const ENGINES: readonly EngineName[] = ['docker', 'podman', 'containerd', 'cri'];

/** A configuration error: the key and what was wrong with it. */
export class RuntimesConfigError extends ConfigError {
  override name = 'RuntimesConfigError';
}

function userPodmanSockets(hostRoot: string): string[] {
  try {
    return readdirSync(join(hostRoot, '/run/user')).filter((u) => /^\d+$/.test(u)).map((u) => `/run/user/${u}/podman/podman.sock`);
  } catch {
    return [];
  }
}

/** Joins a socket path under HOST_ROOT ('' or '/' leaves it as is). */
function underHostRoot(hostRoot: string, path: string): string {
  const root = hostRoot.replace(/\/+$/, '');
  return root === '' ? path : join(root, path);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The container plugin's init_config inside a falco.yaml-shaped object, or Saker's `container` key. */
function initConfigOf(raw: Record<string, unknown>): { where: string; value: Record<string, unknown> } | undefined {
  if (isRecord(raw.container)) return { where: 'container', value: raw.container };
  if (Array.isArray(raw.plugins)) {
    const i = raw.plugins.findIndex((p) => isRecord(p) && p.name === 'container');
    if (i !== -1) {
      const init = (raw.plugins[i] as Record<string, unknown>).init_config;
      if (init === undefined) return undefined;
      if (!isRecord(init)) throw new RuntimesConfigError(`plugins[${i}].init_config must be a mapping`);
      return { where: `plugins[${i}].init_config`, value: init };
    }
  }
  return undefined;
}

/**
 * Runtime configuration from a configuration object (Config.raw) and the environment's
 * HOST_ROOT. Bad values throw RuntimesConfigError naming the key.
 */
export function runtimesConfig(raw: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): RuntimesConfig {
  const hostRoot = env.HOST_ROOT ?? '';
  const found = initConfigOf(raw);
  const init = found?.value ?? {};
  const where = found?.where ?? 'container';
  const engines = {} as Record<EngineName, EngineConfig>;
  const enginesRaw = init.engines ?? {};
  if (!isRecord(enginesRaw)) throw new RuntimesConfigError(`${where}.engines must be a mapping`);
  for (const name of ENGINES) {
    const e = enginesRaw[name] ?? {};
    if (!isRecord(e)) throw new RuntimesConfigError(`${where}.engines.${name} must be a mapping`);
    const enabled = e.enabled ?? true;
    if (typeof enabled !== 'boolean') throw new RuntimesConfigError(`${where}.engines.${name}.enabled must be true or false`);
    let sockets: string[];
    if (e.sockets === undefined) {
      sockets = [...DEFAULT_SOCKETS[name], ...(name === 'podman' ? userPodmanSockets(hostRoot) : [])];
    } else if (Array.isArray(e.sockets) && e.sockets.every((s) => typeof s === 'string')) {
      sockets = e.sockets;
    } else throw new RuntimesConfigError(`${where}.engines.${name}.sockets must be a list of paths`);
    engines[name] = { enabled, sockets: [...new Set(sockets.map((s) => underHostRoot(hostRoot, s)))] };
  }
  const num = (key: string, dflt: number): number => {
    const v = init[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RuntimesConfigError(`${where}.${key} must be a number >= 0`);
    return v;
  };
  const hooksRaw = init.hooks ?? ['create'];
  if (!Array.isArray(hooksRaw) || !hooksRaw.every((h) => h === 'create' || h === 'start')) {
    throw new RuntimesConfigError(`${where}.hooks must be a list of 'create' and 'start'`);
  }
  const runcRaw = init.runc_roots ?? ['/run/runc'];
  if (!Array.isArray(runcRaw) || !runcRaw.every((s) => typeof s === 'string')) throw new RuntimesConfigError(`${where}.runc_roots must be a list of paths`);
  return {
    engines,
    hostRoot,
    runcRoots: (runcRaw).map((s) => underHostRoot(hostRoot, s)),
    lookupTimeoutMs: num('lookup_timeout_ms', 3000),
    engineTimeoutMs: num('engine_timeout', 10) * 1000,
    labelMaxLen: num('label_max_len', 100),
    hooks: hooksRaw as Array<'create' | 'start'>,
  };
}
