// A configuration reload rebuilds the outputs only when their configuration changed, hands the
// alerts raised meanwhile to the new ones, keeps the counters monotonic, and keeps the old
// outputs when a new destination cannot be built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '../metrics/index.js';
import { createOutputs } from './index.js';
import { testAlert, testConfig, waitFor } from './test-support.js';

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').length : 0);

test('reconfigure: same outputs keep running; changed ones are rebuilt, the counters carried over; a bad one keeps the old', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-reconfigure-'));
  const a = join(dir, 'a.log');
  const b = join(dir, 'b.log');
  const fileTo = (f: string) => testConfig('file_output.enabled=true', `file_output.filename=${f}`, 'json_output=true');
  const metrics = new Metrics();
  const logs: string[] = [];
  const out = createOutputs(fileTo(a), { metrics, log: (m) => logs.push(m) });
  for (let i = 0; i < 10; i++) out.write(testAlert(i));
  assert.equal(await out.reconfigure(fileTo(a)), false, 'nothing changed: nothing rebuilt');

  // Alerts written while the swap runs go to the new file, none lost.
  const swapping = out.reconfigure(fileTo(b));
  for (let i = 10; i < 15; i++) out.write(testAlert(i));
  assert.equal(await swapping, true);
  for (let i = 15; i < 20; i++) out.write(testAlert(i));
  await waitFor(() => lines(b) === 10, 5000, 'ten alerts in the new file');
  assert.equal(lines(a), 10, 'the old file got what came before the reload');
  assert.equal(await metrics.value('saker_outputs_sent_total'), 20, 'the counter carries the closed channel');

  const missingCa = testConfig('file_output.enabled=true', `file_output.filename=${b}`, 'json_output=true',
    'destinations[0].name=hook', 'destinations[0].type=webhook', 'destinations[0].url=https://127.0.0.1:9/', `destinations[0].tls.ca_cert=${dir}/missing.pem`);
  await assert.rejects(out.reconfigure(missingCa), /output hook: ca_cert .*missing\.pem: ENOENT/);
  out.write(testAlert(20));
  await waitFor(() => lines(b) === 11, 5000, 'the previous outputs run on');
  await out.close();
  assert.equal(await metrics.value('saker_outputs_sent_total'), 21);
});
