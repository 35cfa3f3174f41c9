#include "syscalls.h"
#include "../bpf/events.h"

#include <stdlib.h>
#include <string.h>

/* x86-64 numbers, from <asm/unistd_64.h>. */
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
};

const size_t N_SYSCALLS = sizeof(SYSCALLS) / sizeof(SYSCALLS[0]);

const struct syscall_info *syscall_by_token(const char *token)
{
	char *end;
	long code = strtol(token, &end, 10);
	int numeric = *token && !*end;

	for (size_t i = 0; i < N_SYSCALLS; i++) {
		const struct syscall_info *s = &SYSCALLS[i];
		if (numeric ? (code == s->exit_code || code == s->exit_code - 1)
			    : strcmp(token, s->name) == 0)
			return s;
	}
	return NULL;
}
