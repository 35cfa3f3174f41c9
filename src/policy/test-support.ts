// Test fixtures for the policy modules: this kernel's feature set, and tracepoint formats that do
// not depend on the machine's tracefs.
import type { CheckEnv } from './checks.js';
import type { KernelFeatures } from './features.js';
import { parseFormat } from './tracefs.js';

/** This kernel: tracepoints, raw/BTF tracepoints, bpf_send_signal, cgroup BPF; no kprobes, trampolines or BPF LSM. */
export const THIS_KERNEL: KernelFeatures = {
  probed: true, kprobes: false, fentry: false, fmodRet: false, lsm: false, overrideReturn: false, sendSignal: true, rawTracepoint: true, cgroupSock: true,
  cgroupSetRetval: true, cgroup2: true,
};

const COMMON = `field:unsigned short common_type;	offset:0;	size:2;	signed:0;
field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
field:int common_pid;	offset:4;	size:4;	signed:1;
field:int __syscall_nr;	offset:8;	size:4;	signed:1;
`;
const FORMATS: Record<string, string> = {
  'syscalls/sys_enter_lseek': `${COMMON}field:unsigned int fd;	offset:16;	size:8;	signed:0;
field:off_t offset;	offset:24;	size:8;	signed:0;
field:unsigned int whence;	offset:32;	size:8;	signed:0;`,
  'syscalls/sys_enter_read': `${COMMON}field:unsigned int fd;	offset:16;	size:8;	signed:0;`,
  'syscalls/sys_enter_connect': `${COMMON}field:int fd;	offset:16;	size:8;	signed:0;
field:struct sockaddr * uservaddr;	offset:24;	size:8;	signed:0;
field:int addrlen;	offset:32;	size:8;	signed:0;`,
  'syscalls/sys_enter_openat': `${COMMON}field:int dfd;	offset:16;	size:8;	signed:0;
field:const char * filename;	offset:24;	size:8;	signed:0;`,
};
export const FAKE_ENV: CheckEnv = { tracepointFormat: (s, e) => (FORMATS[`${s}/${e}`] ? parseFormat(FORMATS[`${s}/${e}`]!) : undefined) };

