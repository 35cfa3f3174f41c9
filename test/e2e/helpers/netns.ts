// A test host in a network namespace of our own: a veth pair links it to this machine with
// addresses from a random /30 of 198.51.100.0/24 (TEST-NET-2, never routed anywhere else), and a
// TCP listener inside answers every connection. The namespace also holds 169.254.169.254 on its
// loopback, so a container joined to it can play "contact the cloud metadata service" without a
// packet leaving the namespace. Removed by close(), and by an exit hook after a failing test.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

export const METADATA_ADDRESS = '169.254.169.254';

/** Runs inside the namespace: listens on every address given, answers like a tiny HTTP server. */
const LISTENER = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
let pending = targets.length;
for (const [host, port] of targets) {
  net.createServer((s) => { s.on('error', () => {}); s.end('HTTP/1.0 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\nsaker-e2e\\n'); })
    .listen(port, host, () => { if (--pending === 0) console.log('listening'); });
}
setTimeout(() => process.exit(0), 600000).unref();
`;

const open = new Set<TestHost>();
process.on('exit', () => {
  for (const h of open) h.close();
});

export class TestHost {
  readonly name: string;
  /** This machine's end of the veth pair. */
  readonly hostAddress: string;
  /** The test host's address, inside the namespace. */
  readonly address: string;
  /** TCP port the listener answers on, at `address` and at the metadata address (port 80 there). */
  readonly port = 8443;
  private readonly vethHost: string;
  private readonly vethNs: string;
  private listener: ChildProcess | undefined;

  private constructor() {
    const tag = randomBytes(3).toString('hex');
    this.name = `saker-e2e-${tag}`;
    this.vethHost = `se2e${tag}h`;
    this.vethNs = `se2e${tag}n`;
    const base = 4 * Math.floor(Math.random() * 64);
    this.hostAddress = `198.51.100.${base + 1}`;
    this.address = `198.51.100.${base + 2}`;
  }

  static async start(): Promise<TestHost> {
    const h = new TestHost();
    open.add(h);
    try {
      await h.create();
    } catch (e) {
      h.close();
      throw e;
    }
    return h;
  }

  private async create(): Promise<void> {
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const inNs = (...args: string[]) => ip('netns', 'exec', this.name, 'ip', ...args);
    ip('netns', 'add', this.name);
    ip('link', 'add', this.vethHost, 'type', 'veth', 'peer', 'name', this.vethNs, 'netns', this.name);
    ip('addr', 'add', `${this.hostAddress}/30`, 'dev', this.vethHost);
    ip('link', 'set', this.vethHost, 'up');
    inNs('addr', 'add', `${this.address}/30`, 'dev', this.vethNs);
    inNs('link', 'set', this.vethNs, 'up');
    inNs('link', 'set', 'lo', 'up');
    inNs('addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'lo');
    const targets = JSON.stringify([[this.address, this.port], [METADATA_ADDRESS, 80]]);
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, '-e', LISTENER, targets], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.listener = child;
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => reject(new Error(`test host listener not up after 10 s: ${err}`)), 10_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`test host listener exited (${code}): ${err}`));
      });
      createInterface({ input: child.stdout }).on('line', (l) => {
        if (l === 'listening') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  /** Removes the namespace (and with it the veth pair) and stops the listener; safe to call twice. */
  close(): void {
    if (!open.delete(this)) return;
    this.listener?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', this.vethHost], { stdio: 'ignore' });
  }
}
