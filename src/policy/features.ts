// What the running kernel lets BPF do, probed once at start as Tetragon's detect_linux.go does:
// `saker-policy --probe` tries to load (and where it matters attach) a tiny program of each kind
// and prints one JSON object. The hook planner refuses what a kernel lacks, naming the feature,
// so the same build uses BPF LSM or trampolines where a kernel permits them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { policySensorPath } from './sensor-path.js';

export interface KernelFeatures {
  /** The probe ran (root, sensor built); when false every other field is a guess. */
  probed: boolean;
  /** kprobe programs attach (CONFIG_KPROBES, a kprobe PMU). */
  kprobes: boolean;
  /** BPF trampolines: fentry/fexit programs load. */
  fentry: boolean;
  /** fmod_ret on security_* functions. */
  fmodRet: boolean;
  /** BPF LSM programs load. */
  lsm: boolean;
  /** bpf_override_return (CONFIG_BPF_KPROBE_OVERRIDE). */
  overrideReturn: boolean;
  /** bpf_send_signal from tracepoint programs. */
  sendSignal: boolean;
  /** tp_btf / raw_tp programs. */
  rawTracepoint: boolean;
  /** cgroup/connect4|6, bind4|6, sock_create. */
  cgroupSock: boolean;
  /** cgroup sock programs may set the syscall's errno (bpf_set_retval, 5.18+); else a denial is EPERM. */
  cgroupSetRetval: boolean;
  /** A cgroup v2 hierarchy is mounted (where the cgroup programs attach). */
  cgroup2: boolean;
  /** Why the probe did not run, when it did not. */
  error?: string;
}

/** Features assumed when the probe cannot run (not root, sensor not built): only what Saker needs itself. */
function unprobedFeatures(error: string): KernelFeatures {
  return {
    probed: false, kprobes: existsSync('/sys/bus/event_source/devices/kprobe'), fentry: false, fmodRet: false, lsm: false,
    overrideReturn: false, sendSignal: true, rawTracepoint: true, cgroupSock: true, cgroupSetRetval: false, cgroup2: false, error,
  };
}

/** Runs the probe; never throws. */
export function probeKernelFeatures(binary = policySensorPath()): KernelFeatures {
  if (!existsSync(binary)) return unprobedFeatures(`the policy sensor is not built (${binary}); run make -C sensor`);
  const r = spawnSync(binary, ['--probe'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return unprobedFeatures((r.stderr || r.error?.message || `exit ${r.status}`).trim());
  try {
    const j = JSON.parse(r.stdout) as Record<string, boolean>;
    return {
      probed: true, kprobes: !!j.kprobes, fentry: !!j.fentry, fmodRet: !!j.fmod_ret, lsm: !!j.lsm, overrideReturn: !!j.override_return,
      sendSignal: !!j.send_signal, rawTracepoint: !!j.raw_tracepoint, cgroupSock: !!j.cgroup_sock,
      cgroupSetRetval: !!j.cgroup_set_retval, cgroup2: !!j.cgroup2,
    };
  } catch (e) {
    return unprobedFeatures(`bad probe output: ${(e as Error).message}`);
  }
}
