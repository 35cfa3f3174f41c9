// TracingPolicies over an agent's life: validate and list from the CLI, a policy this kernel
// cannot run refused at start with its location, SIGHUP adding, changing and removing policies
// without restarting the sensors (a bad file keeps its old policies enforcing), and the agent,
// its sensors and their children never acted on even by a policy that names them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Agent, sleep } from './helpers/agent.js';
import { repoRoot } from './helpers/env.js';
import { PolicyWork, policyAgentMissing } from './helpers/policy.js';

const missing = policyAgentMissing();
const policyWork = new PolicyWork('saker-e2e-policy-life-');
const work = policyWork.dir;
const saker = join(repoRoot, 'bin', 'saker.js');
after(() => policyWork.remove());

function killPolicy(name: string, whence: number, pids = [process.pid]): string {
  return `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: ${name}
spec:
  kprobes:
  - call: sys_lseek
    args: [{index: 2, type: int}]
    selectors:
    - matchPIDs: [{operator: In, followForks: true, values: [${pids.join(', ')}]}]
      matchArgs: [{index: 2, operator: Equal, values: ["${whence}"]}]
      matchActions: [{action: Sigkill}]
`;
}

/** lseek(-1, 0, whence) in a fresh process (test/e2e/helpers/policy-victim.c). */
function lseek(whence: number) {
  return spawnSync(policyWork.victims([]), ['lseek', '-1', String(whence)], { encoding: 'utf8' });
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

test('saker validate --policy: located errors, Ok files, exit status', () => {
  const bad = join(work, 'bad.yaml');
  writeFileSync(bad, killPolicy('bad', 1).replace('operator: Equal', 'operator: equal').replace('matchActions: [{action: Sigkill}]', 'matchActions: [{action: Sigkill, rateLimit: "5"}]'));
  const good = join(work, 'good.yaml');
  writeFileSync(good, killPolicy('good', 1));
  const r = spawnSync(process.execPath, [saker, 'validate', '--policy', bad, '--policy', good], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`${bad}: Invalid\\n  ${bad}:11:40: error: spec\\.kprobes\\[0\\]\\.selectors\\[0\\]\\.matchArgs\\[0\\]\\.operator: "equal" is not one of "Equal"`));
  assert.match(r.stdout, new RegExp(`${good}: Ok \\(good\\)`));
  const ok = spawnSync(process.execPath, [saker, 'validate', '--policy', good, '--json'], { encoding: 'utf8' });
  assert.equal(ok.status, 0);
  assert.deepEqual(JSON.parse(ok.stdout).files.map((f: { policies: string[] }) => f.policies), [['good']]);
  const list = spawnSync(process.execPath, [saker, 'list', '--policies', '--policy', good], { encoding: 'utf8' });
  assert.match(list.stdout, /^good\s+TracingPolicy\s+enforce\s+__x64_sys_lseek$/m);
});

test('saker run refuses a policy this kernel cannot run, naming file, line, column and the feature', { skip: missing }, () => {
  const lsm = join(work, 'lsm.yaml');
  writeFileSync(lsm, 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: lsm\nspec:\n  lsmhooks:\n  - hook: file_open\n    args: [{index: 0, type: file}]\n');
  const r = spawnSync(process.execPath, [saker, 'run', '--policy', lsm, '--duration', '5'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${lsm}:7:5: error: spec\\.lsmhooks\\[0\\]: an LSM hook needs BPF LSM .*which this kernel does not provide`));
  assert.doesNotMatch(r.stderr, /ready/);
});

test('SIGHUP adds, changes and removes policies without restarting the sensors; a bad file keeps its policies; the agent and its children are never killed', { skip: missing }, async () => {
  const dir = join(work, 'live');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), killPolicy('a', 4141));
  writeFileSync(join(dir, 'b.yaml'), killPolicy('b', 4343));
  const agent = await Agent.start({ options: [`policies=${dir}`], readyTimeoutMs: 60_000 });
  try {
    assert.equal(lseek(4141).signal, 'SIGKILL');
    const sensors = childrenOf(agent.pid);
    assert.ok(sensors.length >= 2, `the agent's sensors: ${sensors.join(' ')}`);

    // remove a, change b to another value, add c, and a policy that names the agent and its
    // sensors on the syscalls they make all the time
    unlinkSync(join(dir, 'a.yaml'));
    writeFileSync(join(dir, 'b.yaml'), killPolicy('b', 4444));
    writeFileSync(join(dir, 'c.yaml'), killPolicy('c', 4545));
    writeFileSync(join(dir, 'self.yaml'), `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: self
spec:
  lists:
  - name: busy
    type: syscalls
    values: [sys_read, sys_write, sys_epoll_wait, sys_epoll_pwait, sys_futex, sys_poll, sys_ppoll, sys_openat, sys_close, sys_getpid, sys_lseek]
  kprobes:
  - call: list:busy
    selectors:
    - matchPIDs: [{operator: In, followForks: true, values: [${[agent.pid, ...sensors].slice(0, 4).join(', ')}]}]
      matchActions: [{action: Sigkill}]
`);
    process.kill(agent.pid, 'SIGHUP');
    const deadline = Date.now() + 15_000;
    while (!/policies reloaded/.test(agent.stderr)) {
      assert.ok(Date.now() < deadline, `no reload:\n${agent.stderr}`);
      await sleep(100);
    }
    assert.match(agent.stderr, /policies reloaded: b, c, self/);
    assert.equal(lseek(4141).status, 0, 'a was removed');
    assert.equal(lseek(4343).status, 0, 'b changed');
    assert.equal(lseek(4444).signal, 'SIGKILL', 'b changed');
    assert.equal(lseek(4545).signal, 'SIGKILL', 'c added');

    // a file that no longer loads keeps its previous policy
    writeFileSync(join(dir, 'c.yaml'), killPolicy('c', 4646).replace('kprobes', 'kprobez'));
    process.kill(agent.pid, 'SIGHUP');
    while (!/kept their previous policies/.test(agent.stderr)) {
      assert.ok(Date.now() < deadline + 15_000, `no second reload:\n${agent.stderr}`);
      await sleep(100);
    }
    assert.equal(lseek(4545).signal, 'SIGKILL', 'c still enforcing');
    await sleep(1000);
    for (const pid of [agent.pid, ...sensors]) assert.ok(existsSync(`/proc/${pid}`), `pid ${pid} of the agent is alive`);
  } finally {
    const stderr = await agent.stop();
    assert.match(stderr, /policy self \(enforce\): 0 events, 0 enforced/);
    assert.doesNotMatch(stderr, /sensor failed|restarting/);
  }
});
