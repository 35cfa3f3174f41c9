import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { encodeEvent, eventCode, type ParamValue } from '../events/index.js';
import { SCAP_FD, ScapWriter } from '../capture/scap/index.js';
import { loadConfig } from '../config/index.js';
import type { Alert } from '../outputs/index.js';
import { encodeSockAddr, encodeSockTuple } from '../state/index.js';
import { Agent, RulesLoadError, type AgentOptions } from './agent.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-agent-unit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let ts = 1_700_000_000_000_000_000n;
const ev = (tid: number, name: string, params: ParamValue[]) => encodeEvent({ ts: (ts += 1000n), tid, type: eventCode(name), params });

/** curl (200) reads 200 bytes from /etc/hosts and connects to 93.184.216.34:443. */
let captures = 0;
async function capture(): Promise<string> {
  const file = join(dir, `capture-${++captures}.scap`);
  const w = new ScapWriter(file, { overwrite: true }); // rewritten by each test
  const proc = (tid: number, comm: string, ptid: number) => ({
    tid, pid: tid, ptid, sid: tid, vpgid: tid, pgid: tid, comm, exe: comm, exepath: `/usr/bin/${comm}`, args: [], env: [],
    cwd: '/', fdlimit: 1024, flags: 0, uid: 0, gid: 0, vmSizeKb: 0, vmRssKb: 0, vmSwapKb: 0, pfMajor: 0n, pfMinor: 0n,
    vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 0, exeWritable: false, capInheritable: 0n,
    capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n,
    exeInoMtime: 0n, fds: tid === 200 ? [{ fd: 3, ino: 1n, type: SCAP_FD.FILE_V2, openFlags: 1, name: '/etc/hosts', dev: 0 }] : [],
  });
  w.writeTables({
    processes: [proc(1, 'systemd', 0), proc(200, 'curl', 1)],
    users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' }],
    groups: [{ gid: 0, name: 'root' }],
    interfaces: [{ family: 'ipv4', name: 'eth0', addr: '10.0.0.5', netmask: '255.255.255.0', bcast: '10.0.0.255', linkspeed: 0n }],
  });
  w.writeEvent(ev(200, 'read', [200, Buffer.alloc(200, 0x61), 3, 4096]));
  w.writeEvent(ev(200, 'socket', [5, 2, 1, 0, 0]));
  const tuple = encodeSockTuple({ sip: '10.0.0.5', sport: 40000, dip: '93.184.216.34', dport: 443 });
  w.writeEvent(ev(200, 'connect', [0, tuple, 5, encodeSockAddr({ ip: '93.184.216.34', port: 443 })]));
  await w.close();
  return file;
}

const RULES = `
- rule: curl reads
  desc: test
  condition: evt.type = read and proc.name = curl
  output: data=%evt.arg.data
  priority: WARNING
  tags: [filesystem, maturity-stable]
- rule: curl connects to the example
  desc: test
  condition: evt.type = connect and fd.sip.name = example.saker.test
  output: to %fd.sip.name (%fd.name)
  priority: NOTICE
`;

function agentOver(file: string, rules: string, extra: Partial<AgentOptions> = {}): { agent: Agent; alerts: Alert[]; out: () => string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => void (text += c.toString()));
  const agent = new Agent({ config: loadConfig({}), rules: [rules], source: { capture: file }, stdout, ...extra });
  const alerts: Alert[] = [];
  agent.onAlert((a) => alerts.push(a));
  return { agent, alerts, out: () => text };
}

test('two agents in one process each render arguments and resolve names as their own options say', async () => {
  const file = await capture();
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, RULES);
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, '93.184.216.34 example.saker.test\n');

  // a: sysdig's cut of byte buffers, and names resolved from a hosts file; b: Falco's defaults.
  const a = agentOver(file, rules, { argRender: { maxBufLen: 80 } });
  const b = agentOver(file, rules);
  a.agent.state.hostNames.start({ hostsFile: hosts, servers: ['127.0.0.1:9'] });
  await Promise.all([a.agent.start(), b.agent.start()]);
  await Promise.all([a.agent.ended, b.agent.ended]);
  const [sa, sb] = await Promise.all([a.agent.stop(), b.agent.stop()]);

  assert.deepEqual(a.alerts.map((x) => x.rule), ['curl reads', 'curl connects to the example']);
  assert.deepEqual(b.alerts.map((x) => x.rule), ['curl reads'], 'b resolves no names: its fd.sip.name has no value');
  // (the messages end with the container fields append_output adds by default)
  const message = (x: Alert) => x.message.split(' container_id=')[0];
  assert.equal(message(a.alerts[0]!), `data=${'a'.repeat(77)}...`);
  assert.equal(message(b.alerts[0]!), `data=${'a'.repeat(200)}`);
  assert.equal(message(a.alerts[1]!), 'to example.saker.test (10.0.0.5:40000->93.184.216.34:443)');
  assert.ok(a.agent.state.hostNames.watched.has('example.saker.test'));
  assert.ok(b.agent.state.hostNames.watched.has('example.saker.test'), 'b asked for the name too, of its own resolver');
  assert.equal(b.agent.state.hostNames.nameOf('93.184.216.34'), undefined);
  // Each agent's counters and outputs are its own.
  assert.deepEqual([sa.events, sa.alerts, sb.events, sb.alerts], [3, 2, 3, 1]);
  assert.equal(a.out().split('\n').filter(Boolean).length, 2);
  assert.equal(b.out().split('\n').filter(Boolean).length, 1);
});

test('the registry reads what the engine counted; status and rules say what runs', async () => {
  const file = await capture();
  const rules = join(dir, 'rules2.yaml');
  writeFileSync(rules, RULES);
  const { agent } = agentOver(file, rules);
  await agent.start();
  await agent.ended;
  assert.equal(agent.status().phase, 'stopped');
  await agent.stop();
  const text = await agent.metrics.text();
  assert.match(text, /^saker_engine_events_total 3$/m);
  assert.match(text, /^saker_state_table_entries\{table="threads"\} [1-9]\d*$/m, 'the capture\'s threads are in the table');
  assert.match(text, /^saker_state_table_capacity\{table="fds"\} [1-9]\d*$/m);
  assert.match(text, /^saker_state_table_dropped_total\{table="threads"\} 0$/m);
  // Falco's labels: a tag_<tag>="true" per tag, a tag's characters outside a label name's as _
  assert.match(text, /^falcosecurity_falco_rules_matches_total\{rule_name="curl reads",priority="4",source="syscall",tag_filesystem="true",tag_maturity_stable="true"\} 1$/m);
  assert.match(text, /^falcosecurity_falco_sha256_rules_files_info\{file_name=".*rules2\.yaml",sha256="[0-9a-f]{64}"\} 1$/m);
  assert.deepEqual(agent.rules().map((r) => [r.name, r.hits]), [['curl reads', 1], ['curl connects to the example', 0]]);
  assert.equal(agent.status().enabledRules, 2);
});

test('a reload with a broken file keeps the old rules and says why; a good one replaces them', async () => {
  const file = await capture();
  const rules = join(dir, 'rules3.yaml');
  writeFileSync(rules, RULES);
  const logs: string[] = [];
  const { agent } = agentOver(file, rules, { log: (m) => logs.push(m) });
  await agent.prepare();
  writeFileSync(rules, '- rule: broken\n  condition: evt.type = \n');
  const bad = await agent.reload();
  assert.equal(bad.ok, false);
  assert.match(bad.error ?? '', /rules3\.yaml/);
  assert.equal(agent.status().enabledRules, 2, 'the old rules stay');
  assert.match(logs.join('\n'), /reload failed, keeping the previous rules/);
  writeFileSync(rules, RULES.split('- rule: curl connects')[0]!);
  const good = await agent.reload();
  assert.deepEqual([good.ok, good.enabledRules, agent.status().enabledRules], [true, 1, 1]);
  await assert.rejects(new Agent({ config: loadConfig({}), rules: [join(dir, 'missing.yaml')], source: { capture: file } }).prepare(), RulesLoadError);
});

test('an event whose processing throws is counted and logged; the agent goes on', async () => {
  const file = await capture();
  const rules = join(dir, 'rules4.yaml');
  writeFileSync(rules, RULES);
  const logs: string[] = [];
  const { agent, alerts } = agentOver(file, rules, { log: (m) => logs.push(m) });
  await agent.start();
  // A state handler that throws on reads (what a bug, or a crafted event, could do).
  const original = agent.state.parser.process.bind(agent.state.parser);
  agent.state.parser.process = (evt) => {
    if (evt.info.name === 'read') throw new Error('boom');
    return original(evt);
  };
  await agent.ended;
  const s = await agent.stop();
  assert.equal(s.eventErrors, 1);
  assert.match(logs.join('\n'), /event 1 \(read, tid 200\) could not be processed, skipped .*boom/);
  assert.deepEqual(alerts.map((a) => a.rule), [], 'the read was skipped; no names resolved, so no connect alert');
  assert.equal(s.events, 3);
});
