// Every upstream policy in ../shared/peers/tetragon-policies loads on this kernel's feature set,
// or is refused with the reason: the lsm and security-kprobe ones for the kernel features they
// need, the others for what Saker's policy sensor does not do yet. The table below is the
// expectation, one line per file; the test fails when a file's outcome or reason changes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedDir } from '../testing/shared.js';
import { loadPolicyText } from './load.js';
import { THIS_KERNEL } from './test-support.js';
import { tracefsRoot } from './tracefs.js';

/** file -> 'loads', or a pattern every refusal of the file matches (at least one error). */
const EXPECTED: Record<string, 'loads' | RegExp> = {
  'tracepoint/killer.yaml': /enforcer.*bpf_override_return.*fmod_ret.*this kernel does not provide/,
  'tracepoint/list-syscalls-tracepoint.yaml': 'loads',
  'tracepoint/raw_syscalls.yaml': 'loads',
  'tracepoint/rawtp.yaml': 'loads',
  'lsm/lsm_bprm_check.yaml': /BPF LSM.*this kernel does not provide/,
  'lsm/lsm_file_open.yaml': /BPF LSM.*this kernel does not provide/,
  'lsm/lsm_track_grandparent.yml': /BPF LSM.*this kernel does not provide/,
  'syscall-kprobe-mappable/hardlink-observe.yaml': 'loads',
  'syscall-kprobe-mappable/hardlink-override.yaml': /Override on __x64_sys_\w+ needs bpf_override_return/,
  'syscall-kprobe-mappable/list-syscalls-generated.yaml': 'loads',
  'syscall-kprobe-mappable/list-syscalls.yaml': 'loads',
  'syscall-kprobe-mappable/openat_write.yaml': 'loads',
  'syscall-kprobe-mappable/policylibrary-privileges-setuid-root.yaml': 'loads',
  'syscall-kprobe-mappable/process.credentials.changes.at.syscalls.yaml': 'loads',
  'syscall-kprobe-mappable/symlink-observe.yaml': 'loads',
  'syscall-kprobe-mappable/symlink-override.yaml': /Override on __x64_sys_\w+ needs bpf_override_return/,
  'syscall-kprobe-mappable/sys_clock_settime.yaml': 'loads',
  'syscall-kprobe-mappable/sys_mount.yaml': 'loads',
  'syscall-kprobe-mappable/sys_pivot_root.yaml': 'loads',
  'syscall-kprobe-mappable/sys_ptrace.yaml': 'loads',
  'syscall-kprobe-mappable/sys_setuid.yaml': 'loads',
  'syscall-kprobe-mappable/write.yaml': 'loads',
  'test-specs/capchanges.yaml.tmpl': /kprobes \(CONFIG_KPROBES\) or BPF trampolines.*this kernel does not provide/,
  'test-specs/nschanges.yaml.tmpl': /kprobes \(CONFIG_KPROBES\) or BPF trampolines.*this kernel does not provide/,
  'test-specs/sigkill.yaml.tmpl': 'loads',
  'test-specs/sigkill_return.yaml.tmpl': 'loads',
  'test-specs/sigkill_tracepoint.yaml.tmpl': 'loads',
  'test-specs/syslseek.yaml': 'loads',
};
for (const f of ['cve-2023-2640-overlayfs-ubuntu', 'cve-2024-3094-xz-ssh', 'filename_monitoring', 'filename_monitoring_filtered',
  'other-file-block-kubectl-exec-access', 'override-security', 'policylibrary-modules', 'process-exec-elf-begin', 'quickstart-file_monitoring',
  'quickstart-file_monitoring_enforce', 'security-socket-connect-block-others', 'security-socket-connect', 'security_bprm_check',
  'security_inode_follow_link']) {
  EXPECTED[`security-kprobe-lsm-mappable/${f}.yaml`] = /(kprobe|a return probe) on kernel function security_\w+ needs (kprobes|kretprobes) \(CONFIG_KPROBES\) or BPF trampolines \((fentry|fexit)\), which this kernel does not provide/;
}

/** Tetragon's test templates with their Go-template parameters filled in. */
function instantiate(text: string): string {
  return text.replace(/\{\{\.MatchedPID\}\}/g, '1234').replace(/\{\{\.NamespacePID\}\}/g, 'false')
    .replace(/\{\{\.ChangesOp\}\}/g, 'In').replace(/\{\{\.ChangesValues\}\}/g, 'CAP_MKNOD');
}

test('every upstream policy loads or is refused with the reason', (t) => {
  const shared = sharedDir();
  if (!shared) return t.skip('../shared is absent (peers/tetragon-policies)');
  if (!tracefsRoot()) return t.skip('tracefs is not mounted and cannot be (needs root): tracepoint formats are unknown');
  const root = join(shared, 'peers', 'tetragon-policies');
  const seen: string[] = [];
  const table: string[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = `${dir}/${name}`;
      seen.push(rel);
      const r = loadPolicyText(rel, instantiate(readFileSync(join(root, rel), 'utf8')), { features: THIS_KERNEL });
      const errors = r.file.problems.filter((p) => p.severity === 'error');
      const expected = EXPECTED[rel];
      assert.ok(expected !== undefined, `no expectation for ${rel}`);
      if (expected === 'loads') {
        assert.deepEqual(errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`), [], rel);
        assert.ok(r.loaded.length > 0 && r.loaded.every((p) => p.plan.hooks.length > 0), `${rel}: nothing planned`);
        table.push(`${rel}: loads (${r.loaded.map((p) => p.plan.hooks.length).join('+')} hooks)`);
      } else {
        assert.equal(r.loaded.length, 0, `${rel} loaded but should be refused`);
        assert.ok(errors.length > 0 && errors.every((e) => e.line > 0), `${rel}: refused without located errors`);
        assert.ok(errors.some((e) => expected.test(e.message)), `${rel}: ${errors.map((e) => e.message).join(' | ')}`);
        table.push(`${rel}: refused: ${errors[0]!.path}: ${errors[0]!.message}`);
      }
    }
  }
  assert.deepEqual(seen.sort(), Object.keys(EXPECTED).sort(), 'the corpus changed');
  for (const line of table) t.diagnostic(line);
});
