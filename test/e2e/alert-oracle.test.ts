// The alert oracle: `saker replay` with the three upstream Falco rules files against what Falco
// master raised replaying the same capture (stock falco.yaml, container plugin; fixtures under
// test/fixtures/oracle/alerts, made by scripts/oracle/generate.ts where Falco is built). The
// captures were recorded by Saker while test/e2e/upstream-rules.test.ts made the rules fire.
// Alerts must be identical in rule, time, priority and output text.
//
// Container metadata is the one expected gap, and it is accounted for, not ignored. Every container
// id Falco reports is traced back to the cgroup it came from (the plugin, built without its runtime
// worker, takes the last component of a cgroup path for a container id when it is hex of at most 64
// characters, and shows its first 12), using the cgroups the capture itself records:
//   - a "host pseudo-container": a hex leaf that is not a 64-hex id. This machine's own processes
//     sit in a memory cgroup /process_api/<32 hex>, so Falco gives host processes a container id
//     where Saker says `host`;
//   - an "unconfirmed container": a 64-hex leaf that Saker reports as `host`. Saker calls a cgroup
//     that merely looks like a container id a container only when a runtime vouches for it
//     (src/state/containers.ts: any process may create such a cgroup). `saker capture` writes the
//     containers it knows into the capture (the plugin's "container" async events), so on replay
//     the runc containers the triggers start are confirmed from their record on; what is left are
//     events before it (runc's init processes, before runc wrote the state the record comes from).
// A container both know must match exactly: the plugin prints what the record says ('' for an
// empty image, as Saker does for a described container and for the host).
// For alerts where Saker says `host` and Falco names one of those two kinds of id:
//   - an alert both raise may differ only in the values of container-scoped fields: container.* and
//     k8s.*, and the user and group names, which libs looks up in the tables of the thread's container
//     (sinsp_filtercheck_user.cpp: get_user(container_id, uid); a container with no user table
//     prints <NA>, or root for uid 0). The text must be equal once each container-scoped value Saker
//     printed may read, at that place, as one of Falco's; every other output field must be equal;
//   - an alert only one raises must be of a rule whose compiled condition reads container-scoped
//     fields (Falco's -L inventory, in the fixture): its `container` / `not container` tests answer
//     differently.
// Anything else is a difference: a wrong rule, time, priority, text, or a container id Saker
// reports itself that Falco does not share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/env.js';
import { CAPTURES_DIR, ORACLE_DIR, readGzJson, sha256, type AlertFixture, type FalcoAlert } from './helpers/oracle.js';
import { sharedDir } from '../../src/testing/shared.js';
import { UPSTREAM_RULES } from '../../bench/falco-oracle.js';

const SAKER = join(repoRoot, 'bin', 'saker.js');
const ALERTS_DIR = join(ORACLE_DIR, 'alerts');
const fixtures = existsSync(ALERTS_DIR) ? readdirSync(ALERTS_DIR).filter((f) => f.endsWith('.json.gz')).sort() : [];
const shared = sharedDir();
const rulesDir = shared && join(shared, 'peers/falco-rules');
const skip = rulesDir === undefined || !UPSTREAM_RULES.every((f) => existsSync(join(rulesDir, f)))
  ? '../shared/peers/falco-rules (the upstream rules) is absent' : undefined;

/** Fields whose values come from the thread's container: its metadata, and users and groups looked up in its tables. */
const CONTAINER_SCOPED_USER = new Set(['user.name', 'user.homedir', 'user.shell', 'user.loginname', 'group.name']);
const isContainerScoped = (k: string): boolean => k.startsWith('container.') || k.startsWith('k8s.') || CONTAINER_SCOPED_USER.has(k);

const escape = (x: string): string => x.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A container-scoped value as the output text shows it (libs prints a field without a value as <NA>). */
const shownValue = (v: FalcoAlert['output_fields'][string]): string => (v === null ? '<NA>' : String(v));

/**
 * Saker's text and Falco's are the same once each container-scoped value Saker printed is allowed to be,
 * at that place in the text, any container-scoped value Falco printed. Saker's text becomes a pattern: its
 * own container-scoped values turn into alternations (the value itself, or one of Falco's), the rest must
 * match literally; the regex engine's backtracking finds the one reading that fits, if any.
 */
function equalButContainerValues(s: FalcoAlert, f: FalcoAlert): boolean {
  const scoped = (a: FalcoAlert): string[] => Object.entries(a.output_fields).filter(([k]) => isContainerScoped(k)).map(([, v]) => shownValue(v));
  const all = scoped(s);
  const mine = [...new Set(all)].filter((v) => v !== '').sort((x, y) => y.length - x.length);
  if (mine.length === 0 && !all.includes('')) return s.output === f.output;
  const theirs = [...new Set(scoped(f))].map(escape);
  // An empty value Saker printed (the host's empty image, as the plugin's host entry has it) takes
  // no room in the text: it may stand where a `key=` is followed by a space or the end.
  const literal = (p: string): string => (all.includes('') ? p.split(/=(?= |$)/).map(escape).join(`=(?:${theirs.join('|')})?`) : escape(p));
  const pieces = mine.length === 0 ? [s.output] : s.output.split(new RegExp(`(${mine.map(escape).join('|')})`));
  const pattern = pieces.map((p, i) => (i % 2 === 0 ? literal(p) : `(?:${[escape(p), ...theirs].join('|')})`)).join('');
  return new RegExp(`^${pattern}$`).test(f.output);
}

const key = (a: FalcoAlert): string => `${a.time} ${a.rule}`;

/** Every output field that is not container-scoped has the same value. */
function sameOutsideContainer(a: FalcoAlert, b: FalcoAlert): boolean {
  const keys = new Set([...Object.keys(a.output_fields), ...Object.keys(b.output_fields)]);
  return [...keys].every((k) => isContainerScoped(k) || JSON.stringify(a.output_fields[k]) === JSON.stringify(b.output_fields[k]));
}

type IdKind = 'pseudo' | 'unconfirmed';

/**
 * What each container id Falco can report for `capture` stands for, from the cgroups recorded in it
 * (as Saker reads them: thread.cgroups of every exec and clone): the first 12 characters of a hex
 * leaf, a 64-hex one being a runc container Saker cannot confirm on replay and a shorter one a host
 * pseudo-container. Ids of containers Saker itself reports are left out: those must match exactly.
 */
function falcoIdKinds(capture: string): Map<string, IdKind> {
  const out = execFileSync(process.execPath, [SAKER, 'inspect', capture, 'evt.type in (execve, execveat, clone, clone3, fork, vfork) and container.id=host', '-p', '%thread.cgroups'], {
    encoding: 'utf8', maxBuffer: 1 << 30,
  });
  const kinds = new Map<string, IdKind>();
  for (const path of out.split(/\s+/)) {
    const leaf = path.slice(path.lastIndexOf('/') + 1);
    if (/^[0-9a-f]+$/.test(leaf) && leaf.length <= 64) kinds.set(leaf.slice(0, 12), leaf.length === 64 ? 'unconfirmed' : 'pseudo');
  }
  return kinds;
}

for (const name of fixtures) {
  test(`${name.replace(/\.json\.gz$/, '')}: saker replay raises Falco's alerts (rule, time, priority, output), container metadata accounted for`, (t) => {
    if (skip) return t.skip(skip);
    const fx = readGzJson<AlertFixture>(join(ALERTS_DIR, name));
    const file = join(CAPTURES_DIR, fx.capture);
    assert.equal(sha256(file), fx.sha256, `${fx.capture} is not the capture the fixture was made from: regenerate (scripts/oracle/generate.ts)`);
    const out = execFileSync(process.execPath, [SAKER, 'replay', file, ...UPSTREAM_RULES.flatMap((f) => ['-r', join(rulesDir!, f)]), '-o', 'json_output=true'], {
      encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, TZ: 'UTC' },
    });
    const mine = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as FalcoAlert);
    const kinds = falcoIdKinds(file);
    const gapKind = (f: FalcoAlert): IdKind | undefined => kinds.get(String(f.output_fields['container.id']));
    const inContainerRules = new Set(fx.containerRules);
    const counted: Record<IdKind, number> = { pseudo: 0, unconfirmed: 0 };

    const theirs = new Map<string, FalcoAlert[]>();
    for (const a of fx.alerts) theirs.set(key(a), [...(theirs.get(key(a)) ?? []), a]);
    const problems: string[] = [];
    let identical = 0;
    let containerOnly = 0;
    let sakerOnly = 0;
    let falcoOnly = 0;
    for (const s of mine) {
      const f = theirs.get(key(s))?.shift();
      if (!f) {
        if (s.output_fields['container.id'] === 'host' && inContainerRules.has(s.rule)) sakerOnly++;
        else problems.push(`saker only: ${s.time} ${s.rule}: ${s.output}`);
        continue;
      }
      if (s.priority !== f.priority) problems.push(`${key(s)}: priority ${s.priority} vs falco ${f.priority}`);
      if (s.output === f.output) identical++;
      else if (gapKind(f) !== undefined && s.output_fields['container.id'] === 'host' && equalButContainerValues(s, f) &&
        sameOutsideContainer(s, f)) {
        containerOnly++;
        counted[gapKind(f)!]++;
      }
      else problems.push(`${key(s)}:\n  saker ${s.output.slice(0, 400)}\n  falco ${f.output.slice(0, 400)}`);
    }
    for (const rest of theirs.values()) {
      for (const f of rest) {
        const kind = gapKind(f);
        if (kind !== undefined && inContainerRules.has(f.rule)) {
          falcoOnly++;
          counted[kind]++;
        }
        else problems.push(`falco only: ${f.time} ${f.rule}: ${f.output}`);
      }
    }
    const rules = new Set(fx.alerts.map((a) => a.rule));
    t.diagnostic(`falco ${fx.alerts.length} alerts of ${rules.size} rules, saker ${mine.length}: ${identical} identical, ${containerOnly} equal but for container values, ` +
      `${falcoOnly} Falco only and ${sakerOnly} Saker only by rules reading container fields; Falco's id of those was a host pseudo-container ${counted.pseudo} times, ` +
      `an unconfirmed runc container ${counted.unconfirmed} times; ${problems.length} differences`);
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} differences outside container metadata`);
    assert.ok(rules.size >= 40, `only ${rules.size} upstream rules fire on ${fx.capture}`);
  });
}

test('alert oracle fixtures are present', (t) => {
  if (fixtures.length === 0) return t.skip('no alert fixtures: run scripts/oracle/generate.ts where Falco is built');
  assert.ok(fixtures.length >= 1);
});
