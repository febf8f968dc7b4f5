/*
 * pidspawn trampoline: the only code that runs between clone and exec.
 *
 * ps_spawn() clones a CLONE_VM|CLONE_VFORK|CLONE_PIDFD child onto a stack in
 * its own frame; the child interprets the ops Java prepared and execs. The
 * calling thread sleeps until the child has exec'd or exited.
 *
 * Rules for everything reachable from child_main (it shares the JVM's memory
 * and runs on a borrowed stack):
 *   - raw syscalls only: no libc, so no errno, no locks, no malloc, no lazy
 *     PLT binding (the library is also linked with -z now);
 *   - no writes to shared memory except the failure record in the request;
 *   - bounded stack: no recursion, no variable-length arrays;
 *   - every failure = record (list, index, step, errno) + exit_group(127).
 * All signals are blocked in the parent around the clone; the child starts
 * with every handler reset (CLONE_CLEAR_SIGHAND, Linux 5.5), so no JVM
 * handler can ever run in it, and unblocks only just before exec.
 *
 * Copying the parent's fd table costs about 60 ns per open fd, and a JVM that
 * supervises thousands of children holds thousands of pidfds. With files_limit
 * set, the child shares the table (CLONE_FILES) and its first act is
 * close_range(files_limit, ~0U, CLOSE_RANGE_UNSHARE), which copies only the
 * fds below files_limit (Linux 5.9): the caller puts every fd the child needs
 * below it and its own long-lived fds above.
 *
 * The program starts with an empty signal mask unless a SIGMASK op sets one:
 * JVM threads block signals for the JVM's own reasons (HotSpot blocks SIGQUIT
 * outside its signal thread), and a child must not inherit that.
 *
 * The order in the child: the plan's head (process attributes, fds, cwd), the
 * run's actions, the signal mask, then the plan's tail, which is the sandbox:
 * no_new_privs, landlock_restrict_self, seccomp. The seccomp filter comes last
 * so that it only has to allow what is left, execveat and exit_group; the mask
 * is set before it, so a filter denying rt_sigprocmask cannot leave the program
 * with every signal blocked. Landlock comes after the run's actions because
 * those open what the parent asked for (stdio files), which the sandbox may
 * deny to the program itself.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <asm/ioctls.h>
#include <asm/unistd.h>
#include <linux/prctl.h>
#include <sys/resource.h>   /* PRIO_PROCESS; linux/resource.h clashes with glibc's signal.h on aarch64 */
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <linux/errno.h>

#include "pidspawn_plan.h"

#define EXPORT __attribute__((visibility("default")))

/* Enough for the child's few frames; musl gets by with about 5 KiB. */
#define CHILD_STACK_SIZE (16 * 1024)

#define SIGBIT(sig) (1ULL << ((sig) - 1))

/* Older headers lack these; the numbers are the same on x86_64 and aarch64. */
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

/* ---- raw syscalls: return the result or -errno, never touch errno ---- */

#if defined(__x86_64__)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile ("syscall"
		: "=a"(ret)
		: "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
		: "rcx", "r11", "memory");
	return ret;
}

/*
 * long ps_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
 * In the child, on the new stack: exit_group(fn(arg)). fn and arg ride in
 * rdx and r8, which the syscall instruction preserves.
 */
__asm__(
	".text\n"
	".type ps_clone3, @function\n"
	"ps_clone3:\n"
	"	mov %rcx, %r8\n"
	"	mov $" "435" ", %eax\n"          /* __NR_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	mov %r8, %rdi\n"
	"	call *%rdx\n"
	"	mov %eax, %edi\n"
	"	mov $231, %eax\n"                /* __NR_exit_group */
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n"
	".size ps_clone3, .-ps_clone3\n");

#elif defined(__aarch64__)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile ("svc 0"
		: "+r"(x0)
		: "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
		: "memory");
	return x0;
}

__asm__(
	".text\n"
	".type ps_clone3, %function\n"
	"ps_clone3:\n"
	"	mov x9, x2\n"
	"	mov x10, x3\n"
	"	mov x8, #435\n"                  /* __NR_clone3 */
	"	svc 0\n"
	"	cbnz x0, 1f\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, x10\n"
	"	blr x9\n"
	"	mov x8, #94\n"                   /* __NR_exit_group */
	"	svc 0\n"
	"	brk #0\n"
	"1:	ret\n"
	".size ps_clone3, .-ps_clone3\n");
#else
#error "pidspawn's trampoline supports x86_64 and aarch64"
#endif

long ps_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);

#define sys1(n, a)             sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b)          sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c)       sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d)    sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* The kernel's struct sigaction; all zero is SIG_DFL with no flags. */
struct k_sigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	uint64_t mask;
};

/* ---- the child ---- */

static __attribute__((noreturn)) void child_fail(struct ps_request *req, int list,
						 int index, int step, long err)
{
	req->fail_list = list;
	req->fail_index = index;
	req->fail_errno = (int32_t)-err;
	req->fail_step = step;  /* written last: nonzero means the record is complete */
	sys1(__NR_exit_group, 127);
	/*
	 * Only a seccomp filter that denies exit_group gets here. A fault kills
	 * even with every signal blocked (the kernel unblocks a forced SIGILL),
	 * so the parent is never left waiting for a child that cannot exit.
	 */
	for (;;)
		__builtin_trap();
}

/*
 * The fds the child needs after the run's actions: the executable and the
 * Landlock ruleset. Each is held open in the parent under a number the caller
 * never chose, so an action may land on it. The child keeps its own copy of
 * the numbers (on its stack, not in the shared request) and moves a kept fd
 * out of the way before an action overwrites or closes it.
 */
#define KEEP_EXEC    0
#define KEEP_RULESET 1
/* This process's pid, for a child to tell whether its parent died before PR_SET_PDEATHSIG. */
static volatile long parent_tgid;

struct kept {
	int fd[2];      /* -1: none */
};

static long move_kept(struct kept *k, int fd)
{
	long r;

	for (int i = 0; i < 2; i++) {
		if (fd < 0 || k->fd[i] != fd)
			continue;
		r = sys3(__NR_fcntl, fd, F_DUPFD_CLOEXEC, fd + 1);
		if (r < 0)
			return r;
		k->fd[i] = (int)r;
	}
	return 0;
}

/* close_range over [first, last] but for the kept fds: at most three calls. */
static long close_range_around(unsigned first, unsigned last, unsigned flags, const struct kept *k)
{
	unsigned keep[2];
	unsigned from = first;
	long r;

	/* Marking close-on-exec cannot hurt them: they are close-on-exec already. */
	if (flags & CLOSE_RANGE_CLOEXEC)
		return sys3(__NR_close_range, first, last, flags);
	keep[0] = k->fd[0] < 0 ? ~0U : (unsigned)k->fd[0];
	keep[1] = k->fd[1] < 0 ? ~0U : (unsigned)k->fd[1];
	if (keep[1] < keep[0]) {
		unsigned t = keep[0];
		keep[0] = keep[1];
		keep[1] = t;
	}
	for (int i = 0; i < 2; i++) {
		if (keep[i] == ~0U || keep[i] < from || keep[i] > last)
			continue;
		if (keep[i] > from) {
			r = sys3(__NR_close_range, from, keep[i] - 1, flags);
			if (r < 0)
				return r;
		}
		from = keep[i] + 1;
	}
	/* fds are below 2^31, so from never wrapped past last */
	return from > last ? 0 : sys3(__NR_close_range, from, last, flags);
}

static long run_op(const struct ps_op *op, uint64_t *mask, struct kept *k)
{
	long r;

	switch (op->code) {
	case PS_STEP_CLOSE:
		r = move_kept(k, op->fd);
		return r < 0 ? r : sys1(__NR_close, op->fd);
	case PS_STEP_DUP2:
		if (op->fd != op->newfd) {
			r = move_kept(k, op->newfd);
			return r < 0 ? r : sys3(__NR_dup3, op->fd, op->newfd, op->flags);
		}
		/* Mapping a fd onto its own number keeps it open across exec. */
		r = sys2(__NR_fcntl, op->fd, F_GETFD);
		return r < 0 ? r : sys3(__NR_fcntl, op->fd, F_SETFD, r & ~FD_CLOEXEC);
	case PS_STEP_OPEN:
		r = move_kept(k, op->newfd);
		if (r < 0)
			return r;
		/*
		 * Close the target first, as POSIX says: with the fd table full the
		 * open then takes its number, and a device that allows one open at
		 * a time can be reopened onto the same fd.
		 */
		if (op->fd != op->newfd)
			sys1(__NR_close, op->newfd);
		r = sys4(__NR_openat, op->fd, op->arg, op->flags, op->arg2);
		if (r < 0 || r == op->newfd)
			return r;
		{
			long moved = sys3(__NR_dup3, r, op->newfd, op->flags & O_CLOEXEC);
			sys1(__NR_close, r);
			return moved;
		}
	case PS_STEP_FCHDIR:
		return sys1(__NR_fchdir, op->fd);
	case PS_STEP_CHDIR:
		return sys1(__NR_chdir, op->arg);
	case PS_STEP_CLOSE_RANGE:
		return close_range_around((unsigned)op->fd, op->newfd < 0 ? ~0U : (unsigned)op->newfd,
					  op->flags, k);
	case PS_STEP_SIGMASK:
		/* The kernel ignores SIGKILL and SIGSTOP in a mask anyway. */
		*mask = op->arg & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
		return 0;
	case PS_STEP_USERNS_WAIT: {
		/* The parent writes uid_map and gid_map, then sends 0 or the errno it got. */
		int32_t err = 0;
		do
			r = sys3(__NR_read, op->fd, &err, sizeof err);
		while (r == -4 /* EINTR */);
		if (r < 0)
			return r;
		if (r != sizeof err)
			return -32; /* EPIPE: the parent went away */
		return err ? -(long)err : 0;
	}
	case PS_STEP_SETSID:
		return sys1(__NR_setsid, 0);
	case PS_STEP_SETPGID:
		return sys2(__NR_setpgid, 0, op->fd);
	case PS_STEP_SETCTTY:
		return sys3(__NR_ioctl, op->fd, TIOCSCTTY, 0);
	case PS_STEP_TCSETPGRP: {
		/* Every signal is still blocked here, so no SIGTTOU stops a background child. */
		int pgrp = (int)sys1(__NR_getpgid, 0);
		return sys3(__NR_ioctl, op->fd, TIOCSPGRP, &pgrp);
	}
	case PS_STEP_SETRLIMIT:
		return sys4(__NR_prlimit64, 0, op->fd, op->arg, 0);
	case PS_STEP_UMASK:
		sys1(__NR_umask, op->arg);
		return 0;
	case PS_STEP_SCHED: {
		int prio = op->newfd;
		if (op->fd < 0)
			return sys2(__NR_sched_setparam, 0, &prio);
		return sys3(__NR_sched_setscheduler, 0, op->fd, &prio);
	}
	case PS_STEP_NICE:
		return sys3(__NR_setpriority, PRIO_PROCESS, 0, op->fd);
	case PS_STEP_SETGROUPS:
		return sys2(__NR_setgroups, op->fd, op->arg);
	case PS_STEP_SETGID:
		return sys3(__NR_setresgid, op->fd, op->fd, op->fd);
	case PS_STEP_SETUID:
		return sys3(__NR_setresuid, op->fd, op->fd, op->fd);
	case PS_STEP_RESETIDS:
		/* POSIX_SPAWN_RESETIDS: the effective ids become the real ones. */
		r = sys3(__NR_setresgid, -1, sys1(__NR_getgid, 0), -1);
		return r < 0 ? r : sys3(__NR_setresuid, -1, sys1(__NR_getuid, 0), -1);
	case PS_STEP_PDEATHSIG:
		r = sys2(__NR_prctl, PR_SET_PDEATHSIG, op->fd);
		/*
		 * A parent that died before the prctl sends no signal: the child
		 * now has another parent (init or a subreaper), so it signals
		 * itself. In a new pid namespace getppid() is 0 and tells nothing.
		 */
		if (r == 0) {
			long ppid = sys1(__NR_getppid, 0);
			if (ppid != 0 && ppid != parent_tgid)
				sys2(__NR_kill, sys1(__NR_getpid, 0), op->fd);
		}
		return r;
	case PS_STEP_NO_NEW_PRIVS:
		return sys5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	case PS_STEP_LANDLOCK:
		/* The ruleset is shared by every run; only this task is restricted. */
		return sys2(__NR_landlock_restrict_self, k->fd[KEEP_RULESET], op->flags);
	case PS_STEP_SECCOMP:
		return sys3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, op->flags, op->arg);
	case PS_STEP_MOUNT_PROPAGATION:
		/*
		 * A new mount namespace starts with copies of the parent's mounts in
		 * the parent's peer groups: on a shared "/" a mount made here would
		 * appear in the parent's namespace too. Only the propagation flags
		 * are read; source, type and data are ignored.
		 */
		return sys5(__NR_mount, 0, "/", 0, op->flags, 0);
	case PS_STEP_SIGDEFAULT: {
		struct k_sigaction dfl = { 0, 0, 0, 0 };
		for (int sig = 1; sig <= 64; sig++) {
			if (!(op->arg & SIGBIT(sig)) || sig == SIGKILL || sig == SIGSTOP)
				continue;
			r = sys4(__NR_rt_sigaction, sig, &dfl, 0, sizeof(uint64_t));
			if (r < 0)
				return r;
		}
		return 0;
	}
	case PS_STEP_CGROUP_JOIN: {
		/* cgroup v1 has no CLONE_INTO_CGROUP, and a vfork parent cannot move the child before
		 * it execs: the child moves itself. "0" in cgroup.procs is the writing process. */
		static const char self[1] = { '0' };
		r = sys3(__NR_write, op->fd, (long)self, 1);
		return r < 0 ? r : 0;
	}
	default:
		return -38; /* ENOSYS: Java and C disagree about the plan */
	}
}

/* Runs one op, or fails it as the tests' fault injection asks. */
static void run_one(struct ps_request *req, int list, int index, const struct ps_op *op,
		    uint64_t *mask, struct kept *k)
{
	long r;

	if (req->fault_step != 0 && (uint32_t)req->fault_step == op->code)
		r = -(long)req->fault_errno;
	else
		r = run_op(op, mask, k);
	if (r < 0)
		child_fail(req, list, index, (int)op->code, r);
}

static void run_ops(struct ps_request *req, int list, const struct ps_op *ops,
		    uint32_t from, uint32_t to, uint64_t *mask, struct kept *k)
{
	for (uint32_t i = from; i < to; i++)
		run_one(req, list, (int)i, &ops[i], mask, k);
}

/*
 * execvp's PATH search, finished here where the file actions have run. The
 * first candidate was exec'd as any program is (r is its result); exec_path's
 * next exec_count strings are the candidates after it, each exec'd by path in
 * turn. One that is missing or not executable (ENOENT, ESTALE, ENOTDIR,
 * ENODEV, ETIMEDOUT, EACCES) passes the turn on; any other error ends the
 * search with that errno. When none ran, the errno is EACCES if one was
 * denied, else the last candidate's.
 */
static long exec_search(struct ps_request *req, long r)
{
	const char *path = (const char *)(uintptr_t)req->exec_path;
	int denied = 0;

	for (uint32_t i = 0;; i++) {
		switch (-r) {
		case EACCES:
			denied = 1;
			break;
		case ENOENT: case ESTALE: case ENOTDIR: case ENODEV: case ETIMEDOUT:
			break;
		default:
			return r;
		}
		if (i == req->exec_count)
			break;
		while (*path++ != '\0')
			;
		r = sys5(__NR_execveat, AT_FDCWD, path, req->argv, req->envp, 0);
	}
	return denied ? -EACCES : r;
}

static int child_main(void *arg)
{
	struct ps_request *req = arg;
	const struct ps_op *plan = (const struct ps_op *)(uintptr_t)req->plan_ops;
	uint32_t tail = req->plan_tail < req->plan_count ? req->plan_tail : req->plan_count;
	uint64_t mask = 0;
	struct kept k = { .fd = { req->exec_fd, -1 } };
	long r;

	for (uint32_t i = tail; i < req->plan_count; i++)
		if (plan[i].code == PS_STEP_LANDLOCK)
			k.fd[KEEP_RULESET] = plan[i].fd;
	if (req->files_limit != 0) {
		/* Nothing may touch the shared table before this. */
		struct ps_op unshare = { .code = PS_STEP_CLOSE_RANGE, .fd = (int32_t)req->files_limit,
					 .newfd = -1, .flags = CLOSE_RANGE_UNSHARE };
		run_one(req, PS_LIST_NONE, -1, &unshare, &mask, &k);
	}
	if (req->sync_fd >= 0) {
		struct ps_op wait = { .code = PS_STEP_USERNS_WAIT, .fd = req->sync_fd };
		run_one(req, PS_LIST_NONE, -1, &wait, &mask, &k);
	}
	run_ops(req, PS_LIST_PLAN, plan, 0, tail, &mask, &k);
	run_ops(req, PS_LIST_RUN, (const struct ps_op *)(uintptr_t)req->run_ops,
		0, req->run_count, &mask, &k);
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &mask, 0, sizeof mask);
	run_ops(req, PS_LIST_PLAN, plan, tail, req->plan_count, &mask, &k);

	if (req->fault_step == PS_STEP_EXEC)
		r = -(long)req->fault_errno;
	else {
		r = sys5(__NR_execveat, k.fd[KEEP_EXEC], req->exec_path, req->argv,
			 req->envp, req->exec_flags);
		if (req->exec_count != 0)
			r = exec_search(req, r);
	}
	child_fail(req, PS_LIST_NONE, -1, PS_STEP_EXEC, r);
}

/* ---- the parent ---- */

static int fail_clone(struct ps_request *req, long err)
{
	req->pid = -1;
	req->fail_list = PS_LIST_NONE;
	req->fail_errno = (int32_t)-err;
	req->fail_step = PS_STEP_CLONE;
	return (int)err;
}

/*
 * Spawns one child as req describes. Returns 0 when a child was created: it
 * either runs (pid and pidfd set) or failed before exec and has been reaped
 * (fail_* set). Returns -errno when no child could be created.
 */
static int ps_spawn(struct ps_request *req)
{
	if (parent_tgid == 0)
		parent_tgid = sys1(__NR_getpid, 0); /* the same for every thread: no race */
	char stack[CHILD_STACK_SIZE] __attribute__((aligned(16)));
	uint64_t saved_mask = 0;
	uint64_t all = ~0ULL;
	int pidfd = -1;
	long pid;

	req->pidfd = -1;
	req->fail_list = PS_LIST_NONE;
	req->fail_index = -1;
	req->fail_errno = 0;
	req->fail_step = 0;

	struct clone_args ca = {
		.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_PARENT_SETTID
			 | (req->files_limit != 0 ? CLONE_FILES : 0) | req->clone_flags,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		/* Another thread may need the pid before the child execs (to write its id maps). */
		.parent_tid = (uint64_t)(uintptr_t)&req->pid,
		.exit_signal = SIGCHLD,
		.stack = (uint64_t)(uintptr_t)stack,
		.stack_size = sizeof stack,
		.cgroup = req->cgroup_fd,
	};

	if (req->fault_step == PS_STEP_CLONE)
		return fail_clone(req, -(long)req->fault_errno);
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &all, &saved_mask, sizeof all);
	pid = ps_clone3(&ca, sizeof ca, child_main, req);
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &saved_mask, 0, sizeof all);

	if (pid < 0)
		return fail_clone(req, pid);
	if (req->fail_step != 0) {
		/* The child exited before exec: reap it here, leave nothing behind. */
		siginfo_t info;
		long r;
		do
			r = sys5(__NR_waitid, P_PIDFD, pidfd, &info, WEXITED, 0);
		while (r == -4 /* EINTR */);
		sys1(__NR_close, pidfd);
		req->pid = -1;
		return 0;
	}
	req->pid = (int32_t)pid;
	req->pidfd = pidfd;
	return 0;
}

/* Layout facts for the load-time ABI check. */
static uint32_t ps_abi(uint32_t what)
{
	switch (what) {
	case PS_ABI_VERSION_Q:      return PS_ABI_VERSION;
	case PS_ABI_SIZEOF_OP:      return sizeof(struct ps_op);
	case PS_ABI_SIZEOF_REQUEST: return sizeof(struct ps_request);
	case PS_ABI_OFFSETOF_PID:   return offsetof(struct ps_request, pid);
	case PS_ABI_OFFSETOF_ERRNO: return offsetof(struct ps_request, fail_errno);
	default:                    return 0;
	}
}

/*
 * ---- the signal relay: what pidspawn run does with the signals sent to it ----
 *
 * As timeout(1) does, pidspawn run passes SIGINT, SIGTERM, SIGHUP and SIGQUIT on
 * to its child. The JVM cannot: it owns SIGQUIT (thread dumps), and it never
 * handles a signal it was started ignoring (a non-interactive shell's background
 * jobs start with SIGINT and SIGQUIT ignored). These handlers are installed with
 * rt_sigaction directly, whatever the disposition was, and forward with
 * pidfd_send_signal: a raw syscall, async-signal-safe, and never a reused pid.
 *
 * When the target leads a process group of its own, the group gets the signal
 * too, after the child itself, as timeout(1) signals its child and then its
 * group: the child's pid names the group until the child is reaped, and the
 * group is signalled only when the pidfd send has just found the child
 * unreaped.
 *
 * The relay keeps its own dup of the target's pidfd, so the caller may close
 * its pidfd whenever it likes. A signal that comes while there is no target is
 * held and sent once there is one. relay_busy counts the handlers between
 * reading relay_pidfd and being done with it: the pidfd is closed, and held
 * signals are flushed, only once every handler that could have read the old
 * value has returned. A handler never waits, so it cannot deadlock the thread
 * it interrupts. The child never runs a relay handler (CLONE_CLEAR_SIGHAND),
 * and exec resets it to the default.
 */

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

#define RELAY_SIGNALS 64
#define EBUSY_ 16
#define EINVAL_ 22

static struct k_sigaction relay_saved[RELAY_SIGNALS + 1];
static uint64_t relay_set;
static int relay_pidfd = -1;
static int relay_pgid;
static int relay_busy;
static int relay_held[RELAY_SIGNALS + 1];

#if defined(__x86_64__)
/* x86_64 has no vDSO sigreturn: a handler returns through its sa_restorer. */
__asm__(
	".text\n"
	".type ps_relay_restorer, @function\n"
	"ps_relay_restorer:\n"
	"	mov $15, %eax\n"                 /* __NR_rt_sigreturn */
	"	syscall\n"
	"	hlt\n"
	".size ps_relay_restorer, .-ps_relay_restorer\n");
void ps_relay_restorer(void);
#define RELAY_FLAGS (SA_RESTART | SA_RESTORER)
#define RELAY_RESTORER ((unsigned long)ps_relay_restorer)
#else
/* aarch64 returns through the vDSO's sigreturn trampoline when SA_RESTORER is clear. */
#define RELAY_FLAGS SA_RESTART
#define RELAY_RESTORER 0UL
#endif

static void relay_handler(int sig)
{
	__atomic_add_fetch(&relay_busy, 1, __ATOMIC_SEQ_CST);
	int fd = __atomic_load_n(&relay_pidfd, __ATOMIC_SEQ_CST);
	int pgid = __atomic_load_n(&relay_pgid, __ATOMIC_SEQ_CST);
	/* ESRCH: it has been reaped, its status is coming */
	if (fd >= 0 && sys4(__NR_pidfd_send_signal, fd, sig, 0, 0) == 0 && pgid > 0)
		sys2(__NR_kill, -pgid, sig);
	else if (fd < 0)
		__atomic_store_n(&relay_held[sig], 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&relay_busy, 1, __ATOMIC_SEQ_CST);
}

/* Returns once no handler can still use a value of relay_pidfd older than the current one. */
static void relay_quiesce(void)
{
	while (__atomic_load_n(&relay_busy, __ATOMIC_SEQ_CST) != 0)
		sys1(__NR_sched_yield, 0);
}

/*
 * Sends the signals in set (bit sig-1 for signal sig) to the relay's target
 * from now on, whatever their dispositions were. Returns 0 or -errno: EBUSY
 * when the relay is already installed, EINVAL for an empty set or one with
 * SIGKILL or SIGSTOP (nothing is changed then).
 */
static int ps_relay_install(uint64_t set)
{
	struct k_sigaction sa = { (unsigned long)relay_handler, RELAY_FLAGS, RELAY_RESTORER, 0 };
	long r = 0;

	if (relay_set != 0)
		return -EBUSY_;
	if (set == 0 || (set & (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))) != 0)
		return -EINVAL_;
	for (int sig = 1; sig <= RELAY_SIGNALS && r == 0; sig++) {
		if (!(set & SIGBIT(sig)))
			continue;
		__atomic_store_n(&relay_held[sig], 0, __ATOMIC_SEQ_CST);
		r = sys4(__NR_rt_sigaction, sig, &sa, &relay_saved[sig], sizeof(uint64_t));
		if (r == 0)
			relay_set |= SIGBIT(sig);
	}
	if (r < 0) {
		for (int sig = 1; sig <= RELAY_SIGNALS; sig++)
			if (relay_set & SIGBIT(sig))
				sys4(__NR_rt_sigaction, sig, &relay_saved[sig], 0, sizeof(uint64_t));
		relay_set = 0;
	}
	return (int)r;
}

/*
 * Makes pidfd the target (a dup of it; -1: no target), sends it the signals
 * held meanwhile, and closes the previous target's dup. pgid is the group the
 * target leads (its pid), which gets each signal too, or 0. Returns 0 or
 * -errno from the dup (the target is unchanged then).
 */
static int ps_relay_target(int pidfd, int pgid)
{
	int own = -1, old;

	if (pidfd >= 0) {
		long r = sys3(__NR_fcntl, pidfd, F_DUPFD_CLOEXEC, 0);
		if (r < 0)
			return (int)r;
		own = (int)r;
	}
	old = __atomic_exchange_n(&relay_pidfd, -1, __ATOMIC_SEQ_CST);
	relay_quiesce();
	if (old >= 0)
		sys1(__NR_close, old);
	if (own < 0)
		return 0;
	/* No handler uses the group while relay_pidfd is -1; the pair is set in this order. */
	__atomic_store_n(&relay_pgid, pgid > 0 ? pgid : 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&relay_pidfd, own, __ATOMIC_SEQ_CST);
	relay_quiesce();
	for (int sig = 1; sig <= RELAY_SIGNALS; sig++)
		if (__atomic_exchange_n(&relay_held[sig], 0, __ATOMIC_SEQ_CST) &&
		    sys4(__NR_pidfd_send_signal, own, sig, 0, 0) == 0 && pgid > 0)
			sys2(__NR_kill, -pgid, sig);
	return 0;
}

/* Puts back the dispositions ps_relay_install replaced and drops the target. */
static int ps_relay_restore(void)
{
	for (int sig = 1; sig <= RELAY_SIGNALS; sig++)
		if (relay_set & SIGBIT(sig))
			sys4(__NR_rt_sigaction, sig, &relay_saved[sig], 0, sizeof(uint64_t));
	relay_set = 0;
	return ps_relay_target(-1, 0);
}

/*
 * The library's one entry point: fn is a PS_CALL_* and a..f its arguments.
 * One C signature for every function, the same as syscall(2)'s, so that Java
 * binds the library with the downcall shape it already has for the kernel:
 * each distinct shape costs a fresh JVM milliseconds the first time.
 */
EXPORT long ps_call(long fn, long a, long b, long c, long d, long e, long f)
{
	(void)c, (void)d, (void)e, (void)f;
	switch (fn) {
	case PS_CALL_ABI:           return ps_abi((uint32_t)a);
	case PS_CALL_SPAWN:         return ps_spawn((struct ps_request *)(uintptr_t)a);
	case PS_CALL_RELAY_INSTALL: return ps_relay_install((uint64_t)a);
	case PS_CALL_RELAY_TARGET:  return ps_relay_target((int)a, (int)b);
	case PS_CALL_RELAY_RESTORE: return ps_relay_restore();
	default:                    return -EINVAL_;
	}
}
