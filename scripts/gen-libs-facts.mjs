// Extracts the facts of the libs event format that ../shared/reference/data/event_table.json lacks
// from a falcosecurity/libs git mirror, into scripts/data/libs-facts.json (committed, so the TS
// generator runs without the mirror):
//   - the wire code of every event (ppm_events_public.h enum; event_table.c lists some events out
//     of code order, so the JSON's key order is not the code order),
//   - per-parameter info: flag/enum table of FLAGS*/ENUMFLAGS*/MODE params, dirfd index of
//     FSRELPATH params, variant table of DYN params,
//   - the flag/enum tables (flags_table.c) with their numeric values, the DYN variant tables,
//   - errno and signal names as libsinsp prints them, ppm syscall (ppm_sc) names,
//   - what the libs revision that sysdig 0.29 links (SYSDIG_LIBS) knows: its PPM_EVENT_MAX and
//     the parameter count of each event it knows, so writers can stay readable by sysdig.
// Usage: node scripts/gen-libs-facts.mjs [mirror-git-dir]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const MIRROR = process.argv[2] ?? '/work/.mirror/falcosecurity+libs/repo';
// libscap/libsinsp revision of Debian's sysdig 0.29.3 (libfalcosecurity0 0.1.1dev+git20220316.e5c53d64).
const SYSDIG_LIBS = 'e5c53d64';

const git = (...args) => execFileSync('git', ['-C', MIRROR, ...args], { encoding: 'utf8', maxBuffer: 1 << 27 });
const show = (rev, path) => git('show', `${rev}:${path}`);
const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
const head = git('rev-parse', 'HEAD').trim();

// ---- #define evaluation (BigInt, enough for the flag value expressions of the driver headers) ----
function collectDefines(src, defs = new Map()) {
  for (const m of stripComments(src).replace(/\\\n/g, ' ').matchAll(/^[ \t]*#define[ \t]+(\w+)[ \t]+(.+?)[ \t]*$/gm)) {
    if (!defs.has(m[1])) defs.set(m[1], m[2]);
  }
  return defs;
}
function evalExpr(expr, defs, enums, depth = 0) {
  if (depth > 20) throw new Error(`define loop at ${expr}`);
  const e = expr
    .replace(/\(\s*(?:unsigned\s+)?(?:u?int(?:8|16|32|64)_t|long|int|unsigned)\s*\)/g, '')
    .replace(/\b(0x[0-9a-fA-F]+|\d+)(?:ULL|UL|LL|U|L)?\b/g, (_, n) => `${BigInt(n)}n`)
    .replace(/\b([A-Za-z_]\w*)\b/g, (name) => {
      if (enums.has(name)) return `(${enums.get(name)}n)`;
      if (defs.has(name)) return `(${evalExpr(defs.get(name), defs, enums, depth + 1)}n)`;
      throw new Error(`unknown name ${name} in ${expr}`);
    });
  return Function(`"use strict"; return (${e});`)();
}
const toJsonNumber = (v) => (BigInt.asIntN(64, v) >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

// ---- event codes ----
function eventCodes(rev) {
  const hdr = show(rev, 'driver/ppm_events_public.h');
  const codes = {};
  for (const m of hdr.matchAll(/\b(PPME_\w+)\s*=\s*(\d+)/g)) codes[m[1]] = Number(m[2]);
  const max = /PPM_EVENT_MAX\s*=\s*(\d+)/.exec(hdr);
  return { codes, max: max ? Number(max[1]) : Math.max(...Object.values(codes)) + 1 };
}

// ---- event_table.c: names and params with their info field ----
function eventTable(rev) {
  let src = show(rev, 'driver/event_table.c');
  // Old revisions index entries by position with a /* PPME_X */ comment instead of [PPME_X] =.
  src = src.replace(/\/\*\s*(PPME_\w+)\s*\*\/\s*\{/g, '[$1] = {');
  src = stripComments(src);
  const out = {};
  const re = /\[(PPME_\w+)\]\s*=\s*\{/g;
  let m;
  while ((m = re.exec(src))) {
    let depth = 1;
    let i = re.lastIndex;
    while (depth) {
      const c = src[i++];
      if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    const body = src.slice(re.lastIndex, i - 1);
    const params = [...body.matchAll(/\{\s*"([^"]*)"\s*,\s*(PT_\w+)\s*,\s*(PF_\w+)\s*(?:,\s*([^,}]+?)\s*)?(?:,\s*([^,}]+?)\s*)?\}/g)]
      .map((p) => ({ name: p[1], type: p[2], fmt: p[3], info: p[4] ?? null, ninfo: p[5] ?? null }));
    out[m[1]] = { name: /^\s*"([^"]*)"/.exec(body)[1], params };
  }
  return out;
}

// ---- flags_table.c / dynamic_params_table.c ----
function flagTables(rev, defs, enums) {
  const src = stripComments(show(rev, 'driver/flags_table.c'));
  const tables = {};
  for (const m of src.matchAll(/ppm_name_value\s+(\w+)\s*\[\]\s*=\s*\{([\s\S]*?)\};/g)) {
    tables[m[1]] = [...m[2].matchAll(/\{\s*"([^"]+)"\s*,\s*([^}]+?)\s*\}/g)].map((e) => [e[1], toJsonNumber(evalExpr(e[2], defs, enums))]);
  }
  return tables;
}
function dynTables(rev, defs, enums) {
  let src;
  try {
    src = show(rev, 'driver/dynamic_params_table.c');
  } catch {
    src = show(rev, 'driver/event_table.c');
  }
  src = stripComments(src);
  const tables = {};
  for (const m of src.matchAll(/ppm_param_info\s+(\w+)\s*\[\s*(\w+)\s*\]\s*=\s*\{([\s\S]*?)\};/g)) {
    const rows = [];
    for (const e of m[3].matchAll(/\[\s*(\w+)\s*\]\s*=\s*\{\s*\{[^}]*\}\s*,\s*(PT_\w+)\s*,\s*(PF_\w+)/g)) {
      rows[Number(evalExpr(e[1], defs, enums))] = [e[2], e[3]];
    }
    tables[m[1]] = rows;
  }
  return tables;
}

// C enums of the header (PPM_*_IDX_* and friends), needed by the expressions above.
function cEnums(src) {
  const enums = new Map();
  for (const m of stripComments(src).matchAll(/enum\s*\w*\s*\{([\s\S]*?)\}/g)) {
    let next = 0n;
    for (const item of m[1].split(',')) {
      const im = /^\s*(\w+)\s*(?:=\s*(.+?))?\s*$/.exec(item);
      if (!im) continue;
      const v = im[2] !== undefined ? evalExpr(im[2], new Map(), enums) : next;
      enums.set(im[1], v);
      next = v + 1n;
    }
  }
  return enums;
}

// ---- errno / signal names as libsinsp prints them ----
function namesFromSwitch(utilsSrc, fn, hdrSrc) {
  const defs = collectDefines(hdrSrc);
  const body = new RegExp(`${fn}\\([^)]*\\)\\s*\\{([\\s\\S]*?)\\n\\}`).exec(utilsSrc)[1];
  const out = {};
  for (const m of body.matchAll(/case\s+(\w+)\s*:\s*return\s+"([^"]+)"/g)) out[Number(evalExpr(m[1], defs, new Map()))] = m[2];
  return out;
}

// ---- ppm_sc names ----
function syscallNames(rev) {
  const hdr = show(rev, 'driver/ppm_events_public.h');
  const names = [];
  for (const m of hdr.matchAll(/PPM_SC_X\((\w+),\s*(\d+)\)/g)) names[Number(m[2])] = m[1].toLowerCase();
  if (names.length === 0) for (const m of hdr.matchAll(/PPM_SC_(\w+)\s*=\s*(\d+)/g)) names[Number(m[2])] = m[1].toLowerCase();
  return names;
}

const hdr = show('HEAD', 'driver/ppm_events_public.h');
const enums = cEnums(hdr);
const defs = collectDefines(hdr);
const { codes } = eventCodes('HEAD');
const table = eventTable('HEAD');
const paramInfo = {};
for (const [id, ev] of Object.entries(table)) {
  const infos = ev.params.map((p) => {
    if (!p.info || p.info === '0' || p.info === 'NULL') return null;
    const dirfd = /^DIRFD_PARAM\((\d+)\)$/.exec(p.info);
    if (dirfd) return Number(dirfd[1]);
    return p.info;
  });
  if (infos.some((x) => x !== null)) paramInfo[id] = infos;
}

const old = eventCodes(SYSDIG_LIBS);
const oldTable = eventTable(SYSDIG_LIBS);
const oldNparams = [];
for (const [id, ev] of Object.entries(oldTable)) if (id in old.codes) oldNparams[old.codes[id]] = ev.params.length;

// ---- scap converter table (engine/savefile/converter/table.cpp) ----
// Each entry: [eventCode, nparams, action, desiredType|null, [[instr, paramNum, flags, callback?], ...]]
function conversionTable(codes) {
  const src = stripComments(show('HEAD', 'userspace/libscap/engine/savefile/converter/table.cpp'));
  const body = src.slice(src.indexOf('g_conversion_table'));
  const starts = [...body.matchAll(/\{conversion_key\{(PPME_\w+),\s*(\d+)\}/g)];
  const rows = [];
  for (let k = 0; k < starts.length; k++) {
    const chunk = body.slice(starts[k].index, k + 1 < starts.length ? starts[k + 1].index : body.length);
    const action = /\.action\((C_ACTION_\w+)\)/.exec(chunk)[1].slice('C_ACTION_'.length);
    const desired = /\.desired_type\((PPME_\w+)\)/.exec(chunk);
    const instrs = [...chunk.matchAll(/\{\s*C_INSTR_(\w+)\s*,\s*(\d+)\s*(?:,\s*(CIF_\w+)\s*)?(?:,\s*(\w+)\s*)?\}/g)]
      .map((i) => [i[1], Number(i[2]), i[3] === 'CIF_FALLBACK_TO_EMPTY' ? 1 : 0, ...(i[4] ? [i[4]] : [])]);
    if (!(starts[k][1] in codes)) throw new Error(`unknown event ${starts[k][1]} in converter table`);
    rows.push([codes[starts[k][1]], Number(starts[k][2]), action, desired ? codes[desired[1]] : null, instrs]);
  }
  return rows;
}

const facts = {
  source: { libs: head, sysdigLibs: SYSDIG_LIBS },
  eventCodes: codes,
  paramInfo,
  flagTables: flagTables('HEAD', defs, enums),
  dynTables: dynTables('HEAD', defs, enums),
  errnoNames: namesFromSwitch(show('HEAD', 'userspace/libsinsp/utils.cpp'), 'errno_to_str', show('HEAD', 'userspace/libsinsp/sinsp_errno.h')),
  signalNames: namesFromSwitch(show('HEAD', 'userspace/libsinsp/utils.cpp'), 'signal_to_str', show('HEAD', 'userspace/libsinsp/sinsp_signal.h')),
  syscallNames: syscallNames('HEAD'),
  conversions: conversionTable(codes),
  sysdig: { eventMax: old.max, nparams: Array.from({ length: old.max }, (_, i) => oldNparams[i] ?? 0) },
};
mkdirSync('scripts/data', { recursive: true });
writeFileSync('scripts/data/libs-facts.json', JSON.stringify(facts, null, 1) + '\n');
console.log(`facts: ${Object.keys(codes).length} event codes, ${Object.keys(facts.flagTables).length} flag tables, ` +
  `${Object.keys(facts.dynTables).length} dyn tables, ${Object.keys(facts.errnoNames).length} errnos, ` +
  `${facts.syscallNames.length} syscalls; sysdig libs know ${old.max} event codes`);
