// The bounds of two tables that the outside world fills, tried against the real `saker run`:
// the addresses DNS answers for the names rules use (a DNS server answers what it likes), and the
// queue of container metadata lookups (a workload makes containers faster than a slow runtime
// answers). Each flood is pushed past its bound: the table stays within it, what the bound turned
// away is counted in saker_state_table_dropped_total{table=...}, and the agent still alerts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Agent, sleep } from './helpers/agent.js';
import { DnsResponder } from './helpers/dns-responder.js';
import { agentMissing, firstMissing, runs } from './helpers/env.js';
import { runCommand, scratchDir } from './helpers/triggers.js';
import { freePort, until } from './helpers/web.js';

const METRICS = ['metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true'];

/** The state tables' metric lines at the agent's /metrics: `name{labels}` -> value. */
async function metricsOf(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(saker_state_table_\w+\{[^}]*\}) (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

const dropped = (table: string) => `saker_state_table_dropped_total{table="${table}"}`;
const entries = (table: string) => `saker_state_table_entries{table="${table}"}`;

// host-names.ts: MAX_ADDRESSES kept over all names, MAX_PER_ANSWER taken from one answer.
const MAX_ADDRESSES = 65_536;
const MAX_PER_ANSWER = 64;

test('a DNS server flooding the names rules use with distinct addresses: the address table holds its bound, the excess is counted, names still resolve and alert', async (t) => {
  const skip = firstMissing(agentMissing, () => (runs('unshare', '--version') ? undefined : 'needs unshare (util-linux)'));
  if (skip !== undefined) return t.skip(skip);
  const { dir, cleanup } = scratchDir('dns-flood');
  t.after(cleanup);
  // 550 names, each answered with 70 IPv4 and 70 IPv6 addresses (6 past what one answer may
  // give): 70,400 addresses kept in turn, 4,864 more than the table holds. The IPv4 ones in
  // 127/8, so that a connect to any of them is routed. late.flood.test answers last (held back),
  // with an address of its own.
  const NAMES = 550;
  const PER_ANSWER = 70;
  const names = Array.from({ length: NAMES }, (_, i) => `n${i}.flood.test`);
  const v4 = (k: number) => `127.${1 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
  const v6 = (k: number) => `fd53::${k.toString(16)}`;
  const server = `127.53.${1 + (process.pid & 127)}.${1 + (Date.now() & 127)}`;
  const answer = (name: string, type: 'A' | 'AAAA') => {
    if (name === 'late.flood.test') return { addresses: type === 'A' ? ['127.250.0.1'] : [], delayMs: 1000 };
    const i = names.indexOf(name);
    const addr = type === 'A' ? v4 : v6;
    return { addresses: i < 0 ? [] : Array.from({ length: PER_ANSWER }, (_, j) => addr(i * PER_ANSWER + j)) };
  };
  let dns: DnsResponder;
  try {
    dns = await DnsResponder.start(server, answer, { oversizedUdp: true });
  } catch (e) {
    return t.skip(`cannot serve DNS on ${server}:53 (${(e as Error).message})`);
  }
  t.after(() => dns.close());
  const resolv = join(dir, 'resolv.conf');
  writeFileSync(resolv, `nameserver ${server}\noptions timeout:2 attempts:2\n`);
  const rules = join(dir, 'rules.yaml');
  const late = join(dir, 'saker-late'); // a bash named so, to make the connect the second rule waits for
  copyFileSync('/bin/bash', late);
  execFileSync('chmod', ['755', late]);
  writeFileSync(rules, [
    '- rule: Connect to a flooded name', '  desc: resolves every name of the flood on its first connect',
    `  condition: evt.type = connect and fd.sip.name in (${names.join(', ')})`, '  output: flooded name (fd.sip.name=%fd.sip.name)', '  priority: WARNING',
    '- rule: Connect to the late name', '  desc: the name answered after the flood',
    '  condition: evt.type = connect and proc.name = saker-late and fd.sip.name = late.flood.test', '  output: late name (fd.sip.name=%fd.sip.name)', '  priority: WARNING', ''].join('\n'));
  const port = await freePort();
  // The agent resolves through resolv.conf: its own, in a mount namespace of its own.
  const agent = await Agent.start({
    rules: [rules], options: [`webserver.listen_port=${port}`, ...METRICS],
    wrap: ['unshare', '-m', '--', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv],
  });
  t.after(() => agent.kill());
  // A connect reaches the first rule: its 1,100 names are resolved.
  runCommand('bash', ['-c', 'exec 3<>/dev/udp/127.0.0.1/9']);
  // (before the agent's first refresh, 60 s on, answers them all again)
  const excess = 2 * NAMES * (PER_ANSWER - MAX_PER_ANSWER) + (2 * NAMES * MAX_PER_ANSWER - MAX_ADDRESSES);
  const m = await until(() => metricsOf(port), (v) => v[dropped('dns_addresses')]! >= excess, `${excess} addresses turned away`, 45_000);
  assert.equal(m[entries('dns_addresses')]!, MAX_ADDRESSES, 'the table holds its bound, no more');
  assert.equal(m[dropped('dns_addresses')]!, excess, 'every address past an answer\'s share or pushed out, counted');
  // The late name, resolved now and answered after the flood, is known and alerts.
  const connect = () => runCommand(late, ['-c', 'exec 3<>/dev/udp/127.250.0.1/9']);
  const a = await until(async () => {
    connect();
    await sleep(500);
    return agent.matching((x) => x.rule === 'Connect to the late name');
  }, (list) => list.length > 0, 'an alert naming late.flood.test', 30_000);
  assert.equal(a[0]!.output_fields['fd.sip.name'], 'late.flood.test');
  const after = await metricsOf(port);
  assert.ok(after[entries('dns_addresses')]! <= MAX_ADDRESSES);
  t.diagnostic(`${dns.questions} DNS questions answered; ${after[dropped('dns_addresses')]!} addresses turned away`);
  await agent.stop();
});

test('containers made faster than a stalled runtime answers: the lookup queue holds its bound, the excess is counted, detection goes on', async (t) => {
  const skip = agentMissing();
  if (skip !== undefined) return t.skip(skip);
  // A hierarchy to make cgroups in that the sensor reports (libs': cpuset, cpu, cpuacct, io,
  // memory): cgroup v2, or v1's cpu controller.
  const hierarchy = ['/sys/fs/cgroup', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/memory'].find((h) => existsSync(join(h, 'cgroup.procs')));
  if (hierarchy === undefined) return t.skip('needs a cgroup hierarchy at /sys/fs/cgroup');
  const { dir, cleanup } = scratchDir('lookup-flood');
  t.after(cleanup);
  // A docker socket that answers its start-up probe and never a container inspection: each
  // lookup waits out its timeout (3 s), two at a time.
  let inspections = 0;
  const docker = createServer((req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/containers/')) {
      inspections++;
      return; // never answered
    }
    if (path.startsWith('/events')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return; // an event stream that stays quiet
    }
    const body = path.endsWith('/version') ? { Version: '24.0.7', ApiVersion: '1.43' } : path.endsWith('/info') ? {} : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { message: 'no' }));
  });
  const sock = join(dir, 'docker.sock');
  await new Promise<void>((resolve) => docker.listen(sock, resolve));
  t.after(() => {
    docker.closeAllConnections();
    docker.close();
  });
  const port = await freePort();
  const agent = await Agent.start({
    options: [`webserver.listen_port=${port}`, ...METRICS, 'container.engines.docker.enabled=true', `container.engines.docker.sockets[]=${sock}`],
  });
  t.after(() => agent.kill());
  // 1,300 cgroups named as docker names a container's, a process exec'd in each: 1,300 containers,
  // more than the queue's 1,024 lookups.
  const QUEUE = 1024;
  const COUNT = 1300;
  const parent = join(hierarchy, `saker-e2e-lookups-${randomBytes(4).toString('hex')}`);
  mkdirSync(parent);
  const groups = Array.from({ length: COUNT }, () => join(parent, `docker-${randomBytes(32).toString('hex')}.scope`));
  for (const g of groups) mkdirSync(g);
  t.after(async () => {
    for (const g of groups) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(g);
          break;
        } catch {
          await sleep(100); // its process is still being reaped
        }
      }
    }
    rmdirSync(parent);
  });
  const flood = runCommand('sh', ['-c', 'for g in "$@"; do sh -c \'echo $$ > "$1/cgroup.procs" && exec /bin/true\' _ "$g"; done; echo done', '_', ...groups], { timeoutMs: 120_000 });
  assert.equal(flood.stdout.trim(), 'done', flood.stderr);
  const m = await until(() => metricsOf(port), (v) => v[entries('containers')]! >= COUNT && v[dropped('container_lookup_queue')]! > 0,
    'every container known, lookups past the queue turned away', 30_000);
  assert.ok(m[entries('container_lookup_queue')]! <= QUEUE, `queued ${m[entries('container_lookup_queue')]!}`);
  // Each container asked for one lookup: those neither running (2), done nor queued were turned away.
  assert.ok(m[dropped('container_lookup_queue')]! >= COUNT - QUEUE - 2 - inspections, `dropped ${m[dropped('container_lookup_queue')]!}`);
  const r = runCommand('cat', ['/etc/shadow']);
  const a = await agent.waitForRule('Read of sensitive file', (f) => f['proc.pid'] === r.pid, { timeoutMs: 15_000 });
  assert.equal(a.output_fields['fd.name'], '/etc/shadow');
  t.diagnostic(`${m[entries('containers')]!} containers, ${m[entries('container_lookup_queue')]!} lookups queued, ${m[dropped('container_lookup_queue')]!} turned away, ${inspections} inspections asked`);
  await agent.stop();
});
