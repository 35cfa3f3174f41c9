#!/usr/bin/env node
// Runs the built CLI when there is one (npm run build makes both), else the TypeScript sources
// through tsx:
//  - dist/bundle/saker.cjs, the whole CLI in one file, compiled with a V8 code cache kept beside
//    it per command (written by the first run of that command, refreshed when V8 rejects it after
//    a rebuild or a Node upgrade): start-up is then spent running the command, not compiling it;
//  - dist/cli/main.js, the plain compiled tree.
// CommonJS (bin/package.json): Node starts a CommonJS entry a few ms sooner than an ES module,
// whose loader has to be set up first, and the bundle is CommonJS anyway.
'use strict';
const { existsSync, lstatSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'bundle', 'saker.cjs');
const compiled = join(root, 'dist', 'cli', 'main.js');
const COMMANDS = new Set(['run', 'replay', 'capture', 'validate', 'list', 'fields', 'inspect', 'generate']);

if (existsSync(bundle)) runBundle(bundle);
else if (existsSync(compiled)) import(pathToFileURL(compiled).href);
else {
  import('tsx/esm/api').then(({ register }) => {
    register();
    return import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
  });
}

function runBundle(file) {
  const command = COMMANDS.has(process.argv[2]) ? process.argv[2] : 'main';
  const cacheFile = `${file}.${command}.cache`;
  // The cache is compiled code V8 runs: used and written only in a directory the running user
  // owns and no one else may write to, so that no other user can plant or swap it.
  const ours = ownDirectory(dirname(cacheFile));
  let cachedData;
  try {
    if (ours && ownFile(cacheFile)) cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
  // latin1: the bundle is ASCII (scripts/bundle.mjs checks), and a one-byte string is read and
  // hashed faster than UTF-8 decoded.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'latin1')}\n})`;
  const script = new vm.Script(source, { filename: file, cachedData });
  if (ours && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit the cache holds every function this run compiled, not only the top level. Best
    // effort: a read-only install just runs without one.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData(), { flag: 'wx', mode: 0o644 });
        renameSync(tmp, cacheFile);
      } catch {
        // no cache
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
}

/** True when `dir` is a directory owned by the running user that only its owner can write to. */
function ownDirectory(dir) {
  return ownedOnly(dir, statSync, (st) => st.isDirectory());
}

/** True when `file` is a regular file (not a link) of the running user that only it can write. */
function ownFile(file) {
  return ownedOnly(file, lstatSync, (st) => st.isFile());
}

function ownedOnly(path, stat, isKind) {
  try {
    const st = stat(path);
    return isKind(st) && st.uid === process.getuid() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
