// Asks the oracle — libs master's sinsp-example and Falco master, built by
// ../shared/tools/build-falco.sh — what Saker's oracle tests compare against, and writes the answers
// as fixtures under test/fixtures/oracle/ (CI has no Falco build; it compares Saker with these):
//   fields/NAME.json.gz   every ORACLE_FIELDS value of every event of each capture (peer captures
//                         in ../shared/peers/scap, and the live ones in captures/)
//   alerts/NAME.json.gz   Falco's JSON alerts replaying each live-alerts* capture with the three
//                         upstream rules files
//   meta.json             the Falco/libs/plugin versions and this script's command lines
// Run as root where the oracle is built (ORACLE_PREFIX, default /opt/anchors):
//   node --import tsx scripts/oracle/generate.ts [fields] [alerts]     (default: both)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  alertFixturePath, CAPTURES_DIR, fieldFixturePath, ORACLE_DIR, ORACLE_FIELDS, ORACLE_FILTERS, oracleFormat, parseOracleOutput, readGzJson, sha256,
  type AlertFixture, type FalcoAlert, type FieldFixture, type OracleMeta,
} from '../../test/e2e/helpers/oracle.js';
import { falcoReplayArgs, oracleBinaries, UPSTREAM_RULES } from '../../bench/falco-oracle.js';
import { sharedDir } from '../../src/testing/shared.js';

const parts = process.argv.slice(2);
const doFields = parts.length === 0 || parts.includes('fields');
const doAlerts = parts.length === 0 || parts.includes('alerts');
const bins = oracleBinaries([...(doFields ? ['sinspExample', 'versionsFile'] as const : []), ...(doAlerts ? ['falco', 'falcoReplay', 'containerPlugin'] as const : [])]);
if (typeof bins === 'string') {
  process.stderr.write(`${bins}\n`);
  process.exit(1);
}
const shared = sharedDir();
const env = { ...process.env, TZ: 'UTC' };
const quote = (a: string): string => (/^[\w./=,:+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
const shown = (cmd: string, args: string[]): string => ['TZ=UTC', cmd, ...args].map(quote).join(' ').replaceAll(repoDirs(), '');
function repoDirs(): RegExp {
  return new RegExp(`${ORACLE_DIR.replace(/test\/fixtures\/oracle$/, '').replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}|${(shared ?? '/nonexistent').replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'g');
}

const captures: Array<{ file: string; origin: 'peer' | 'saker' }> = [];
if (shared) {
  const d = join(shared, 'peers/scap');
  for (const f of readdirSync(d).filter((x) => x.endsWith('.scap')).sort()) captures.push({ file: join(d, f), origin: 'peer' });
} else {
  process.stderr.write('../shared is absent: only the captures Saker recorded are asked\n');
}
for (const f of readdirSync(CAPTURES_DIR).filter((x) => x.endsWith('.scap.gz')).sort()) captures.push({ file: join(CAPTURES_DIR, f), origin: 'saker' });

mkdirSync(join(ORACLE_DIR, 'fields'), { recursive: true });
mkdirSync(join(ORACLE_DIR, 'alerts'), { recursive: true });
const format = oracleFormat(ORACLE_FIELDS);
for (const { file, origin } of captures) {
  if (doFields) writeFieldFixture(file, origin);
  if (doAlerts && origin === 'saker' && basename(file).startsWith('live-alerts') && shared) writeAlertFixture(file, shared);
}

function writeFieldFixture(file: string, origin: 'peer' | 'saker'): void {
  if (typeof bins === 'string') return;
  const filter = ORACLE_FILTERS[basename(file)];
  const args = ['-a', '-s', file, ...(filter ? ['-f', filter] : []), '-o', format];
  const out = execFileSync(bins.sinspExample, args, { encoding: 'utf8', env, maxBuffer: 1 << 30 });
  const rows = parseOracleOutput(out, ORACLE_FIELDS);
  const fx: FieldFixture = {
    capture: basename(file), origin, sha256: sha256(file), fields: [...ORACLE_FIELDS], filter,
    command: shown('sinsp-example', args), rows,
  };
  writeFileSync(fieldFixturePath(fx.capture), gzipSync(JSON.stringify(fx), { level: 9 }));
  process.stderr.write(`${fx.capture}: ${rows.length} events x ${ORACLE_FIELDS.length} fields\n`);
}

function writeAlertFixture(file: string, shared: string): void {
  if (typeof bins === 'string') return;
  const rargs = falcoReplayArgs(file, shared, ['-o', 'json_output=true']);
  const text = execFileSync(bins.falcoReplay, rargs, { encoding: 'utf8', env, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const alerts = text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as FalcoAlert);
  const counts: Record<string, number> = {};
  for (const a of alerts) counts[a.rule] = (counts[a.rule] ?? 0) + 1;
  const ax: AlertFixture = {
    capture: basename(file), sha256: sha256(file), command: shown('falco-replay', rargs), counts, containerRules: containerRules(shared), alerts,
  };
  writeFileSync(alertFixturePath(ax.capture), gzipSync(JSON.stringify(ax), { level: 9 }));
  process.stderr.write(`${ax.capture}: ${alerts.length} alerts, ${Object.keys(counts).length} rules (${UPSTREAM_RULES.join(', ')})\n`);
}

/** Rules whose compiled condition reads container-scoped fields (container.*, k8s.*, the user and group
 *  names libs looks up per container), from Falco's rules inventory (-L). */
function containerRules(sharedDir: string): string[] {
  if (typeof bins === 'string') return [];
  const out = execFileSync(bins.falcoReplay, falcoReplayArgs(join(CAPTURES_DIR, 'live-fields.scap.gz'), sharedDir, ['-L', '-o', 'json_output=true']), {
    encoding: 'utf8', env, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'],
  });
  const inv = JSON.parse(out.slice(out.indexOf('{'))) as { rules: Array<{ info: { name: string }; details: { condition_fields: string[] } }> };
  return inv.rules.filter((r) => r.details.condition_fields.some((f) => /^(container|k8s)\.|^(user\.(name|homedir|shell|loginname)|group\.name)$/.test(f))).map((r) => r.info.name).sort();
}

/** The exact command behind every fixture now present (each fixture also carries its own). */
function fixtureCommands(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['fields', 'alerts']) {
    const d = join(ORACLE_DIR, sub);
    for (const f of readdirSync(d).filter((x) => x.endsWith('.json.gz')).sort()) out[`${sub}/${f}`] = readGzJson<{ command: string }>(join(d, f)).command;
  }
  return out;
}

/** What the falco-replay wrapper runs (its exec line, continuation lines joined). */
function falcoReplayCommand(): string {
  if (typeof bins === 'string' || !existsSync(bins.falcoReplay)) return 'absent';
  const text = readFileSync(bins.falcoReplay, 'utf8').replaceAll(/\\\n\s*/g, ' ');
  return text.split('\n').find((l) => l.trim().startsWith('exec '))?.trim().replace(/^exec /, '') ?? 'unknown';
}

const versions = readFileSync(bins.versionsFile, 'utf8');
const commit = (name: string): string => new RegExp(`^${name}_commit=(\\S+)`, 'm').exec(versions)?.[1] ?? 'unknown';
const meta: OracleMeta = {
  generated: new Date().toISOString(),
  falco: existsSync(bins.falco) ? execFileSync(bins.falco, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim() : 'not built yet',
  falcoCommit: commit('falco'),
  libsCommit: commit('libs'),
  containerPlugin: existsSync(bins.containerPlugin) ? 'plugins/container/v0.7.1 (built without the async worker)' : 'absent',
  versionsFile: versions.trim(),
  script: 'node --import tsx scripts/oracle/generate.ts (captures from scripts/oracle/record.ts)',
  falcoReplay: falcoReplayCommand(),
  commands: fixtureCommands(),
};
writeFileSync(join(ORACLE_DIR, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
