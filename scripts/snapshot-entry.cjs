// The entry of the CLI's start-up snapshot build: run by scripts/snapshot.mjs as
//   node --snapshot-blob OUT --build-snapshot scripts/snapshot-entry.cjs dist/bundle/saker.cjs
// It runs the bundle as bin/saker.js does (the bundle, seeing --build-snapshot, prepares the
// snapshot instead of running a command: src/cli/snapshot.ts). A snapshot's builder may require
// built-in modules only, and only some of them can be captured in the heap (Node 20's list,
// below): the others, and every package, are handed to the bundle as stand-ins that load the
// real module the first time it is used, in the started process. Using one while the snapshot
// is built is a bug of the bundle's start and fails the build.
'use strict';
const { readFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const { startupSnapshot } = require('node:v8');

/** Built-in modules Node 20 supports in a user-land snapshot (lib/internal/main/mksnapshot.js). */
const CAPTURED = new Set(['assert', 'assert/strict', 'buffer', 'console', 'constants', 'crypto', 'diagnostics_channel', 'dns',
  'events', 'fs', 'fs/promises', 'net', 'os', 'path', 'path/posix', 'path/win32', 'process', 'punycode', 'querystring',
  'stream', 'stream/promises', 'string_decoder', 'sys', 'timers', 'timers/promises', 'url', 'util', 'util/types', 'v8', 'zlib']);

const bundle = resolve(process.argv[2]);
/** The started process's require, from the bundle's directory (as bin/saker.js gives it). */
let started;
startupSnapshot.addDeserializeCallback(() => {
  started = require('node:module').createRequire(bundle);
});

function bundleRequire(id) {
  if (started) return started(id);
  return CAPTURED.has(id.replace(/^node:/, '')) ? require(id) : standIn(id);
}

/** A module loaded when first used after start. node:module's createRequire is called at the
 *  bundle's start by the modules that load libraries lazily: its result waits the same way. */
function standIn(id) {
  let real;
  const load = (what) => {
    if (!started) throw new Error(`snapshot: ${id} (${what}) used while the snapshot is built: Node cannot keep it in one`);
    return (real ??= started(id));
  };
  const own = id.replace(/^node:/, '') === 'module' ? { createRequire: (from) => (request) => load('require').createRequire(from)(request) } : {};
  return new Proxy(own, {
    get: (t, key) => (key in t ? t[key] : load(String(key))[key]),
    has: (t, key) => key in t || key in load(String(key)),
    ownKeys: () => Reflect.ownKeys(load('its keys')),
    getOwnPropertyDescriptor: (t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(String(key)), key);
      return d && { ...d, configurable: true };
    },
  });
}

const source = readFileSync(bundle, 'latin1');
// eval, not vm (which Node cannot snapshot); sourceURL names the bundle in stack traces.
const wrapper = (0, eval)(`(function (exports, require, module, __filename, __dirname) {${source}\n})\n//# sourceURL=${bundle}`);
const module_ = { exports: {} };
wrapper(module_.exports, bundleRequire, module_, bundle, dirname(bundle));
