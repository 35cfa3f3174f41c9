// Destinations against the real servers from Debian, on loopback: rsyslog (the local socket and
// RFC 5424 over TCP and UDP), nats-server, prometheus-alertmanager, and Kafka through librdkafka's
// mock cluster started by kcat (whose consumer reads each alert back). A local SMTP receiver
// checks the mail. Each test skips, saying why, when its server is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Metrics } from '../metrics/index.js';
import { createOutputs } from './index.js';
import { testAlert, testConfig, waitFor } from './test-support.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'saker-servers-'));

function missing(cmd: string, pkg: string): string | false {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0 ? false : `${cmd} not installed (Debian package ${pkg}; scripts/setup.sh installs it)`;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const readText = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};

test('rsyslog receives syslog_output on its local socket and RFC 5424 messages over TCP and UDP', { skip: missing('rsyslogd', 'rsyslog') }, async () => {
  const dir = tmp();
  const [tcp, udp] = [await freePort(), await freePort()];
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, `global(workDirectory="${dir}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${dir}/log" CreatePath="on")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${tcp}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${udp}")
template(name="fields" type="string" string="%inputname%|%syslogfacility%|%syslogseverity%|%protocol-version%|%hostname%|%app-name%|%msgid%|%structured-data%|%msg%\\n")
*.* action(type="omfile" file="${dir}/messages" template="fields")
`);
  const rsyslog = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'pid')], { stdio: 'ignore' });
  try {
    await waitFor(() => readText(join(dir, 'pid')) !== '' , 10_000, 'rsyslogd started');
    await new Promise((r) => setTimeout(r, 300));
    const metrics = new Metrics();
    const out = createOutputs(testConfig('syslog_output.enabled=true', `syslog_output.socket=${dir}/log`, 'json_output=true',
      'destinations[0].name=tcp', 'destinations[0].type=syslog', 'destinations[0].host=127.0.0.1', `destinations[0].port=${tcp}`, 'destinations[0].protocol=tcp',
      'destinations[1].name=udp', 'destinations[1].type=syslog', 'destinations[1].host=127.0.0.1', `destinations[1].port=${udp}`, 'destinations[1].protocol=udp', 'destinations[1].format=cef'),
    { metrics, log: () => undefined });
    for (let i = 0; i < 5; i++) out.write(testAlert(i, { priority: 3, priorityName: 'Error' }));
    const lines = () => readText(join(dir, 'messages')).split('\n').filter((l) => l.includes('Sensitive') || l.includes('CEF:'));
    await waitFor(() => lines().length >= 15, 10_000, '15 messages in rsyslog');
    await out.close();
    const got = lines().map((l) => l.split('|'));
    const local = got.filter((f) => f[0] === 'imuxsock');
    const overTcp = got.filter((f) => f[0] === 'imtcp');
    const overUdp = got.filter((f) => f[0] === 'imudp');
    assert.equal(local.length, 5);
    assert.deepEqual(local[0]!.slice(1, 3), ['1', '3'], 'user facility, severity 3 (Error)');
    assert.match(local[0]!.slice(8).join('|'), /"rule":"Read sensitive file"/);
    assert.equal(overTcp.length, 5);
    const t = overTcp[0]!;
    assert.deepEqual([t[1], t[2], t[3], t[4], t[5], t[6]], ['1', '3', '1', 'node-1', 'saker', 'falco'], 'RFC 5424: facility, severity, version 1, host, app, msgid');
    assert.match(t[7]!, /^\[saker@32473 uuid="[0-9a-f-]{36}" rule="Read sensitive file" priority="Error"\]$/);
    assert.match(t.slice(8).join('|'), /^\{"hostname":"node-1".*"uuid":"[0-9a-f-]{36}"\}$/);
    assert.equal(overUdp.length, 5);
    assert.match(overUdp[0]!.slice(8).join('|'), /^CEF:0\|Saker\|Saker\|0\.1\|Read sensitive file\|Read sensitive file\|7\|rt=1765000000000 dhost=node-1 msg=/);
    assert.equal(await metrics.value('saker_outputs_sent_total'), 15);
  } finally {
    await stop(rsyslog);
  }
});

/** A CA and a server certificate for 127.0.0.1 signed by it (openssl), in `dir`. */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=saker test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

const gtlsMissing = (): string | false =>
  missing('rsyslogd', 'rsyslog') || missing('openssl', 'openssl') ||
  (spawnSync('sh', ['-c', 'ls /usr/lib/*/rsyslog/lmnsd_gtls.so']).status === 0 ? false : 'rsyslog has no TLS driver (Debian package rsyslog-gnutls)');

test('rsyslog with its gtls driver receives RFC 5424 messages over TLS; a destination that does not trust its certificate delivers nothing and retries', { skip: gtlsMissing() }, async () => {
  const dir = tmp();
  const certs = makeCerts(dir);
  const port = await freePort();
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, `global(workDirectory="${dir}" DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="${certs.ca}" DefaultNetstreamDriverCertFile="${certs.cert}" DefaultNetstreamDriverKeyFile="${certs.key}")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" address="127.0.0.1" port="${port}")
template(name="fields" type="string" string="%inputname%|%syslogfacility%|%syslogseverity%|%protocol-version%|%hostname%|%app-name%|%msgid%|%structured-data%|%msg%\\n")
*.* action(type="omfile" file="${dir}/messages" template="fields")
`);
  const rsyslog = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'pid')], { stdio: 'ignore' });
  try {
    await waitFor(() => readText(join(dir, 'pid')) !== '', 10_000, 'rsyslogd started');
    await new Promise((r) => setTimeout(r, 300));
    const metrics = new Metrics();
    const logs: string[] = [];
    const dest = (i: number, name: string) => [`destinations[${i}].name=${name}`, `destinations[${i}].type=syslog`, `destinations[${i}].host=127.0.0.1`,
      `destinations[${i}].port=${port}`, `destinations[${i}].protocol=tls`, `destinations[${i}].retry.initial_delay=50ms`];
    const out = createOutputs(testConfig(...dest(0, 'tls'), `destinations[0].tls.ca_cert=${certs.ca}`,
      ...dest(1, 'untrusted'), 'destinations[1].spool.enabled=false', 'output_timeout=200'), { metrics, log: (m) => logs.push(m) });
    for (let i = 0; i < 5; i++) out.write(testAlert(i, { priority: 3, priorityName: 'Error' }));
    const lines = () => readText(join(dir, 'messages')).split('\n').filter((l) => l.includes('Sensitive'));
    await waitFor(() => lines().length >= 5, 10_000, '5 messages in rsyslog over TLS');
    await waitFor(async () => (await metrics.samples('saker_outputs_retries_total')).some((x) => x.labels.destination === 'untrusted' && x.value > 0), 10_000, `the untrusted destination retrying (${logs.join('; ')})`);
    await out.close();
    const got = lines().map((l) => l.split('|'));
    assert.equal(got.length, 5, 'the trusted destination\'s 5 alerts, none from the one that does not trust the certificate');
    const t = got[0]!;
    assert.deepEqual([t[0], t[1], t[2], t[3], t[4], t[5], t[6]], ['imtcp', '1', '3', '1', 'node-1', 'saker', 'falco'], 'RFC 5424 over TLS: facility, severity, version 1, host, app, msgid');
    assert.match(t[7]!, /^\[saker@32473 uuid="[0-9a-f-]{36}" rule="Read sensitive file" priority="Error"\]$/);
    const sent = await metrics.samples('saker_outputs_sent_total');
    assert.equal(sent.find((x) => x.labels.destination === 'tls')?.value, 5);
    assert.equal(sent.find((x) => x.labels.destination === 'untrusted')?.value, 0);
  } finally {
    await stop(rsyslog);
  }
});

test('nats-server delivers each alert to a subscriber on falco.<priority>.<rule>', { skip: missing('nats-server', 'nats-server') }, async () => {
  const port = await freePort();
  const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  try {
    const nc = await (async () => {
      for (let i = 0; ; i++) {
        try {
          return await connect({ servers: `127.0.0.1:${port}` });
        } catch (e) {
          if (i > 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    const got: Array<{ subject: string; uuid: string; n: number }> = [];
    const sub = nc.subscribe('falco.>');
    void (async () => {
      for await (const m of sub) {
        const a = JSON.parse(m.string()) as { uuid: string; output_fields: { n: number } };
        got.push({ subject: m.subject, uuid: a.uuid, n: a.output_fields.n });
      }
    })();
    await nc.flush();
    const out = createOutputs(testConfig('destinations[0].name=nats', 'destinations[0].type=nats', `destinations[0].servers=nats://127.0.0.1:${port}`), { metrics: new Metrics(), log: () => undefined });
    for (let i = 0; i < 200; i++) out.write(testAlert(i));
    await waitFor(() => got.length >= 200, 10_000, '200 messages');
    await out.close();
    await nc.close();
    assert.equal(got[0]!.subject, 'falco.warning.read_sensitive_file');
    assert.deepEqual(got.map((g) => g.n), [...Array(200).keys()]);
    assert.equal(new Set(got.map((g) => g.uuid)).size, 200);
  } finally {
    await stop(server);
  }
});

test('prometheus-alertmanager shows the alerts in its API', { skip: missing('prometheus-alertmanager', 'prometheus-alertmanager') }, async () => {
  const dir = tmp();
  const port = await freePort();
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n');
  const am = spawn('prometheus-alertmanager', [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 15_000, 'alertmanager ready');
    const out = createOutputs(testConfig('destinations[0].name=am', 'destinations[0].type=alertmanager', `destinations[0].url=${url}`), { metrics: new Metrics(), log: () => undefined });
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < 3; i++) out.write(testAlert(i, { ts: now, rule: `Rule ${i}`, outputFields: { 'proc.name': `p${i}` } }));
    type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } };
    let alerts: AmAlert[] = [];
    await waitFor(async () => {
      alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as AmAlert[];
      return alerts.length === 3;
    }, 10_000, 'three alerts in alertmanager');
    await out.close();
    const names = alerts.map((a) => a.labels.alertname).sort();
    assert.deepEqual(names, ['Rule 0', 'Rule 1', 'Rule 2']);
    const a0 = alerts.find((a) => a.labels.alertname === 'Rule 0')!;
    assert.equal(a0.labels.proc_name, 'p0');
    assert.equal(a0.labels.priority, 'Warning');
    assert.equal(a0.status.state, 'active');
    assert.match(a0.annotations.description!, /Sensitive file opened/);
  } finally {
    await stop(am);
  }
});

test('Kafka: kcat starts librdkafka\'s mock cluster; kafkajs produces each alert, kcat\'s consumer reads it back', { skip: missing('kcat', 'kcat') }, async () => {
  // kcat's consumer runs the mock cluster in-process and prints its bootstrap address (-d mock)
  const kcat = spawn('kcat', ['-C', '-b', '127.0.0.1:1', '-t', 'alerts', '-X', 'test.mock.num.brokers=1', '-d', 'mock', '-o', 'beginning', '-u', '-E', '-f', '%k\t%s\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let outText = '';
  kcat.stderr.on('data', (d: Buffer) => (err += d.toString()));
  kcat.stdout.on('data', (d: Buffer) => (outText += d.toString()));
  try {
    await waitFor(() => /bootstrap\.servers=(\S+)/.test(err), 10_000, 'mock cluster address');
    const brokers = /bootstrap\.servers=(\S+)/.exec(err)![1]!;
    const out = createOutputs(testConfig('kafka_output.enabled=true', `kafka_output.brokers[]=${brokers}`, 'kafka_output.topic=alerts', 'kafka_output.retry.initial_delay=100'),
      { metrics: new Metrics(), log: () => undefined });
    for (let i = 0; i < 50; i++) out.write(testAlert(i));
    await waitFor(() => outText.split('\n').filter((l) => l.includes('\t{')).length >= 50, 30_000, 'kcat read 50 alerts');
    await out.close();
    const lines = outText.split('\n').filter((l) => l.includes('\t{'));
    const alerts = lines.map((l) => ({ key: l.split('\t')[0], a: JSON.parse(l.slice(l.indexOf('\t') + 1)) as { uuid: string; output_fields: { n: number } } }));
    assert.equal(alerts[0]!.key, 'Read sensitive file');
    assert.deepEqual(alerts.map((x) => x.a.output_fields.n).sort((a, b) => a - b), [...Array(50).keys()]);
    assert.equal(new Set(alerts.map((x) => x.a.uuid)).size, 50);
  } finally {
    await stop(kcat);
  }
});

test('SMTP: one mail per alert — envelope, subject, the alert id header, the JSON alert attached', async () => {
  const received: string[] = [];
  const server = createNetServer((sock) => {
    let data = false;
    let buf = '';
    sock.write('220 test ESMTP\r\n');
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        received.push(line);
        if (data) {
          if (line === '.') {
            data = false;
            sock.write('250 queued\r\n');
          }
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO') sock.write('250-test\r\n250 8BITMIME\r\n');
        else if (cmd === 'DATA') {
          data = true;
          sock.write('354 go\r\n');
        } else if (cmd === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const out = createOutputs(testConfig('destinations[0].name=mail', 'destinations[0].type=smtp', 'destinations[0].host=127.0.0.1', `destinations[0].port=${port}`,
    'destinations[0].from=saker@example.org', 'destinations[0].to=soc@example.org'), { metrics: new Metrics(), log: () => undefined });
  out.write(testAlert(1));
  await waitFor(() => received.includes('.'), 10_000, 'a mail');
  await out.close();
  server.close();
  const text = received.join('\n');
  assert.match(text, /^MAIL FROM:<saker@example.org>/m);
  assert.match(text, /^RCPT TO:<soc@example.org>/m);
  assert.match(text, /^Subject: \[Warning\] Read sensitive file$/m);
  assert.match(text, /^X-Saker-Alert-Id: [0-9a-f-]{36}$/im);
  assert.match(text, /filename=alert\.json/);
});
