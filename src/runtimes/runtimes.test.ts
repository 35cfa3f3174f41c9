import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { State } from '../state/index.js';
import { DockerClient } from './docker.js';
import { runtimesConfig } from './config.js';
import { ContainerRuntimes } from './runtimes.js';

const ID = '3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e';

test("a container's create event and its first process's lookup share one question to the runtime", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-runtimes-'));
  const socket = join(dir, 'docker.sock');
  // A Docker Engine API on a unix socket that announces one container and answers slowly about
  // it (as dockerd does while `docker run` holds the container's lock).
  let inspects = 0;
  let firstInspect: () => void = () => undefined;
  const inspected = new Promise<void>((r) => (firstInspect = r));
  const events = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/version') return json({ Version: '20.10-test' });
    if (req.url === '/info') return json({});
    if (req.url?.startsWith('/events')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ Type: 'container', Action: 'create', Actor: { ID } })}\n`);
      events.add(res);
      return;
    }
    if (req.url === `/containers/${ID}/json`) {
      inspects++;
      firstInspect();
      setTimeout(() => json({ Id: ID, Name: '/web', Config: { Image: 'registry.local:5000/web:1.0@sha256:' + 'd'.repeat(64) } }), 300);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(socket, r));
  const set = await ContainerRuntimes.start(runtimesConfig({}, {}), { clients: [new DockerClient(socket, 'docker')] });
  const reg = new State().containers;
  try {
    set.attach(reg);
    await inspected; // the create event's question is under way
    // The registry's lookup, as a process in the container's cgroup starts it.
    const found = await set.lookup({ id: ID.slice(0, 12), fullId: ID, type: 'docker' });
    assert.equal(found?.name, 'web');
    await new Promise((r) => setImmediate(r));
    assert.equal(reg.get(ID.slice(0, 12))?.name, 'web', 'the create event described it');
    assert.equal(inspects, 1, 'one inspect for both');
    assert.equal(set.countsText(), 'docker found=1');
  } finally {
    set.close();
    reg.close();
    for (const r of events) r.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
