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

#include <stdint.h>

#define PS_ABI_VERSION 5

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
/* 50-54: containment and lifetime */
#define PS_STEP_CGROUP_JOIN 50  /* write(fd, "0", 1): fd is a cgroup v1 cgroup.procs; "0" names the writer */
#define PS_STEP_MAX         50

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
	uint64_t exec_path;     /* const char *: "" with AT_EMPTY_PATH */
	uint64_t argv;          /* char *const[], NULL-terminated */
	uint64_t envp;          /* char *const[], NULL-terminated */
	uint64_t plan_ops;      /* const struct ps_op[]: shared by every run of a builder */
	uint64_t run_ops;       /* const struct ps_op[]: this run's actions */
	uint32_t plan_count;
	uint32_t run_count;
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

/* Selectors for ps_abi(), checked against Java's layouts at load time. */
#define PS_ABI_VERSION_Q         0
#define PS_ABI_SIZEOF_OP         1
#define PS_ABI_SIZEOF_REQUEST    2
#define PS_ABI_OFFSETOF_PID      3
#define PS_ABI_OFFSETOF_ERRNO    4

#endif
