// The alert oracle: `saker replay` with the three upstream Falco rules files against what Falco
// master raised replaying the same capture (stock falco.yaml, container plugin; fixtures under
// test/fixtures/oracle/alerts, made by scripts/oracle/generate.ts where Falco is built). The
// captures were recorded by Saker while test/e2e/upstream-rules.test.ts made the rules fire.
// Alerts must be identical in rule, time, priority and output text.
//
// Container metadata is the one expected gap, and it is accounted for, not ignored: Falco's
// container plugin is built without its runtime worker, and its docker matcher takes any cgroup
// whose last component is a hex id of at most 64 characters for a container — this machine's
// processes sit in a memory cgroup /process_api/<32 hex>, so Falco gives host processes a
// container id (the first 12 hex) where Saker says `host`. Such "host containers" are recognised
// by id: every id Falco reports that is not the id of a container in the capture (Saker's
// container.id values, from the runc containers' 64-hex cgroups). Then:
//   - an alert both raise on a host process may differ only in the values of container-scoped
//     fields: container.* and k8s.*, and the user and group names, which libs looks up in the
//     tables of the thread's container (sinsp_filtercheck_user.cpp: get_user(container_id, uid);
//     a "host container" has no users, so Falco prints <NA>, or root for uid 0). Each tool's own
//     values of those fields are cut out of its text, the rest must be equal, and every other
//     output field must be equal;
//   - an alert only one raises must be on a host process, of a rule whose condition reads
//     container-scoped fields (its `container` / `not container` tests answer differently).
// Alerts in real containers must match exactly, container fields included.
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

/** The alert's text with its own container-scoped values cut out (longest first, so a value inside another goes after it). */
function withoutContainerValues(a: FalcoAlert): string {
  const values = Object.entries(a.output_fields).filter(([k, v]) => isContainerScoped(k) && v !== null && String(v) !== '')
    .map(([, v]) => String(v)).sort((x, y) => y.length - x.length);
  let text = a.output;
  for (const v of values) text = text.split(v).join('<container value>');
  return text;
}

const key = (a: FalcoAlert): string => `${a.time} ${a.rule}`;

/** Every output field that is not container-scoped has the same value. */
function sameOutsideContainer(a: FalcoAlert, b: FalcoAlert): boolean {
  const keys = new Set([...Object.keys(a.output_fields), ...Object.keys(b.output_fields)]);
  return [...keys].every((k) => isContainerScoped(k) || JSON.stringify(a.output_fields[k]) === JSON.stringify(b.output_fields[k]));
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
    const sakerIds = new Set(mine.map((a) => a.output_fields['container.id']).filter((id) => typeof id === 'string' && id !== 'host'));
    const hostInFalco = (a: FalcoAlert): boolean => !sakerIds.has(a.output_fields['container.id']);
    const inContainerRules = new Set(fx.containerRules);

    const theirs = new Map<string, FalcoAlert[]>();
    for (const a of fx.alerts) theirs.set(key(a), [...(theirs.get(key(a)) ?? []), a]);
    const problems: string[] = [];
    let identical = 0;
    let containerOnly = 0;
    let gapAlerts = 0;
    for (const s of mine) {
      const f = theirs.get(key(s))?.shift();
      if (!f) {
        if (s.output_fields['container.id'] === 'host' && inContainerRules.has(s.rule)) gapAlerts++;
        else problems.push(`saker only: ${s.time} ${s.rule}: ${s.output}`);
        continue;
      }
      if (s.priority !== f.priority) problems.push(`${key(s)}: priority ${s.priority} vs falco ${f.priority}`);
      if (s.output === f.output) identical++;
      else if (hostInFalco(f) && s.output_fields['container.id'] === 'host' && withoutContainerValues(s) === withoutContainerValues(f) &&
        sameOutsideContainer(s, f)) containerOnly++;
      else problems.push(`${key(s)}:\n  saker ${s.output}\n  falco ${f.output}`);
    }
    for (const rest of theirs.values()) {
      for (const f of rest) {
        if (hostInFalco(f) && inContainerRules.has(f.rule)) gapAlerts++;
        else problems.push(`falco only: ${f.time} ${f.rule}: ${f.output}`);
      }
    }
    const rules = new Set(fx.alerts.map((a) => a.rule));
    t.diagnostic(`falco ${fx.alerts.length} alerts of ${rules.size} rules, saker ${mine.length}: ${identical} identical, ${containerOnly} equal but for container values of host processes, ${gapAlerts} on one side only on host processes by rules reading container fields`);
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} differences outside container metadata`);
    assert.ok(rules.size >= 40, `only ${rules.size} upstream rules fire on ${fx.capture}`);
  });
}

test('alert oracle fixtures are present', (t) => {
  if (fixtures.length === 0) return t.skip('no alert fixtures: run scripts/oracle/generate.ts where Falco is built');
  assert.ok(fixtures.length >= 1);
});
