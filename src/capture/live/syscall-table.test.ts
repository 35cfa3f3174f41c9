// The sensor's generated syscall tables (sensor/scripts/gen-syscall-table.ts): every x86-64
// syscall with its evt.type name, ppm_sc code and libs event (sensor/src/loader/syscall-table.c),
// and the ia32 -> x86-64 translation of compat syscalls (sensor/src/bpf/ia32.h). This VM has no
// IA32 emulation (int 0x80 faults), so the translation is tested here as a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EF } from '../../events/index.js';
import { EVENT_TABLE } from '../../events/index.js';
import { syscallName } from '../../events/index.js';
import { X64_SYSCALLS } from '../../events/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sensorSrc = join(root, 'sensor', 'src');
const ASM = '/usr/include/x86_64-linux-gnu/asm';

interface Entry { kernel: string; name: string; nr: number; sc: number; event: number; res: boolean }

function entries(): Entry[] {
  const text = readFileSync(join(sensorSrc, 'loader', 'syscall-table.c'), 'utf8');
  return [...text.matchAll(/\{"(\w+)", "(\w+)", (\d+), (\d+), (\d+), ([01])\}/g)].map((m) => ({
    kernel: m[1]!, name: m[2]!, nr: Number(m[3]), sc: Number(m[4]), event: Number(m[5]), res: m[6] === '1',
  }));
}

function ia32Table(): number[] {
  const text = readFileSync(join(sensorSrc, 'bpf', 'ia32.h'), 'utf8');
  const body = /ia32_to_x64\[IA32_SYSCALLS\] = \{([^}]*)\}/.exec(text)![1]!;
  return body.split(',').map((v) => v.trim()).filter((v) => v !== '').map(Number);
}

function uapi(file: string): Map<string, number> {
  return new Map([...readFileSync(join(ASM, file), 'utf8').matchAll(/^#define __NR_(\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

test('every x86-64 syscall has its evt.type name, ppm_sc code and libs event', () => {
  const all = entries();
  assert.ok(all.length > 350, `only ${all.length} syscalls`);
  assert.deepEqual(all.map((e) => [e.kernel, e.nr, e.name]), X64_SYSCALLS, 'events/x64-syscalls.ts is generated from the same table');
  assert.equal(new Set(all.map((e) => e.nr)).size, all.length, 'one entry per number');
  for (const e of all) {
    if (e.sc !== 0) assert.equal(syscallName(e.sc), e.kernel, `${e.kernel}: ppm_sc ${e.sc}`);
    if (e.event === 0) {
      assert.equal(e.name, e.kernel, `${e.kernel}: a generic event is named after the syscall`);
      continue;
    }
    const info = EVENT_TABLE[e.event]!;
    assert.equal(info.name, e.name, `${e.kernel}: event ${e.event}`);
    assert.equal(e.event & 1, 1, `${e.kernel}: an exit event`);
    assert.equal(info.flags & EF.OLD_VERSION, 0, `${e.kernel}: the current version`);
    assert.equal(e.res, ['res', 'fd'].includes(info.params[0]?.name ?? ''), `${e.kernel}: return value as first parameter`);
  }
  const byKernel = new Map(all.map((e) => [e.kernel, e]));
  assert.deepEqual(byKernel.get('pread64'), { kernel: 'pread64', name: 'pread', nr: 17, sc: byKernel.get('pread64')!.sc, event: 113, res: true });
  assert.equal(byKernel.get('fsopen')?.event, 0, 'the new mount API has no libs event: generic');
  assert.equal(byKernel.get('kill')?.nr, 62);
  assert.equal(byKernel.get('mseal')?.nr, 462, 'syscalls newer than the build headers are listed');
});

test('the numbers are the kernel uapi ones', (t) => {
  if (!existsSync(join(ASM, 'unistd_64.h'))) return t.skip(`no ${ASM}/unistd_64.h (linux-libc-dev)`);
  const x64 = uapi('unistd_64.h');
  for (const e of entries()) if (x64.has(e.kernel)) assert.equal(e.nr, x64.get(e.kernel), e.kernel);
  for (const [name, nr] of x64) assert.ok(entries().some((e) => e.kernel === name && e.nr === nr), `${name} missing`);
});

test('ia32 syscalls translate to the x86-64 call of the same name, as the modern probe does', (t) => {
  const map = ia32Table();
  const x64 = new Map(entries().map((e) => [e.nr, e]));
  const via = (ia32: number): string | undefined => x64.get(map[ia32] ?? -1)?.name;
  // spot checks, from arch/x86/entry/syscalls/syscall_32.tbl
  assert.equal(via(5), 'open', 'int 0x80 open of /etc/shadow reaches the open rules');
  assert.equal(via(295), 'openat');
  assert.equal(via(11), 'execve');
  assert.equal(via(358), 'execveat');
  assert.equal(via(6), 'close');
  assert.equal(via(37), 'kill');
  assert.equal(via(212), 'chown', 'chown32');
  assert.equal(via(213), 'setuid', 'setuid32');
  assert.equal(via(61), 'chroot');
  assert.equal(via(66), 'setsid');
  assert.equal(via(125), 'mprotect');
  assert.equal(via(192), 'mmap', 'mmap2');
  assert.equal(via(362), 'connect');
  assert.equal(via(120), 'clone');
  assert.equal(via(426), 'io_uring_enter');
  assert.equal(map[102], -1, 'socketcall multiplexes: not translated');
  assert.equal(map[117], -1, 'ipc multiplexes: not translated');
  if (!existsSync(join(ASM, 'unistd_32.h'))) return t.skip(`no ${ASM}/unistd_32.h (linux-libc-dev)`);
  const ia32 = uapi('unistd_32.h');
  const byName = new Map(entries().map((e) => [e.kernel, e.nr]));
  let same = 0;
  for (const [name, nr] of ia32) {
    if (!byName.has(name)) continue;
    assert.equal(map[nr], byName.get(name), `ia32 ${name} (${nr})`);
    same++;
  }
  assert.ok(same > 300, `${same} calls shared by name`);
});
