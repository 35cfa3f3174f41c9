// The one-shot commands load none of the heavy libraries unless the command and its configuration
// use them: each runs through the real CLI (node bin/saker.js) with a preloaded tracer that records
// every package node_modules answers a require from, and none may be one of the libraries of the
// live agent's runtimes, metrics, destinations or web server. Each of these, loaded at start-up,
// had cost every command tens to hundreds of milliseconds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { peerCapture } from '../../src/testing/shared.js';
import { repoRoot } from './helpers/env.js';

const SAKER = join(repoRoot, 'bin', 'saker.js');
const HEAVY = ['undici', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'prom-client', 'kafkajs', '@nats-io/transport-node', 'nodemailer'];

// Records the package of every module loaded from node_modules, written at exit.
const TRACER = `
const Module = require('node:module');
const { writeFileSync } = require('node:fs');
const load = Module._load;
const seen = new Set();
Module._load = function (request, parent, isMain) {
  const m = /^((?:@[^/]+\\/)?[^./][^/]*)/.exec(request);
  if (m && !Module.isBuiltin(request)) seen.add(m[1]);
  return load.apply(this, arguments);
};
process.on('exit', () => writeFileSync(process.env.SAKER_TRACE_OUT, [...seen].join('\\n')));
`;

function packagesLoaded(dir: string, args: string[]): string[] {
  const tracer = join(dir, 'tracer.cjs');
  const out = join(dir, 'loaded.txt');
  writeFileSync(tracer, TRACER);
  const r = spawnSync(process.execPath, ['--require', tracer, SAKER, ...args], { encoding: 'utf8', env: { ...process.env, SAKER_TRACE_OUT: out } });
  assert.equal(r.status, 0, `saker ${args.join(' ')}: ${r.stderr}`);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

test('saker list, validate, inspect and replay load none of the live agent\'s libraries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-startup-'));
  try {
    const capture = peerCapture('curl_google.scap');
    const commands = [['list'], ['validate'], ['list', '--json']];
    if (capture) commands.push(['inspect', capture, 'proc.name = none'], ['replay', capture, '-o', 'syslog_output.enabled=false', '--stats']);
    else console.log('inspect, replay: not run (../shared/peers/scap absent)');
    for (const args of commands) {
      const loaded = packagesLoaded(dir, args);
      assert.deepEqual(loaded.filter((p) => HEAVY.includes(p)), [], `saker ${args.join(' ')} loaded ${loaded.join(', ')}`);
    }
    // the tracer sees the libraries a command does use: an HTTP destination loads undici
    if (capture) {
      const withHttp = packagesLoaded(dir, ['replay', capture, '-o', 'syslog_output.enabled=false', '-o', 'http_output.enabled=true', '-o', 'http_output.url=http://127.0.0.1:9/']);
      assert.ok(withHttp.includes('undici'), `with http_output: ${withHttp.join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
