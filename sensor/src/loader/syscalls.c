#include "syscalls.h"
#include "../bpf/events.h"
#include "syscall-table.h"

#include <stdlib.h>
#include <string.h>

/* The syscalls with a decoder (BPF program sx_<name>); x86-64 numbers, from <asm/unistd_64.h>.
 * Every other syscall in syscall-table.c is captured too, as a generic event. */
const struct syscall_info SYSCALLS[] = {
	{"execve", 59, PPME_SYSCALL_EXECVE_19_X},
	{"execveat", 322, PPME_SYSCALL_EXECVEAT_X},
	{"clone", 56, PPME_SYSCALL_CLONE_20_X},
	{"clone3", 435, PPME_SYSCALL_CLONE3_X},
	{"fork", 57, PPME_SYSCALL_FORK_20_X},
	{"vfork", 58, PPME_SYSCALL_VFORK_20_X},
	{"procexit", -1, PPME_PROCEXIT_1_E},
	{"open", 2, PPME_SYSCALL_OPEN_X},
	{"openat", 257, PPME_SYSCALL_OPENAT_2_X},
	{"openat2", 437, PPME_SYSCALL_OPENAT2_X},
	{"creat", 85, PPME_SYSCALL_CREAT_X},
	{"close", 3, PPME_SYSCALL_CLOSE_X},
	{"dup", 32, PPME_SYSCALL_DUP_1_X},
	{"dup2", 33, PPME_SYSCALL_DUP2_X},
	{"dup3", 292, PPME_SYSCALL_DUP3_X},
	{"link", 86, PPME_SYSCALL_LINK_2_X},
	{"linkat", 265, PPME_SYSCALL_LINKAT_2_X},
	{"symlink", 88, PPME_SYSCALL_SYMLINK_X},
	{"symlinkat", 266, PPME_SYSCALL_SYMLINKAT_X},
	{"rename", 82, PPME_SYSCALL_RENAME_X},
	{"renameat", 264, PPME_SYSCALL_RENAMEAT_X},
	{"renameat2", 316, PPME_SYSCALL_RENAMEAT2_X},
	{"unlink", 87, PPME_SYSCALL_UNLINK_2_X},
	{"unlinkat", 263, PPME_SYSCALL_UNLINKAT_2_X},
	{"mkdir", 83, PPME_SYSCALL_MKDIR_2_X},
	{"mkdirat", 258, PPME_SYSCALL_MKDIRAT_X},
	{"rmdir", 84, PPME_SYSCALL_RMDIR_2_X},
	{"chmod", 90, PPME_SYSCALL_CHMOD_X},
	{"fchmod", 91, PPME_SYSCALL_FCHMOD_X},
	{"fchmodat", 268, PPME_SYSCALL_FCHMODAT_X},
	{"chdir", 80, PPME_SYSCALL_CHDIR_X},
	{"fchdir", 81, PPME_SYSCALL_FCHDIR_X},
	{"pipe", 22, PPME_SYSCALL_PIPE_X},
	{"pipe2", 293, PPME_SYSCALL_PIPE2_X},
	{"fcntl", 72, PPME_SYSCALL_FCNTL_X},
	{"memfd_create", 319, PPME_SYSCALL_MEMFD_CREATE_X},
	{"socket", 41, PPME_SOCKET_SOCKET_X},
	{"connect", 42, PPME_SOCKET_CONNECT_X},
	{"accept", 43, PPME_SOCKET_ACCEPT_5_X},
	{"accept4", 288, PPME_SOCKET_ACCEPT4_6_X},
	{"bind", 49, PPME_SOCKET_BIND_X},
	{"listen", 50, PPME_SOCKET_LISTEN_X},
	{"sendto", 44, PPME_SOCKET_SENDTO_X},
	{"sendmsg", 46, PPME_SOCKET_SENDMSG_X},
	{"recvfrom", 45, PPME_SOCKET_RECVFROM_X},
	{"recvmsg", 47, PPME_SOCKET_RECVMSG_X},
	{"socketpair", 53, PPME_SOCKET_SOCKETPAIR_X},
	{"unshare", 272, PPME_SYSCALL_UNSHARE_X},
	{"setns", 308, PPME_SYSCALL_SETNS_X},
	{"ptrace", 101, PPME_SYSCALL_PTRACE_X},
	{"mount", 165, PPME_SYSCALL_MOUNT_X},
	{"umount2", 166, PPME_SYSCALL_UMOUNT2_X},
	{"bpf", 321, PPME_SYSCALL_BPF_2_X},
	{"setuid", 105, PPME_SYSCALL_SETUID_X},
	{"setgid", 106, PPME_SYSCALL_SETGID_X},
	{"setresuid", 117, PPME_SYSCALL_SETRESUID_X},
	{"init_module", 175, PPME_SYSCALL_INIT_MODULE_X},
	{"finit_module", 313, PPME_SYSCALL_FINIT_MODULE_X},
	{"userfaultfd", 323, PPME_SYSCALL_USERFAULTFD_X},
	{"prctl", 157, PPME_SYSCALL_PRCTL_X},
	{"capset", 126, PPME_SYSCALL_CAPSET_X},
	{"chown", 92, PPME_SYSCALL_CHOWN_X},
	{"lchown", 94, PPME_SYSCALL_LCHOWN_X},
	{"fchown", 93, PPME_SYSCALL_FCHOWN_X},
	{"fchownat", 260, PPME_SYSCALL_FCHOWNAT_X},
	{"open_by_handle_at", 304, PPME_SYSCALL_OPEN_BY_HANDLE_AT_X},
	{"close_range", 436, PPME_SYSCALL_CLOSE_RANGE_X},
	{"kill", 62, PPME_SYSCALL_KILL_X},
	{"tkill", 200, PPME_SYSCALL_TKILL_X},
	{"tgkill", 234, PPME_SYSCALL_TGKILL_X},
	{"chroot", 161, PPME_SYSCALL_CHROOT_X},
	{"setsid", 112, PPME_SYSCALL_SETSID_X},
	{"setreuid", 113, PPME_SYSCALL_SETREUID_X},
	{"setregid", 114, PPME_SYSCALL_SETREGID_X},
	{"setresgid", 119, PPME_SYSCALL_SETRESGID_X},
	{"pidfd_open", 434, PPME_SYSCALL_PIDFD_OPEN_X},
	{"pidfd_getfd", 438, PPME_SYSCALL_PIDFD_GETFD_X},
	{"mmap", 9, PPME_SYSCALL_MMAP_X},
	{"mprotect", 10, PPME_SYSCALL_MPROTECT_X},
	{"process_vm_readv", 310, PPME_SYSCALL_PROCESS_VM_READV_X},
	{"process_vm_writev", 311, PPME_SYSCALL_PROCESS_VM_WRITEV_X},
	{"read", 0, PPME_SYSCALL_READ_X},
	{"write", 1, PPME_SYSCALL_WRITE_X},
	{"pread64", 17, PPME_SYSCALL_PREAD_X},
	{"pwrite64", 18, PPME_SYSCALL_PWRITE_X},
	{"readv", 19, PPME_SYSCALL_READV_X},
	{"writev", 20, PPME_SYSCALL_WRITEV_X},
	{"preadv", 295, PPME_SYSCALL_PREADV_X},
	{"pwritev", 296, PPME_SYSCALL_PWRITEV_X},
	{"io_uring_setup", 425, PPME_SYSCALL_IO_URING_SETUP_X},
	{"io_uring_enter", 426, PPME_SYSCALL_IO_URING_ENTER_X},
	{"io_uring_register", 427, PPME_SYSCALL_IO_URING_REGISTER_X},
};

const size_t N_SYSCALLS = sizeof(SYSCALLS) / sizeof(SYSCALLS[0]);

/* The decoded syscall of x86-64 number `nr`, or NULL. */
static const struct syscall_info *decoded(int nr)
{
	for (size_t i = 0; i < N_SYSCALLS; i++)
		if (SYSCALLS[i].nr == nr)
			return &SYSCALLS[i];
	return NULL;
}

int syscall_by_token(const char *token, const struct syscall_info **dec)
{
	char *end;
	long code = strtol(token, &end, 10);
	int numeric = *token && !*end;

	*dec = NULL;
	if (!numeric && strcmp(token, "procexit") == 0)
		return SYSCALL_PROCEXIT;
	if (numeric && (code == PPME_PROCEXIT_1_E || code == PPME_PROCEXIT_1_E - 1))
		return SYSCALL_PROCEXIT;
	for (size_t i = 0; i < SYSCALL_TABLE_LEN; i++) {
		const struct syscall_entry *e = &SYSCALL_TABLE[i];
		/* event codes: the enter or exit code of the event produced, decoded or not */
		int event = decoded(e->nr) ? decoded(e->nr)->exit_code : e->event;
		int match = numeric ? event > 1 && (code == event || code == event - 1)
				    : strcmp(token, e->name) == 0 || strcmp(token, e->kernel) == 0;
		if (match) {
			*dec = decoded(e->nr);
			return e->nr;
		}
	}
	return SYSCALL_UNKNOWN;
}
