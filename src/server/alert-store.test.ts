import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '../outputs/index.js';
import { AlertStore, priorityNumber, PRIORITY_NAMES } from './alert-store.js';

function alert(rule: string, priority: number, fields: Record<string, string> = {}, tags: string[] = []): Alert {
  return { ts: 1n, rule, priority, priorityName: PRIORITY_NAMES[priority]!, source: 'syscall', tags, hostname: 'h', output: `x: ${rule} ${JSON.stringify(fields)}`, message: rule, outputFields: fields };
}

test('the ring keeps the newest alerts and finds them by id; evicted ids are gone', () => {
  const s = new AlertStore(3);
  for (let i = 1; i <= 5; i++) s.add(alert(`r${i}`, 4));
  assert.equal(s.added, 5);
  assert.deepEqual([...s.newest()].map((x) => x.alert.rule), ['r5', 'r4', 'r3']);
  assert.equal(s.get(5)?.alert.rule, 'r5');
  assert.equal(s.get(3)?.alert.rule, 'r3');
  assert.equal(s.get(2), undefined);
  assert.equal(s.get(6), undefined);
  assert.equal(s.get(0), undefined);
});

test('queries filter by priority (at least as severe), rule, tag, container, pod and text, and page newest first', () => {
  const s = new AlertStore(100);
  s.add(alert('A', 4, { 'container.id': 'host', 'container.name': 'host' }, ['filesystem']));
  s.add(alert('B', 2, { 'container.id': 'abcdef0123456789', 'container.name': 'web', 'k8s.pod.name': 'web-1' }, ['container']));
  s.add(alert('A', 6, { 'container.id': 'host', 'proc.name': '<script>' }));
  assert.deepEqual(s.query({ priority: 4 }).items.map((x) => x.id), [2, 1]);
  assert.deepEqual(s.query({ rule: 'A' }).items.map((x) => x.id), [3, 1]);
  assert.deepEqual(s.query({ tag: 'container' }).items.map((x) => x.id), [2]);
  assert.deepEqual(s.query({ container: 'web' }).items.map((x) => x.id), [2]);
  assert.deepEqual(s.query({ container: 'abcdef012345' }).items.map((x) => x.id), [2]);
  assert.deepEqual(s.query({ pod: 'web-1' }).items.map((x) => x.id), [2]);
  assert.deepEqual(s.query({ text: '<SCRIPT>' }).items.map((x) => x.id), [3]);
  const page = s.query({ limit: 1, offset: 1 });
  assert.equal(page.total, 3);
  assert.deepEqual(page.items.map((x) => x.id), [2]);
  assert.deepEqual(s.query({ after: 1 }).items.map((x) => x.id), [3, 2]);
});

test('counts per priority land in the bucket of their second and old seconds are forgotten', () => {
  let now = 1_000_000_000;
  const s = new AlertStore(10, 60, () => now);
  s.add(alert('A', 4));
  s.add(alert('A', 4));
  now += 2000;
  s.add(alert('B', 2));
  const c = s.countSeries(10, 1);
  assert.equal(c.step, 1);
  assert.equal(c.series.Warning!.reduce((a, b) => a + b, 0), 2);
  assert.equal(c.series.Critical!.at(-1), 1);
  assert.equal(c.series.Warning!.at(-3), 2);
  now += 61_000; // the ring of seconds wrapped: the old counts must not come back
  assert.equal(s.countSeries(60, 5).series.Warning!.reduce((a, b) => a + b, 0), 0);
});

test('priority names as Falco spells them', () => {
  assert.equal(priorityNumber('warning'), 4);
  assert.equal(priorityNumber('INFO'), 6);
  assert.equal(priorityNumber('Informational'), 6);
  assert.equal(priorityNumber('7'), 7);
  assert.equal(priorityNumber('loud'), undefined);
});
