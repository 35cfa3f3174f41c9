// `saker capture` writes what a live Falco capture holds of a container besides its events: the
// container plugin's "container" record, the container's users and groups read from its /etc
// files (libs' usergroup manager notifies them as useradded/groupadded records with the container
// id), and when the container's init exits, the plugin's "container_removed" record and the
// deletion of those users and groups. Recorded with a real runc container whose init runs as a
// user only its own /etc/passwd names, then read back by saker inspect and, where the oracle is
// built, by libs master's sinsp-example with the container plugin.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentMissing, containersMissing, firstMissing, repoRoot } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { readScap } from '../../src/capture/scap/index.js';
import { eventName, renderArgs } from '../../src/events/index.js';
import { oracleBinaries } from '../../bench/falco-oracle.js';

const SAKER = join(repoRoot, 'bin', 'saker.js');
/** A user and group the host does not have: only the container's files can name them. */
const UID = 4711;
const PASSWD = `root:x:0:0:root:/root:/bin/sh\nsakerapp:x:${UID}:${UID}:app:/home/sakerapp:/bin/sh\n`;
const GROUP = `root:x:0:\nsakergrp:x:${UID}:\n`;

const missing = firstMissing(agentMissing, containersMissing, () =>
  readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.split(':')[2] === String(UID))
    ? `uid ${UID} has a name on this host: the test needs one only the container names` : undefined);

interface Recording {
  file: string;
  /** container.id of the container recorded. */
  id: string;
  /** Host pid of its init. */
  init: number;
  dir: string;
}
let rec: Recording | undefined;

const inspect = (file: string, filter: string, format: string): string[] =>
  execFileSync(process.execPath, [SAKER, 'inspect', '-v', file, filter, '-p', format], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } })
    .split('\n').filter((l) => l !== '');

function waitForText(child: ChildProcess, word: string, ms = 60_000): Promise<void> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${word}' within ${ms} ms: ${text}`)), ms);
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      text += s;
      if (text.includes(word)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`saker capture exited (${code}) before '${word}': ${text}`)));
  });
}

before(async () => {
  if (missing !== undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'saker-capture-containers-'));
  const file = join(dir, 'c.scap');
  const cap = spawn(process.execPath, [SAKER, 'capture', '-w', file, 'container.id != host'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  cap.stderr.on('data', (s: Buffer) => (log += s.toString()));
  await waitForText(cap, 'ready:');
  // The init runs as the container's own user, lives a moment (its files are read through it),
  // runs a few commands, then exits: its exit ends the container.
  const c = RuncContainer.start({
    user: { uid: UID, gid: UID },
    args: ['/bin/sh', '-c', 'sleep 1; cat /etc/hostname > /dev/null; ls / > /dev/null; sleep 0.5'],
    files: { '/etc/passwd': { content: PASSWD }, '/etc/group': { content: GROUP } },
  });
  try {
    for (let i = 0; i < 100; i++) {
      if (c.exec(['true']).status !== 0) break; // the init has exited
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    c.destroy();
  }
  await new Promise((r) => setTimeout(r, 800));
  cap.kill('SIGINT');
  const code = await new Promise<number | null>((r) => (cap.exitCode !== null ? r(cap.exitCode) : cap.once('exit', r)));
  if (code !== 0) throw new Error(`saker capture exited ${code}: ${log}`);
  assert.match(log, /container descriptions \([1-9]\d* removals, [1-9]\d* users and groups\)/);
  rec = { file, id: c.shortId, init: c.pid, dir };
});

test('the capture holds the container, its users and groups while it runs, and their removal after its init exits', { skip: missing }, async (t) => {
  assert.ok(rec, 'recorded (see the before hook)');
  const { file, id, init } = rec;
  // Every record in file order (inspect hides the records leading the capture, as libs does).
  const lines: string[] = [];
  await readScap(file, { event: (e) => void lines.push(`${e.tid} ${eventName(e)} ${renderArgs(e)}`) });
  t.diagnostic(lines.filter((l) => /^(?:-1|0|1) /.test(l) && l.includes(id)).map((l) => l.slice(0, 100)).join(' | '));
  // (other containers of a shared machine may be in it too: the records are matched by id)
  const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  const added = at(new RegExp(`^\\S+ container .*"id":"${id}"`));
  const user = at(new RegExp(`^-1 useradded uid=${UID} gid=${UID} name=sakerapp home=/home/sakerapp shell=/bin/sh container_id=${id}$`));
  const group = at(new RegExp(`^-1 groupadded gid=${UID} name=sakergrp container_id=${id}$`));
  const rootGroup = at(new RegExp(`^-1 groupadded gid=0 name=root container_id=${id}$`));
  const exec = at(new RegExp(`^${init} execve res=0 exe=/bin/sh `));
  const exit = at(new RegExp(`^${init} procexit `));
  const removed = at(new RegExp(`^0 container_removed .*"id":"${id}"`));
  const userGone = at(new RegExp(`^-1 userdeleted uid=${UID} .*container_id=${id}$`));
  const groupGone = at(new RegExp(`^-1 groupdeleted gid=${UID} .*container_id=${id}$`));
  for (const [what, i] of Object.entries({ added, user, group, rootGroup, exec, exit, removed, userGone, groupGone })) assert.ok(i >= 0, `${what} is in the capture`);
  assert.ok(added < exec, 'the container is described before its init execs');
  // Read through the first of its processes that shows the container's root (runc init once
  // pivoted, or the init's exec): written at the next event after the read, before the init exits.
  assert.ok(user < exit && group < exit && rootGroup < exit, "the container's users and groups come while it runs");
  assert.equal(removed, exit + 1, "the removal follows the init's exit at once");
  assert.ok(userGone > removed && groupGone > removed, 'then its users and groups go');
  assert.equal(lines.filter((l) => / container_removed /.test(l) && l.includes(`"id":"${id}"`)).length, 1);
});

const USER_FORMAT = '%evt.rawtime %thread.tid %evt.type %container.id %user.uid %user.name %user.homedir %user.shell %group.gid %group.name';
const LIBS_USER_CPP = 'https://github.com/falcosecurity/libs/blob/48dfd53cd23f/userspace/libsinsp/user.cpp#L316-L353';

test("saker reads the container's users back: the container's processes are named by its own /etc/passwd", { skip: missing }, () => {
  assert.ok(rec, 'recorded (see the before hook)');
  const rows = inspect(rec.file, `container.id = ${rec.id} and evt.type in (execve, openat, procexit)`, USER_FORMAT).map((l) => l.split(' '));
  const named = rows.filter((r) => r[5] === 'sakerapp');
  assert.ok(named.length > 0, `some event after the users were read names uid ${UID} sakerapp: ${rows.map((r) => r.join(' ')).join('\n')}`);
  for (const r of named) assert.deepEqual(r.slice(4), [String(UID), 'sakerapp', '/home/sakerapp', '/bin/sh', String(UID), 'sakergrp']);
  // The cat the init runs comes after the read: it is named.
  assert.ok(rows.some((r) => r[2] === 'execve' && r[5] === 'sakerapp'), 'an exec after the read is named');
});

/** The container's own entries (PASSWD, GROUP), by id: what the capture's records carry. */
const RECORDED_USERS: Record<string, string[]> = { 0: ['root', '/root', '/bin/sh'], [UID]: ['sakerapp', '/home/sakerapp', '/bin/sh'] };
const RECORDED_GROUPS: Record<string, string> = { 0: 'root', [UID]: 'sakergrp' };

test("libs master with the container plugin (sinsp-example) agrees on every event of the container but the users' names, which it drops from the capture", (t) => {
  if (missing !== undefined) return t.skip(missing);
  const bins = oracleBinaries(['sinspExample', 'containerPlugin']);
  if (typeof bins === 'string') return t.skip(bins);
  assert.ok(rec, 'recorded (see the before hook)');
  const filter = `container.id = ${rec.id}`;
  // sinsp-example appends the plugin's suggested fields to each line: cut at the marker.
  const out = execFileSync(bins.sinspExample, ['-a', '-s', rec.file, '-p', bins.containerPlugin, '-f', filter, '-o', `*${USER_FORMAT} #`], {
    encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 28,
  });
  const rows = (lines: string[]): Map<string, string[]> => new Map(lines.map((l) => l.split(' ')).map((r) => [`${r[0]} ${r[1]} ${r[2]}`, r.slice(3)]));
  const libs = rows(out.split('\n').filter((l) => l.includes(' #')).map((l) => l.slice(0, l.indexOf(' #'))));
  const saker = rows(inspect(rec.file, filter, USER_FORMAT));
  // libs also prints the leading records of the capture's process table, which inspect (like sysdig) hides.
  let common = 0;
  let recordNames = 0;
  for (const [key, s] of saker) {
    const l = libs.get(key);
    assert.ok(l, `libs has ${key}`);
    common++;
    // container.id, user.uid, group.gid: always equal.
    assert.deepEqual([l[0], l[1], l[5]], [s[0], s[1], s[5]], key);
    const [uid, gid] = [s[1]!, s[5]!];
    const user = l.slice(2, 5);
    const group = l[6];
    if (user.join(' ') === s.slice(2, 5).join(' ') && group === s[6]) continue;
    // libs' add_user/add_group keep a container's entry only when they can read its files through
    // /proc/<pid>/root (user.cpp add_container_user): the useradded/groupadded records a capture
    // carries, which libs itself writes (dump_users_groups), are dropped on replay. Its stand-ins
    // (root for 0, else <NA>) against Saker's names from the records.
    assert.deepEqual(user, uid === '0' ? ['root', '/root', '<NA>'] : ['<NA>', '<NA>', '<NA>'], `${key}: libs' stand-in user`);
    assert.deepEqual(s.slice(2, 5), RECORDED_USERS[uid], `${key}: saker's user is the capture's record`);
    assert.ok(group === s[6] || (group === (gid === '0' ? 'root' : '<NA>') && s[6] === RECORDED_GROUPS[gid]), `${key}: group ${group} / ${s[6]}`);
    recordNames++;
  }
  t.diagnostic(`${libs.size} events from libs, ${saker.size} from saker, ${common} compared; ${recordNames} name the container's users from the capture's records where libs has its stand-ins (${LIBS_USER_CPP})`);
  assert.ok(common > 10 && recordNames > 0);
});

test('cleanup', (t) => {
  if (rec && process.env.KEEP_CAPTURE === undefined) rmSync(rec.dir, { recursive: true, force: true });
  else if (rec) t.diagnostic(rec.file);
});
