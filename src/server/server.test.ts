import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SakerServer } from './server.js';
import { webserverSettings, type WebserverSettings } from './settings.js';
import { TestAgent } from './test-agent.js';

async function started(t: TestContext, raw: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  const agent = new TestAgent();
  const ws: WebserverSettings = { ...webserverSettings({ ...raw, webserver: { listen_port: 0, ...(raw.webserver as object) } }, env) };
  const uiDir = mkdtempSync(join(tmpdir(), 'saker-ui-'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Saker</title>');
  const server = new SakerServer(agent, ws, { uiDir });
  const addr = await server.start();
  t.after(async () => {
    await server.stop();
    rmSync(uiDir, { recursive: true, force: true });
  });
  return { agent, server, base: `http://127.0.0.1:${addr.port}` };
}

test('healthz: 503 before capture is live, 200 {"status":"ok"} while running, 503 once the sensor died', async (t) => {
  const { agent, base } = await started(t);
  let r = await fetch(`${base}/healthz`);
  assert.equal(r.status, 503);
  agent.status_.phase = 'running';
  r = await fetch(`${base}/healthz`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
  agent.status_.sensor = { attach: 'tp_btf', syscalls: 40, alive: false };
  r = await fetch(`${base}/healthz`);
  assert.equal(r.status, 503);
  assert.deepEqual(await r.json(), { status: 'sensor stopped' });
});

test('the health endpoint follows webserver.k8s_healthz_endpoint', async (t) => {
  const { agent, base } = await started(t, { webserver: { k8s_healthz_endpoint: '/live' } });
  agent.status_.phase = 'running';
  assert.equal((await fetch(`${base}/live`)).status, 200);
  assert.equal((await fetch(`${base}/healthz`)).status, 404);
});

test('/versions has the keys falcoctl reads', async (t) => {
  const { base } = await started(t);
  const v = (await (await fetch(`${base}/versions`)).json()) as Record<string, unknown>;
  assert.match(String(v.engine_version_semver), /^0\.\d+\.\d+$/);
  assert.equal(v.engine_version, String(v.engine_version_semver).split('.')[1]);
  assert.deepEqual(v.plugin_versions, {});
  assert.match(String(v.saker_version), /^\d+\.\d+\.\d+/);
});

test('/metrics only with prometheus_metrics_enabled and metrics.enabled, then Prometheus text that moves', async (t) => {
  const off = await started(t, { webserver: { prometheus_metrics_enabled: true } });
  assert.equal((await fetch(`${off.base}/metrics`)).status, 404);
  const { agent, base } = await started(t, { webserver: { prometheus_metrics_enabled: true }, metrics: { enabled: true } });
  agent.raise('Read sensitive file');
  const r = await fetch(`${base}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  assert.match(text, /^falcosecurity_scap_n_evts_total 1$/m);
  assert.match(text, /^falcosecurity_falco_rules_matches_total\{rule_name="Read sensitive file",priority="4",source="syscall"\} 1$/m);
});

test('/api/alerts filters and pages; /api/alerts/:id gives every field; bad parameters are 400', async (t) => {
  const { agent, base } = await started(t);
  agent.raise('Read sensitive file', { 'proc.name': 'cat', 'container.id': 'host', 'container.name': 'host' }, 4);
  agent.raise('Shell in container', { 'proc.name': 'sh', 'container.id': '0123456789abcdef', 'container.name': 'web', 'k8s.pod.name': 'web-0' }, 5);
  agent.raise('Read sensitive file', { 'proc.name': '<script>', 'container.id': 'host' }, 4);
  const get = async (q: string) => (await (await fetch(`${base}/api/alerts${q}`)).json()) as { total: number; items: Array<{ id: number; rule: string; output_fields: Record<string, unknown> }> };
  assert.equal((await get('')).total, 3);
  assert.deepEqual((await get('?rule=Shell%20in%20container')).items.map((a) => a.id), [2]);
  assert.deepEqual((await get('?priority=warning')).items.map((a) => a.id), [3, 1]);
  assert.deepEqual((await get('?container=web')).items.map((a) => a.id), [2]);
  assert.deepEqual((await get('?pod=web-0')).items.map((a) => a.id), [2]);
  assert.deepEqual((await get('?tag=shell')).items.map((a) => a.id), [2]);
  assert.deepEqual((await get('?text=script')).items.map((a) => a.id), [3]);
  assert.deepEqual((await get('?limit=1&offset=1')).items.map((a) => a.id), [2]);
  const one = (await (await fetch(`${base}/api/alerts/3`)).json()) as { output_fields: Record<string, unknown>; priority: string; time: string; ts: string };
  assert.equal(one.output_fields['proc.name'], '<script>');
  assert.equal(typeof one.output_fields['evt.time'], 'string', 'ns timestamps travel as exact decimal strings');
  assert.equal(one.priority, 'Warning');
  assert.match(one.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.equal((await fetch(`${base}/api/alerts/99`)).status, 404);
  const bad = await fetch(`${base}/api/alerts?priority=loud`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /priority.*loud/);
  assert.equal((await fetch(`${base}/api/alerts?limit=-1`)).status, 400);
});

test('/api/counts, /api/rules with hit counts, /api/status, /api/policies, POST /api/reload', async (t) => {
  const { agent, base } = await started(t);
  agent.raise('Read sensitive file', {}, 4);
  agent.raise('Read sensitive file', {}, 4);
  agent.raise('Shell in container', {}, 2);
  const counts = (await (await fetch(`${base}/api/counts?span=60&step=10`)).json()) as { step: number; series: Record<string, number[]> };
  assert.equal(counts.step, 10);
  assert.equal(counts.series.Warning!.reduce((a, b) => a + b, 0), 2);
  assert.equal(counts.series.Critical!.reduce((a, b) => a + b, 0), 1);
  const rules = (await (await fetch(`${base}/api/rules`)).json()) as Array<{ name: string; hits: number }>;
  assert.equal(rules.find((r) => r.name === 'Read sensitive file')?.hits, 2);
  const status = (await (await fetch(`${base}/api/status`)).json()) as { alerts: number; server: { alertsStored: number } };
  assert.equal(status.alerts, 3);
  assert.equal(status.server.alertsStored, 3);
  assert.deepEqual(await (await fetch(`${base}/api/policies`)).json(), []);
  agent.reloadResult = { at: 0, ok: false, error: 'rules.yaml:3:5: bad', enabledRules: 2 };
  const rl = (await (await fetch(`${base}/api/reload`, { method: 'POST' })).json()) as { ok: boolean; error: string };
  assert.deepEqual([rl.ok, rl.error], [false, 'rules.yaml:3:5: bad']);
  assert.equal((await fetch(`${base}/api/alerts`, { method: 'DELETE' })).status, 405);
});

test('the live stream delivers each alert as a server-sent event', async (t) => {
  const { agent, base } = await started(t);
  const ac = new AbortController();
  t.after(() => ac.abort());
  const r = await fetch(`${base}/api/stream`, { signal: ac.signal });
  assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = r.body!.getReader();
  await reader.read(); // the retry: line
  agent.raise('Shell in container', { 'proc.name': 'sh' }, 5);
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  const m = /^event: alert\nid: 1\ndata: (.*)$/m.exec(text);
  assert.ok(m, text);
  assert.equal((JSON.parse(m[1]!) as { rule: string }).rule, 'Shell in container');
});

test('bound off loopback, the API and UI need the bearer token; health and versions do not', async (t) => {
  const { agent, base } = await started(t, { webserver: { listen_address: '0.0.0.0', api_token: 's3cret' } });
  agent.status_.phase = 'running';
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/versions`)).status, 200);
  const none = await fetch(`${base}/api/alerts`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="saker"');
  assert.equal((await fetch(`${base}/api/alerts`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await fetch(`${base}/`)).status, 401);
  assert.equal((await fetch(`${base}/api/stream`)).status, 401);
  assert.equal((await fetch(`${base}/api/alerts`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
  // The UI signs in with ?token= once: a cookie, then the page.
  const signin = await fetch(`${base}/?token=s3cret`, { redirect: 'manual' });
  assert.equal(signin.status, 303);
  const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
  assert.match(signin.headers.get('set-cookie')!, /HttpOnly; SameSite=Strict/);
  assert.equal((await fetch(`${base}/?token=wrong`, { redirect: 'manual' })).status, 401);
  const page = await fetch(`${base}/`, { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
});

test('bound off loopback with no token configured, the API refuses everyone', async (t) => {
  const { base } = await started(t, { webserver: { listen_address: '0.0.0.0' } });
  const r = await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer anything' } });
  assert.equal(r.status, 401);
  assert.match(((await r.json()) as { error: string }).error, /api_token/);
});

test('SAKER_API_TOKEN supplies the token', () => {
  assert.equal(webserverSettings({}, { SAKER_API_TOKEN: 'x' }).apiToken, 'x');
  assert.equal(webserverSettings({}, {}).listenAddress, '127.0.0.1');
  assert.throws(() => webserverSettings({ webserver: { listen_port: 'http' } }), /webserver\.listen_port.*integer/);
});

test('ssl_enabled serves HTTPS with the key and certificate of ssl_certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pem = join(dir, 'saker.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { encoding: 'utf8' });
  if (made.status !== 0) {
    t.skip(`openssl cannot make a test certificate: ${made.stderr || made.error?.message}`);
    return;
  }
  spawnSync('sh', ['-c', `cat ${dir}/k ${dir}/c > ${pem}`]);
  const { agent, server } = await started(t, { webserver: { ssl_enabled: true, ssl_certificate: pem } });
  agent.status_.phase = 'running';
  const port = (server as unknown as { server: { address(): { port: number } } }).server.address().port;
  const body = await new Promise<string>((resolve, reject) => {
    httpsRequest({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
      let s = '';
      res.on('data', (d: Buffer) => (s += d.toString()));
      res.on('end', () => resolve(s));
    }).on('error', reject).end();
  });
  assert.deepEqual(JSON.parse(body), { status: 'ok' });
  assert.throws(() => new SakerServer(agent, webserverSettings({ webserver: { ssl_enabled: true, ssl_certificate: join(dir, 'none.pem') } })), /ssl_certificate: cannot read/);
});
