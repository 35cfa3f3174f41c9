// The FieldScope (state/types.ts) an agent's state puts in its EventContext: per-agent argument
// rendering and host name, and the per-event caches field extractors fill.
import { hostname } from 'node:os';
import { PARAM_NAMES } from '../events/param-names.js';
import type { ParamResolver, RenderOptions } from '../events/render.js';
import { ContextResolver } from './param-resolver.js';
import type { EventContext, FieldScope } from './types.js';

export interface FieldScopeOptions {
  /** How evt.arg.* and evt.args render byte buffers (default whole, as Falco; sysdig cuts at 80). */
  argRender?: RenderOptions;
  /** evt.hostname and the alerts' hostname (default SAKER_HOSTNAME, FALCO_HOSTNAME, the host's). */
  hostname?: string;
}

export class AgentFieldScope implements FieldScope {
  readonly argRender: RenderOptions | undefined;
  readonly hostname: string;
  readonly argSeq = new Float64Array(PARAM_NAMES.length).fill(-1);
  readonly argText: Array<string | undefined> = new Array<string | undefined>(PARAM_NAMES.length).fill(undefined);
  fdNameSeq = -1;
  fdName: string | undefined = undefined;
  private readonly resolver = new ContextResolver();

  constructor(opts: FieldScopeOptions = {}) {
    this.argRender = opts.argRender;
    this.hostname = opts.hostname ?? defaultHostname();
  }

  resolverFor(ctx: EventContext): ParamResolver {
    return this.resolver.at(ctx);
  }
}

/** The host name alerts carry: the environment's override, else the kernel's. */
export function defaultHostname(): string {
  return process.env.SAKER_HOSTNAME || process.env.FALCO_HOSTNAME || hostname();
}
