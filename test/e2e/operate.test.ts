// Operating the real agent (`saker run`, live eBPF): its web server's health and API with real
// alerts, a real Prometheus scraping /metrics, reloads of an edited or broken rules file under a
// running agent, the token off loopback, and the web UI in Debian's chromium catching a real
// alert within a second of its trigger.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { artifactDir, browserMissing, launchChromium } from '../../src/testing/browser.js';
import { Agent, sleep } from './helpers/agent.js';
import { agentMissing, which } from './helpers/env.js';
import { runCommand, scratchDir } from './helpers/triggers.js';
import { freePort, getJson, until } from './helpers/web.js';

async function webAgent(t: TestContext, options: string[] = [], rules?: string[]): Promise<{ agent: Agent; base: string; port: number }> {
  const port = await freePort();
  const agent = await Agent.start({ rules, options: [`webserver.listen_port=${port}`, ...options] });
  t.after(() => agent.kill());
  return { agent, base: `http://127.0.0.1:${port}`, port };
}

interface Page {
  total: number;
  items: Array<{ id: number; rule: string; output_fields: Record<string, unknown> }>;
}

test('the live agent serves /healthz, /versions and its alerts through the API', async (t) => {
  const missing = agentMissing();
  if (missing) return t.skip(missing);
  const { agent, base } = await webAgent(t);
  const h = await fetch(`${base}/healthz`);
  assert.equal(h.status, 200, 'capture is live once the agent said ready');
  assert.deepEqual(await h.json(), { status: 'ok' });
  assert.match((await getJson<{ engine_version_semver: string }>(`${base}/versions`)).engine_version_semver, /^0\.\d+\.0$/);
  const r = runCommand('cat', ['/etc/shadow']);
  await agent.waitForRule('Read of sensitive file', (f) => f['proc.pid'] === r.pid);
  const page = await until(() => getJson<Page>(`${base}/api/alerts?rule=Read%20of%20sensitive%20file`), (p) => p.items.some((a) => a.output_fields['proc.pid'] === r.pid), 'the alert in /api/alerts');
  const id = page.items.find((a) => a.output_fields['proc.pid'] === r.pid)!.id;
  const one = await getJson<{ output_fields: Record<string, unknown> }>(`${base}/api/alerts/${id}`);
  assert.equal(one.output_fields['fd.name'], '/etc/shadow');
  const rules = await getJson<Array<{ name: string; hits: number }>>(`${base}/api/rules`);
  assert.ok(rules.find((x) => x.name === 'Read of sensitive file')!.hits >= 1);
  const status = await getJson<{ phase: string; sensor: { alive: boolean }; events: number }>(`${base}/api/status`);
  assert.equal(status.phase, 'running');
  assert.equal(status.sensor.alive, true);
  assert.ok(status.events > 0);
  await agent.stop();
});

test('bound off loopback, the live agent refuses API requests without its token', async (t) => {
  const missing = agentMissing();
  if (missing) return t.skip(missing);
  const { base } = await webAgent(t, ['webserver.listen_address=0.0.0.0', 'webserver.api_token=e2e-token']);
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'probes need no token');
  assert.equal((await fetch(`${base}/api/alerts`)).status, 401);
  assert.equal((await fetch(`${base}/`)).status, 401);
  assert.equal((await fetch(`${base}/api/alerts`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await fetch(`${base}/api/alerts`, { headers: { authorization: 'Bearer e2e-token' } })).status, 200);
});

test('a real Prometheus scrapes /metrics and sees the event and match counters move', async (t) => {
  const missing = agentMissing() ?? (which('prometheus') ? undefined : "needs Debian's prometheus (scripts/setup.sh installs it)");
  if (missing) return t.skip(missing);
  const { port } = await webAgent(t, ['metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true']);
  const promPort = await freePort();
  const dir = mkdtempSync('/tmp/saker-prom-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: saker\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
  t.after(() => prom.kill('SIGKILL'));
  const query = async (q: string): Promise<number | undefined> => {
    const r = await getJson<{ data: { result: Array<{ value: [number, string] }> } }>(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
    return r.data.result.length ? r.data.result.reduce((s, x) => s + Number(x.value[1]), 0) : undefined;
  };
  const evts0 = await until(() => query('falcosecurity_scap_n_evts_total{job="saker"}'), (v) => v !== undefined, 'Prometheus has scraped the agent', 30_000);
  const matches = 'sum(falcosecurity_falco_rules_matches_total{job="saker",rule_name="Read of sensitive file",priority="4"})';
  const before = (await query(matches)) ?? 0;
  for (let i = 0; i < 3; i++) runCommand('cat', ['/etc/shadow']);
  const after = await until(() => query(matches), (v) => (v ?? 0) >= before + 3, 'the match counter in Prometheus', 15_000);
  const evts1 = await until(() => query('falcosecurity_scap_n_evts_total{job="saker"}'), (v) => (v ?? 0) > evts0!, 'the event counter in Prometheus');
  t.diagnostic(`Prometheus saw events ${evts0} -> ${evts1}, matches ${before} -> ${after}`);
  // Falco's per-CPU kernel counters, one series per CPU with a ring (read with the sensor's stats).
  const perCpu = await until(async () => (await getJson<{ data: { result: Array<{ metric: { cpu: string }; value: [number, string] }> } }>(
    `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('falcosecurity_scap_n_evts_cpu_total{job="saker"}')}`)).data.result,
  (r) => r.length >= cpus().length && r.some((x) => Number(x.value[1]) > 0), 'the per-CPU event counters', 20_000);
  const seen = new Set(perCpu.map((x) => x.metric.cpu));
  assert.ok(cpus().every((_, i) => seen.has(String(i))), `a series per online CPU: ${[...seen].join(', ')}`);
  const up = await query('up{job="saker"}');
  assert.equal(up, 1);
});

const RULE_A = `- rule: Marker A opened
  desc: test
  condition: evt.type in (open, openat, openat2) and fd.name endswith /marker-a
  output: marker a (file=%fd.name)
  priority: WARNING
`;
const RULE_B = `- rule: Marker B opened
  desc: test
  condition: evt.type in (open, openat, openat2) and fd.name endswith /marker-b
  output: marker b (file=%fd.name)
  priority: WARNING
`;

test('a rules file edited under the running agent takes effect by itself; a broken one is rejected, the old rules keep firing, and the error shows in log, metrics and API', async (t) => {
  const missing = agentMissing();
  if (missing) return t.skip(missing);
  const s = scratchDir('reload');
  t.after(s.cleanup);
  const rules = join(s.dir, 'rules.yaml');
  writeFileSync(rules, RULE_A);
  writeFileSync(join(s.dir, 'marker-a'), 'a');
  writeFileSync(join(s.dir, 'marker-b'), 'b');
  const { agent, base } = await webAgent(t, ['metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true'], [rules]);
  runCommand('cat', [join(s.dir, 'marker-a')]);
  await agent.waitForRule('Marker A opened');

  writeFileSync(rules, RULE_A + RULE_B); // no signal: watch_config_files notices
  await until(() => getJson<{ lastReload?: { ok: boolean } }>(`${base}/api/status`), (st) => st.lastReload?.ok === true, 'the reload after the edit');
  const r = runCommand('cat', [join(s.dir, 'marker-b')]);
  await agent.waitForRule('Marker B opened', (f) => f['proc.pid'] === r.pid);
  assert.match(agent.stderr, /rules\.yaml changed: reloading/);

  writeFileSync(rules, `${RULE_A}${RULE_B}- rule: Broken\n  condition: evt.type = open and (\n  output: x\n  priority: WARNING\n  desc: x\n`);
  const failed = await until(() => getJson<{ lastReload?: { ok: boolean; error?: string } }>(`${base}/api/status`), (st) => st.lastReload?.ok === false, 'the failed reload in the API');
  assert.match(failed.lastReload!.error!, /rules\.yaml/);
  await until(async () => agent.stderr, (e) => /reload failed, keeping the previous rules/.test(e), 'the failure in the log');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^saker_reload_failures_total 1$/m);
  const again = runCommand('cat', [join(s.dir, 'marker-b')]);
  await agent.waitForRule('Marker B opened', (f) => f['proc.pid'] === again.pid);
  const b = runCommand('cat', [join(s.dir, 'marker-a')]);
  await agent.waitForRule('Marker A opened', (f) => f['proc.pid'] === b.pid);
  await agent.stop();
});

/** A scratch directory with RULE_A's rules file, its marker, and where a configuration file goes. */
function configScratch(t: TestContext, name: string): { s: ReturnType<typeof scratchDir>; rules: string; cfg: string } {
  const s = scratchDir(name);
  t.after(s.cleanup);
  const rules = join(s.dir, 'rules.yaml');
  writeFileSync(rules, RULE_A);
  writeFileSync(join(s.dir, 'marker-a'), 'a');
  return { s, rules, cfg: join(s.dir, 'saker.yaml') };
}

test('SIGHUP reloads the configuration too: a priority raised in an included configuration file stops a Warning rule', async (t) => {
  const missing = agentMissing();
  if (missing) return t.skip(missing);
  const { s, rules, cfg } = configScratch(t, 'hup');
  writeFileSync(cfg, 'priority: debug\nwatch_config_files: false\n');
  // The configuration comes in through config_files (the e2e helper passes -o, not -c): the
  // included file is re-read on SIGHUP like the main one.
  const { agent: a2, base } = await webAgent(t, [`config_files[]=${cfg}`], [rules]);
  let r = runCommand('cat', [join(s.dir, 'marker-a')]);
  await a2.waitForRule('Marker A opened', (f) => f['proc.pid'] === r.pid);
  writeFileSync(cfg, 'priority: error\nwatch_config_files: false\n');
  process.kill(a2.pid, 'SIGHUP');
  await until(() => getJson<{ lastReload?: { ok: boolean }; enabledRules: number }>(`${base}/api/status`), (st) => st.lastReload?.ok === true && st.enabledRules === 0, 'the reload with priority error');
  r = runCommand('cat', [join(s.dir, 'marker-a')]);
  await sleep(1000);
  assert.equal(a2.matching((x) => x.rule === 'Marker A opened' && x.output_fields['proc.pid'] === r.pid).length, 0, 'a Warning rule is below priority error');
  await a2.stop();
});

test('a changed configuration file is a full reload: file_output moves to the new file, the web server to the new port, the counters go on', async (t) => {
  const missing = agentMissing();
  if (missing) return t.skip(missing);
  const { s, rules, cfg } = configScratch(t, 'reconfig');
  const [fileA, fileB] = [join(s.dir, 'alerts-a.json'), join(s.dir, 'alerts-b.json')];
  const [p1, p2] = [await freePort(), await freePort()];
  const config = (port: number, file: string) => `metrics:\n  enabled: true\nwebserver:\n  listen_port: ${port}\n  prometheus_metrics_enabled: true\nfile_output:\n  enabled: true\n  filename: ${file}\n`;
  writeFileSync(cfg, config(p1, fileA));
  // Included through config_files (the e2e helper passes -o, which would win over the file).
  const agent = await Agent.start({ rules: [rules], options: [`config_files[]=${cfg}`] });
  t.after(() => agent.kill());
  const pidsIn = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { output_fields: Record<string, unknown> }).output_fields['proc.pid']) : []);
  const first = runCommand('cat', [join(s.dir, 'marker-a')]);
  await until(async () => pidsIn(fileA), (p) => p.includes(first.pid), 'the first alert in file A');
  const sentBefore = await until(async () => (await fetch(`http://127.0.0.1:${p1}/metrics`)).text(), (m) => /saker_outputs_sent_total\{destination="file"\} [1-9]/.test(m), 'the file output counted');

  writeFileSync(cfg, config(p2, fileB)); // no signal: watch_config_files notices
  await until(() => getJson<{ lastReload?: { ok: boolean } }>(`http://127.0.0.1:${p2}/api/status`), (st) => st.lastReload?.ok === true, 'the server on the new port after the reload');
  await assert.rejects(fetch(`http://127.0.0.1:${p1}/healthz`), 'the old port is closed');
  const second = runCommand('cat', [join(s.dir, 'marker-a')]);
  await until(async () => pidsIn(fileB), (p) => p.includes(second.pid), 'the next alert in file B');
  assert.ok(!pidsIn(fileA).includes(second.pid), 'file A no longer written');
  assert.match(agent.stderr, /outputs rebuilt for the new configuration/);
  assert.match(agent.stderr, /webserver: settings changed, restarting it/);
  const count = (m: string) => Number(/saker_outputs_sent_total\{destination="file"\} (\d+)/.exec(m)?.[1]);
  const sentAfter = await (await fetch(`http://127.0.0.1:${p2}/metrics`)).text();
  assert.ok(count(sentAfter) > count(sentBefore), `the sent counter went on (${count(sentBefore)} -> ${count(sentAfter)})`);
  await agent.stop();
});

test('web UI against the live agent: an alert appears within a second of its trigger', async (t) => {
  const missing = agentMissing() ?? browserMissing();
  if (missing) return t.skip(missing);
  const { agent, base } = await webAgent(t);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/#rule=Read+of+sensitive+file`);
  await page.getByTestId('live').filter({ hasText: 'live' }).waitFor({ timeout: 5000 });
  const rowsBefore = await page.getByTestId('alert-row').count();
  const started = Date.now();
  const r = runCommand('cat', ['/etc/shadow']);
  await page.locator('[data-testid=alert-row]').nth(rowsBefore).waitFor({ timeout: 1000 });
  const ms = Date.now() - started;
  await page.screenshot({ path: join(artifactDir('web-ui'), 'live-agent.png'), fullPage: true });
  t.diagnostic(`the alert was in the UI ${ms} ms after the trigger`);
  assert.ok(ms < 1000, `shown ${ms} ms after the trigger`);
  assert.ok((await page.getByTestId('alert-rule').allTextContents()).every((x) => x === 'Read of sensitive file'), 'the filter from the URL applies');
  await page.locator('[data-testid=alert-row]').first().click();
  const fieldsShown = await page.getByTestId('detail-field').allTextContents();
  assert.ok(fieldsShown.includes('fd.name/etc/shadow'), JSON.stringify(fieldsShown));
  await agent.waitForRule('Read of sensitive file', (f) => f['proc.pid'] === r.pid);
  await agent.stop();
});
