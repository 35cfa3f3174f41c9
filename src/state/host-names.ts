// The host names fd.*ip.name checks compare with, and the addresses they resolve to: libsinsp's
// DNS manager resolves exactly the names rules use and maps addresses back to them; here too.
// One instance per State, so two agents in one process watch and resolve their own names.
// Resolution runs only once a live agent asks for it (start), so validating or replaying rules
// never waits on DNS.
//
// Like getaddrinfo, a name's addresses come from /etc/hosts and from DNS (A and AAAA). DNS goes
// through c-ares on the event loop rather than getaddrinfo on libuv's thread pool: rules watch
// dozens of public mining-pool names, which take seconds each where outside DNS is unreachable,
// and blocked getaddrinfo calls can be neither cancelled nor left behind at exit (libuv joins its
// threads), while c-ares queries are bounded and stop() cancels them.
import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';

/** /etc/hosts as name -> addresses (lower-case names). */
export function parseHostsFile(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const [addr, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (addr === undefined || addr === '' || aliases.length === 0) continue;
    for (const n of aliases) {
      const key = n.toLowerCase();
      const list = out.get(key) ?? [];
      if (!list.includes(addr)) list.push(addr);
      out.set(key, list);
    }
  }
  return out;
}

export interface NameResolutionOptions {
  /** Refresh period (default 60 s); the timer does not keep the process alive. */
  periodMs?: number;
  /** Default /etc/hosts. */
  hostsFile?: string;
  /** DNS servers ("addr[:port]"); default the system's (resolv.conf). */
  servers?: string[];
}

export class HostNames {
  private readonly addrToName = new Map<string, string>();
  private readonly names = new Set<string>();
  private resolver: Resolver | undefined;
  private hosts: Map<string, string[]> | undefined;
  private refresher: NodeJS.Timeout | undefined;

  /** The names fd.*ip.name comparisons asked for so far. */
  get watched(): ReadonlySet<string> {
    return this.names;
  }

  /** Asks for `name` to be resolved (now if resolution runs, else once it starts). */
  watch(name: string): void {
    if (this.names.has(name)) return;
    this.names.add(name);
    if (this.resolver !== undefined) void this.resolveName(name);
  }

  /** The watched name `ip` resolved from, if any. */
  nameOf(ip: string): string | undefined {
    return this.addrToName.get(ip);
  }

  /** Resolves the watched names now, those watched later at once, and all of them periodically. */
  start(opts: NameResolutionOptions = {}): void {
    if (this.resolver !== undefined) return;
    this.resolver = new Resolver({ timeout: 2000, tries: 2 });
    if (opts.servers !== undefined) this.resolver.setServers(opts.servers);
    try {
      this.hosts = parseHostsFile(readFileSync(opts.hostsFile ?? '/etc/hosts', 'utf8'));
    } catch {
      this.hosts = new Map();
    }
    const all = () => {
      for (const n of this.names) void this.resolveName(n);
    };
    all();
    this.refresher = setInterval(all, opts.periodMs ?? 60_000);
    this.refresher.unref();
  }

  /** Cancels the queries under way and stops refreshing; the names resolved so far stay known. */
  stop(): void {
    clearInterval(this.refresher);
    this.refresher = undefined;
    this.resolver?.cancel();
    this.resolver = undefined;
  }

  private async resolveName(name: string): Promise<void> {
    const r = this.resolver;
    if (r === undefined) return;
    for (const a of this.hosts?.get(name.toLowerCase()) ?? []) this.addrToName.set(a, name);
    // An unresolvable name simply matches nothing; a cancelled query ends the same way.
    const answers = await Promise.allSettled([r.resolve4(name), r.resolve6(name)]);
    for (const a of answers) if (a.status === 'fulfilled') for (const ip of a.value) this.addrToName.set(ip, name);
  }
}
