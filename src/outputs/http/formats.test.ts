// Each HTTP destination against a loopback receiver that checks the request as the destination's
// published API describes it (paths, headers, body shape and limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Metrics } from '../../metrics/index.js';
import { createOutputs } from '../index.js';
import { Receiver, testAlert, testConfig, waitFor, type Recorded } from '../test-support.js';

async function deliver(type: string, extra: string[], n = 1, mutate?: (rx: Receiver) => void): Promise<Recorded[]> {
  const rx = await new Receiver().start();
  mutate?.(rx);
  const out = createOutputs(testConfig('destinations[0].name=d', `destinations[0].type=${type}`, `destinations[0].url=${rx.url}/`, ...extra.map((e) => `destinations[0].${e}`)),
    { metrics: new Metrics(), log: () => undefined });
  for (let i = 0; i < n; i++) out.write(testAlert(i));
  await waitFor(() => rx.requests.length > 0, 5000, `a request to ${type}`);
  await out.close();
  await rx.stop();
  return rx.requests;
}

const json = (r: Recorded) => JSON.parse(r.body) as Record<string, unknown>;

test('Falcosidekick: POST / with the Falco JSON alert passing its Check() (priority, rule, time, output_fields) and a uuid', async () => {
  const [r] = await deliver('falcosidekick', []);
  assert.equal(r!.method, 'POST');
  assert.equal(r!.url, '/');
  assert.equal(r!.headers['content-type'], 'application/json');
  const a = json(r!);
  assert.ok(a.priority && a.rule && a.time && Object.keys(a.output_fields as object).length > 0);
  assert.match(String(a.uuid), /^[0-9a-f-]{36}$/);
  assert.equal(a.priority, 'Warning');
  assert.deepEqual(a.tags, ['filesystem', 'mitre_credential_access']);
  assert.match(r!.body, /"evt.time":1765000000000000000/, 'nanosecond time as an exact integer');
});

test('generic webhook: custom headers, PUT, gzip', async () => {
  const [r] = await deliver('webhook', ['headers.X-Token=s3cret', 'method=PUT', 'compress=true']);
  assert.equal(r!.method, 'PUT');
  assert.equal(r!.headers['x-token'], 's3cret');
  assert.equal(r!.headers['content-encoding'], 'gzip');
  assert.equal(json(r!).rule, 'Read sensitive file');
});

test('Slack incoming webhook: text and attachments with fields; message template', async () => {
  const [r] = await deliver('slack', ['message={{priority}}: {{rule}} by {{output_fields.proc.name}}']);
  const b = json(r!) as { text: string; attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> };
  assert.equal(b.text, 'Warning: Read sensitive file by cat');
  assert.match(b.attachments[0]!.color, /^#[0-9a-f]{6}$/);
  assert.ok(b.attachments[0]!.fields.some((f) => f.title === 'fd.name' && f.value === '/etc/shadow'));
});

test('Teams MessageCard, Discord content/embeds within limits, Google Chat text', async () => {
  const teams = json((await deliver('teams', []))[0]!);
  assert.equal(teams['@type'], 'MessageCard');
  assert.equal(teams['@context'], 'https://schema.org/extensions');
  assert.match(String(teams.themeColor), /^[0-9a-f]{6}$/);
  const discord = json((await deliver('discord', [`message=${'x'.repeat(3000)}`]))[0]!) as { content: string; embeds: Array<{ color: number; fields: unknown[] }> };
  assert.equal(discord.content.length, 2000);
  assert.equal(typeof discord.embeds[0]!.color, 'number');
  assert.ok(discord.embeds[0]!.fields.length <= 25);
  const chat = json((await deliver('googlechat', []))[0]!);
  assert.deepEqual(Object.keys(chat), ['text']);
});

test('Alertmanager v2: POST /api/v2/alerts with an array of {labels, annotations, startsAt, endsAt}', async () => {
  const [r] = await deliver('alertmanager', ['expires_after=5m'], 3);
  assert.equal(r!.url, '/api/v2/alerts');
  const alerts = JSON.parse(r!.body) as Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }>;
  assert.ok(alerts.length >= 1);
  const a = alerts[0]!;
  assert.equal(a.labels.alertname, 'Read sensitive file');
  for (const k of Object.keys(a.labels)) assert.match(k, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  for (const v of Object.values(a.labels)) assert.equal(typeof v, 'string');
  assert.equal(a.labels.proc_name, 'cat');
  assert.equal(Date.parse(a.endsAt) - Date.parse(a.startsAt), 300_000);
});

test('Loki push: POST /loki/api/v1/push, streams of [ns string, line], tenant header', async () => {
  const [r] = await deliver('loki', ['labels.env=prod', 'tenant=team-a'], 3);
  assert.equal(r!.url, '/loki/api/v1/push');
  assert.equal(r!.headers['x-scope-orgid'], 'team-a');
  const b = json(r!) as { streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
  const s = b.streams[0]!;
  assert.equal(s.stream.env, 'prod');
  assert.equal(s.stream.rule, 'Read sensitive file');
  assert.match(s.values[0]![0], /^\d{19}$/);
  assert.equal((JSON.parse(s.values[0]![1]) as { rule: string }).rule, 'Read sensitive file');
});

test('Elasticsearch bulk: NDJSON create actions into the day index with the uuid as _id; item errors are read', async () => {
  const [r] = await deliver('elasticsearch', ['index=falco', 'username=u', 'password=p'], 2);
  assert.equal(r!.url, '/_bulk');
  assert.equal(r!.headers['content-type'], 'application/x-ndjson');
  assert.equal(r!.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  const lines = r!.body.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, string>>);
  assert.ok(r!.body.endsWith('\n'));
  const action = lines[0]!.create!;
  assert.equal(action._index, 'falco-2025.12.06');
  assert.match(action._id!, /^[0-9a-f-]{36}$/);
  assert.equal(lines[1]!['@timestamp'], '2025-12-06T05:46:40.000000000Z');

  // a 200 whose items failed with 429 is retried
  let first = true;
  const got = await deliver('opensearch', ['retry.initial_delay=10'], 1, (rx) => {
    rx.respond = () => {
      if (!first) return { status: 200, body: '{"errors":false,"items":[]}' };
      first = false;
      return { status: 200, body: '{"errors":true,"items":[{"create":{"status":429,"error":{"reason":"busy"}}}]}' };
    };
  });
  assert.equal(got.length, 2, 'the request with a failed item was sent again');
});

test('Splunk HEC: /services/collector/event, Authorization: Splunk <token>, {time, host, sourcetype, event}', async () => {
  const [r] = await deliver('splunk', ['token=abc-123', 'sourcetype=falco:alert'], 2);
  assert.equal(r!.url, '/services/collector/event');
  assert.equal(r!.headers.authorization, 'Splunk abc-123');
  const events = r!.body.split('\n').map((l) => JSON.parse(l) as { time: number; host: string; sourcetype: string; event: { rule: string } });
  assert.equal(events[0]!.sourcetype, 'falco:alert');
  assert.equal(events[0]!.host, 'node-1');
  assert.equal(events[0]!.event.rule, 'Read sensitive file');
  assert.ok(Math.abs(events[0]!.time - 1765000000) < 1);
});

test('PagerDuty Events v2: trigger with routing_key, dedup_key, payload {summary, source, severity, timestamp}', async () => {
  const [r] = await deliver('pagerduty', ['routing_key=R0UTING']);
  const b = json(r!) as { routing_key: string; event_action: string; dedup_key: string; payload: Record<string, unknown> };
  assert.equal(b.routing_key, 'R0UTING');
  assert.equal(b.event_action, 'trigger');
  assert.match(b.dedup_key, /^[0-9a-f-]{36}$/);
  assert.equal(b.payload.severity, 'warning');
  assert.equal(b.payload.source, 'node-1');
  assert.ok(String(b.payload.summary).length <= 1024);
  assert.equal(b.payload.timestamp, '2025-12-06T05:46:40.000000000Z');
});

test("Falco's http_output: the text line as text/plain, Falco's user agent; JSON with json_output", async () => {
  const rx = await new Receiver().start();
  const out = createOutputs(testConfig('http_output.enabled=true', `http_output.url=${rx.url}/in`), { metrics: new Metrics(), log: () => undefined });
  out.write(testAlert(7));
  await waitFor(() => rx.requests.length === 1, 5000, 'http_output request');
  await out.close();
  assert.equal(rx.requests[0]!.headers['content-type'], 'text/plain');
  assert.equal(rx.requests[0]!.headers['user-agent'], 'falcosecurity/falco');
  assert.equal(rx.requests[0]!.body, testAlert(7).output);
  await rx.stop();
});

test('generic webhook over mTLS: the server checks the client certificate, the client the server\'s CA', { skip: spawnSync('openssl', ['version']).status !== 0 ? 'openssl not installed' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-mtls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? 'localhost' : 'saker'}`);
    writeFileSync(join(dir, `${who}.ext`), who === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' : 'extendedKeyUsage=clientAuth\n');
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '1', '-extfile', `${who}.ext`);
  }
  const seen: string[] = [];
  const server = createHttpsServer({
    key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')), ca: readFileSync(join(dir, 'ca.pem')),
    requestCert: true, rejectUnauthorized: true,
  }, (req, res) => {
    seen.push((req.socket as TLSSocket).getPeerCertificate().subject.CN as string);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const tls = [`destinations[0].tls.ca_cert=${dir}/ca.pem`, `destinations[0].tls.client_cert=${dir}/client.pem`, `destinations[0].tls.client_key=${dir}/client.key`];
  const metrics = new Metrics();
  const out = createOutputs(testConfig('destinations[0].name=m', 'destinations[0].type=webhook', `destinations[0].url=${url}`, ...tls,
    'destinations[1].name=nocert', 'destinations[1].type=webhook', `destinations[1].url=${url}`, `destinations[1].tls.ca_cert=${dir}/ca.pem`, 'destinations[1].retry.initial_delay=20'),
  { metrics, log: () => undefined });
  out.write(testAlert(1));
  await waitFor(() => seen.length === 1, 10_000, 'an mTLS request');
  await waitFor(async () => (await metrics.value('saker_outputs_retries_total')) > 0, 10_000, 'the request without a client certificate refused');
  await out.close();
  server.close();
  assert.deepEqual(seen, ['saker']);
  assert.equal((await metrics.samples('saker_outputs_sent_total')).find((s) => s.labels.destination === 'nocert')?.value, 0);
});
