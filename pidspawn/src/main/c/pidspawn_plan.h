/*
 * pidspawn plan ABI: the one source of truth for what Java writes into native
 * memory and the trampoline reads.
 *
 * Java mirrors every constant and layout below in
 * io.pidspawn.internal.spawn.PlanAbi; PlanAbiTest parses this file and fails
 * if the two disagree, and the library checks version and struct sizes when it
 * loads the trampoline. Bump PS_ABI_VERSION on any change.
 */
#ifndef PIDSPAWN_PLAN_H
#define PIDSPAWN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PS_ABI_VERSION 7

/*
 * Steps. Every op code is also the step reported when that op fails; CLONE
 * and EXEC are steps without an op.
 */
#define PS_STEP_CLONE        1  /* parent side: clone3 itself */
#define PS_STEP_CLOSE        2  /* close(fd) */
#define PS_STEP_DUP2         3  /* dup3(fd, newfd, flags); fd == newfd clears FD_CLOEXEC */
#define PS_STEP_OPEN         4  /* openat(fd, arg, flags, arg2) placed at newfd */
#define PS_STEP_FCHDIR       5  /* fchdir(fd) */
#define PS_STEP_CHDIR        6  /* chdir(arg) */
#define PS_STEP_CLOSE_RANGE  7  /* close_range(fd, newfd, flags); newfd -1 = to the maximum */
#define PS_STEP_SIGMASK      8  /* the mask the program starts with := arg */
#define PS_STEP_SIGDEFAULT   9  /* SIG_DFL for every signal in arg */
#define PS_STEP_EXEC        10  /* execveat */
#define PS_STEP_USERNS_WAIT 11  /* read a 4-byte errno from fd: 0 once the parent wrote the id maps */
#define PS_STEP_SETSID      12  /* setsid() */
#define PS_STEP_SETPGID     13  /* setpgid(0, fd): 0 = a group of its own */
#define PS_STEP_SETCTTY     14  /* ioctl(fd, TIOCSCTTY, 0) */
#define PS_STEP_SETRLIMIT   15  /* prlimit64(0, fd, arg -> {soft, hard}, NULL) */
#define PS_STEP_UMASK       16  /* umask(arg) */
#define PS_STEP_SCHED       17  /* sched_setscheduler(0, fd, {newfd}); fd -1: sched_setparam */
#define PS_STEP_NICE        18  /* setpriority(PRIO_PROCESS, 0, fd) */
#define PS_STEP_SETGROUPS   19  /* setgroups(fd, arg -> gid_t[fd]) */
#define PS_STEP_SETGID      20  /* setresgid(fd, fd, fd) */
#define PS_STEP_SETUID      21  /* setresuid(fd, fd, fd) */
#define PS_STEP_RESETIDS    22  /* effective ids := real ids */
#define PS_STEP_PDEATHSIG   23  /* prctl(PR_SET_PDEATHSIG, fd) */
#define PS_STEP_NO_NEW_PRIVS 24 /* prctl(PR_SET_NO_NEW_PRIVS, 1) */
/* 30-39: the sandbox, run from the plan's tail (see plan_tail), after everything else */
#define PS_STEP_LANDLOCK    30  /* landlock_restrict_self(fd, flags): fd is the ruleset */
#define PS_STEP_SECCOMP     31  /* seccomp(SECCOMP_SET_MODE_FILTER, flags, arg -> struct sock_fprog) */
/* 40-44: mounts and credentials */
#define PS_STEP_MOUNT_PROPAGATION 40 /* mount(NULL, "/", NULL, flags, NULL): MS_REC|MS_PRIVATE, _SLAVE or _SHARED */
/* 50-54: containment and lifetime */
#define PS_STEP_CGROUP_JOIN 50  /* write(fd, "0", 1): fd is a cgroup v1 cgroup.procs; "0" names the writer */
#define PS_STEP_TCSETPGRP   55  /* tcsetpgrp(fd, getpgrp()): the child's group gets the terminal */
#define PS_STEP_MAX         55

/* Which op list a failure came from. */
#define PS_LIST_NONE 0          /* no op: clone or exec */
#define PS_LIST_PLAN 1          /* the builder's compiled plan */
#define PS_LIST_RUN  2          /* the per-run actions */

/* One step of child set-up. 32 bytes, no padding. */
struct ps_op {
	uint32_t code;          /* PS_STEP_* */
	int32_t  fd;            /* source fd, first fd, or dirfd */
	int32_t  newfd;         /* target fd, or last fd of a range */
	uint32_t flags;         /* open, dup3 or close_range flags */
	uint64_t arg;           /* NUL-terminated path, or a 64-signal set */
	uint64_t arg2;          /* open mode */
};

/*
 * One spawn. The caller fills the first part; ps_spawn fills the second.
 * Pointers are plain addresses so the layout is the same for every ABI.
 */
struct ps_request {
	uint64_t clone_flags;   /* added to CLONE_VM|CLONE_VFORK|CLONE_PIDFD|CLONE_CLEAR_SIGHAND|CLONE_PARENT_SETTID */
	uint64_t cgroup_fd;     /* used with CLONE_INTO_CGROUP */
	uint64_t exec_path;     /* const char *: "" with AT_EMPTY_PATH; then exec_count more */
	uint64_t argv;          /* char *const[], NULL-terminated */
	uint64_t envp;          /* char *const[], NULL-terminated */
	uint64_t plan_ops;      /* const struct ps_op[]: shared by every run of a builder */
	uint64_t run_ops;       /* const struct ps_op[]: this run's actions */
	uint32_t plan_count;
	uint32_t plan_tail;     /* plan ops [plan_tail, plan_count) run after the run's actions:
	                           the sandbox (no_new_privs, Landlock, seccomp); plan_count: none */
	uint32_t run_count;
	uint32_t exec_count;    /* after execveat(exec_fd, exec_path, exec_flags) fails, the N paths
	                           that follow exec_path's NUL, back to back, are exec'd in turn as
	                           execvp's PATH search goes on (posix_spawnp): 0 for none */
	int32_t  exec_fd;       /* execveat dirfd */
	uint32_t exec_flags;    /* execveat flags */
	int32_t  fault_step;    /* tests only: fail at the first op with this step ... */
	int32_t  fault_errno;   /* ... with this errno instead of running it */
	int32_t  sync_fd;       /* >= 0: first wait for the parent (PS_STEP_USERNS_WAIT on this fd) */
	uint32_t files_limit;   /* > 0: share the fd table (CLONE_FILES) and, first thing in the
	                           child, unshare only the fds below it (close_range CLOSE_RANGE_UNSHARE) */

	/* results */
	int32_t  pid;           /* written by the kernel at clone time (CLONE_PARENT_SETTID) */
	int32_t  pidfd;
	int32_t  fail_list;     /* PS_LIST_*; meaningful when fail_step != 0 */
	int32_t  fail_index;    /* index into that list, or -1 */
	int32_t  fail_step;     /* 0: the child reached exec */
	int32_t  fail_errno;
};

/*
 * Layout facts that every compiler the build uses must agree with, checked at
 * compile time for each target (the aarch64 trampoline is cross-compiled and
 * cannot run here) and by PlanAbiTest against PlanAbi's layouts: every member
 * at the offset Java writes it, no padding anywhere.
 */
#define PS_LAYOUT(type, member, offset) \
	_Static_assert(offsetof(struct type, member) == (offset), \
		       "struct " #type ": " #member " must be at offset " #offset " as in PlanAbi")
#define PS_SIZE(type, size) \
	_Static_assert(sizeof(struct type) == (size), "struct " #type " must be " #size " bytes as in PlanAbi")

PS_SIZE(ps_op, 32);
PS_LAYOUT(ps_op, code, 0);
PS_LAYOUT(ps_op, fd, 4);
PS_LAYOUT(ps_op, newfd, 8);
PS_LAYOUT(ps_op, flags, 12);
PS_LAYOUT(ps_op, arg, 16);
PS_LAYOUT(ps_op, arg2, 24);

PS_SIZE(ps_request, 120);
PS_LAYOUT(ps_request, clone_flags, 0);
PS_LAYOUT(ps_request, cgroup_fd, 8);
PS_LAYOUT(ps_request, exec_path, 16);
PS_LAYOUT(ps_request, argv, 24);
PS_LAYOUT(ps_request, envp, 32);
PS_LAYOUT(ps_request, plan_ops, 40);
PS_LAYOUT(ps_request, run_ops, 48);
PS_LAYOUT(ps_request, plan_count, 56);
PS_LAYOUT(ps_request, plan_tail, 60);
PS_LAYOUT(ps_request, run_count, 64);
PS_LAYOUT(ps_request, exec_count, 68);
PS_LAYOUT(ps_request, exec_fd, 72);
PS_LAYOUT(ps_request, exec_flags, 76);
PS_LAYOUT(ps_request, fault_step, 80);
PS_LAYOUT(ps_request, fault_errno, 84);
PS_LAYOUT(ps_request, sync_fd, 88);
PS_LAYOUT(ps_request, files_limit, 92);
PS_LAYOUT(ps_request, pid, 96);
PS_LAYOUT(ps_request, pidfd, 100);
PS_LAYOUT(ps_request, fail_list, 104);
PS_LAYOUT(ps_request, fail_index, 108);
PS_LAYOUT(ps_request, fail_step, 112);
PS_LAYOUT(ps_request, fail_errno, 116);

/* The functions behind ps_call(fn, ...), the library's one export. */
#define PS_CALL_ABI              1
#define PS_CALL_SPAWN            2
#define PS_CALL_RELAY_INSTALL    3
#define PS_CALL_RELAY_TARGET     4
#define PS_CALL_RELAY_RESTORE    5

/* Selectors for ps_abi(), checked against Java's layouts at load time. */
#define PS_ABI_VERSION_Q         0
#define PS_ABI_SIZEOF_OP         1
#define PS_ABI_SIZEOF_REQUEST    2
#define PS_ABI_OFFSETOF_PID      3
#define PS_ABI_OFFSETOF_ERRNO    4

#endif
