// The web UI in a real browser (Debian's chromium through playwright-core) against the real
// server and a test AgentHandle: live rows without reload, filters, detail, chart, rules, health,
// and escaping of hostile field values. Screenshots go to test-artifacts/web-ui/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactDir, browserMissing, builtUiDir, launchChromium } from '../testing/browser.js';
import { SakerServer } from './server.js';
import { webserverSettings } from './settings.js';
import { TestAgent } from './test-agent.js';

/** Polls until `read` returns `want` (the page updates asynchronously), else fails saying what it saw. */
async function until<T>(read: () => Promise<T>, want: T, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let got = await read();
  while (got !== want) {
    if (Date.now() > deadline) assert.fail(`${what}: wanted ${String(want)}, saw ${String(got)}`);
    await new Promise((r) => setTimeout(r, 25));
    got = await read();
  }
}

const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

test('web UI: live alerts, filters, detail, chart, rules, health; every field shown as text', async (t) => {
  const missing = browserMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const shots = artifactDir('web-ui');
  const agent = new TestAgent();
  agent.status_.phase = 'running';
  const server = new SakerServer(agent, webserverSettings({ webserver: { listen_port: 0 } }), { uiDir: builtUiDir });
  const { port } = await server.start();
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await server.stop();
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.getByTestId('live').filter({ hasText: 'live' }).waitFor({ timeout: 5000 });

  // An alert raised now shows up without a reload, within a second.
  const raisedAt = Date.now();
  agent.raise('Read sensitive file', { 'proc.name': 'cat', 'fd.name': '/etc/shadow', 'container.id': 'host', 'container.name': 'host' }, 4);
  await page.getByTestId('alert-row').first().waitFor({ timeout: 1000 });
  const latency = Date.now() - raisedAt;
  assert.ok(latency < 1000, `the alert reached the table in ${latency} ms`);

  agent.raise('Shell in container', { 'proc.name': HOSTILE, 'container.id': '0123456789ab', 'container.name': 'web', 'k8s.pod.name': 'web-0' }, 5);
  agent.raise('Read sensitive file', { 'proc.name': 'less', 'fd.name': '/etc/shadow', 'container.id': 'host', 'container.name': 'host' }, 4);
  await until(() => page.getByTestId('alert-row').count(), 3, 'rows');
  await page.screenshot({ path: join(shots, '1-live-table.png'), fullPage: true });

  // Escaping: the hostile process name is text in the cell, never markup.
  const procCells = await page.getByTestId('alert-proc').allTextContents();
  assert.ok(procCells.includes(HOSTILE), `the process name shows as written: ${JSON.stringify(procCells)}`);
  assert.equal(await page.evaluate('window.__pwned'), undefined, 'no injected script or handler ran');
  assert.equal(await page.locator('main img').count(), 0, 'no injected element');

  // Filters: by rule, by text, by container; cleared.
  await page.getByTestId('filter-rule').selectOption('Shell in container');
  await until(() => page.getByTestId('alert-row').count(), 1, 'rows');
  assert.deepEqual(await page.getByTestId('alert-rule').allTextContents(), ['Shell in container']);
  await page.getByTestId('filter-clear').click();
  await page.getByTestId('filter-text').fill('less');
  await page.getByTestId('filter-text').press('Enter');
  await until(() => page.getByTestId('alert-row').count(), 1, 'rows');
  assert.deepEqual(await page.getByTestId('alert-proc').allTextContents(), ['less']);
  await page.getByTestId('filter-clear').click();
  await page.getByTestId('filter-container').fill('web');
  await page.getByTestId('filter-container').press('Enter');
  await until(() => page.getByTestId('alert-row').count(), 1, 'rows');
  await page.getByTestId('filter-priority').selectOption('Warning');
  await until(() => page.getByTestId('alert-row').count(), 0, 'rows');
  assert.match(page.url(), /container=web/, 'filters live in the URL');
  await page.getByTestId('filter-clear').click();
  await until(() => page.getByTestId('alert-row').count(), 3, 'rows');

  // Detail: every output field of the alert, the hostile one as text.
  await page.locator('[data-testid=alert-row][data-id="2"]').click();
  const detail = page.getByTestId('alert-detail');
  await detail.waitFor();
  const fieldRows = await detail.getByTestId('detail-field').allTextContents();
  assert.equal(fieldRows.length, 5, `evt.time and the 4 fields raised: ${JSON.stringify(fieldRows)}`);
  assert.ok(fieldRows.some((r) => r === `proc.name${HOSTILE}`), JSON.stringify(fieldRows));
  assert.ok(fieldRows.some((r) => r === 'k8s.pod.nameweb-0'));
  await page.screenshot({ path: join(shots, '2-detail.png'), fullPage: true });
  await detail.getByRole('button', { name: 'close' }).click();

  // Chart: uPlot drew a canvas and the per-priority totals match what was raised.
  await until(async () => /Warning: 2/.test((await page.getByTestId('counts-totals').textContent()) ?? ''), true, 'chart totals', 5000);
  assert.match((await page.getByTestId('counts-totals').textContent()) ?? '', /Notice: 1/);
  assert.equal(await page.getByTestId('counts-chart').locator('canvas').count(), 1);

  // Rules with hit counts, policies, health.
  await page.getByTestId('tab-rules').click();
  // The UI polls /api/rules: the hits show at its next poll after the alerts.
  await until(async () => /^Read sensitive file.*2$/.test((await page.getByTestId('rule-row').allTextContents())[0] ?? ''), true, 'the rule\'s hits', 5000);
  await page.screenshot({ path: join(shots, '3-rules.png'), fullPage: true });
  await page.getByTestId('tab-policies').click();
  await page.getByTestId('no-policies').waitFor();
  agent.status_.drops = 7;
  agent.status_.lastReload = { at: Date.now(), ok: false, error: 'rules.yaml:3:5: <b>bad</b>', enabledRules: 2 };
  await page.getByTestId('tab-health').click();
  await until(() => page.getByTestId('health-drops').textContent(), '7', 'drops on the health tab', 5000);
  assert.match((await page.getByTestId('health-reload').textContent()) ?? '', /failed: rules\.yaml:3:5: <b>bad<\/b>/);
  await page.screenshot({ path: join(shots, '4-health.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no page errors or dialogs');
});
