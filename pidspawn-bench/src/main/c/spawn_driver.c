/*
 * The C baselines of `pidspawn bench`: spawn and wait with posix_spawn or vfork, as a plain C
 * program would. Requests come on stdin, one per line, fields separated by tabs; each is
 * answered by one line on stdout: "@bench ok elapsed=NS cpu=NS count=N failed=N bytes=N lat=NS,NS,..."
 * (lat: each call from spawn to reaped, in call order) or "@bench error MESSAGE".
 *
 *   spawn_driver posix_spawn|vfork
 *     serial N ARGV...               N calls of ARGV, one after another
 *     timed THREADS MILLIS ARGV...   THREADS threads calling ARGV until MILLIS have passed
 *     mix INFLIGHT COUNT DIR FILE    COUNT calls, INFLIGHT at a time, cycling through FILE (one
 *                                    argv per line, tab-separated) in DIR, stdin /dev/null and
 *                                    stdout+stderr read to end of file from one pipe
 *     load K                         keep K extra close-on-exec fds open, as a supervisor keeps
 *                                    one pidfd per child
 *     supervise N BASE_US SPACING_US STAMP_FILE
 *                                    N exit-stamp children alive at once, each watched by a pidfd in
 *                                    one epoll set; then released, child i exits BASE_US + i *
 *                                    SPACING_US later; lat: its exit to this thread seeing it
 *   spawn_driver exit-stamp DELAY_US TAG
 *     a supervised child: waits for end of file on stdin, sleeps DELAY_US, writes TAG and its
 *     CLOCK_MONOTONIC time (two int64) to fd 3 and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FIELDS 256
#define MAX_THREADS 64
#define MAX_TIMED_CALLS (1L << 20)

extern char **environ;

static int use_vfork;
static int devnull;

struct run {
	char ***calls; /* the argv of each call, cycled through */
	long ncalls;
	long limit; /* calls to make in all */
	int64_t deadline; /* no call starts after this */
	int capture;
	atomic_long next; /* the index of the next call to take */
	atomic_long failed;
	atomic_long bytes;
	int64_t *lat; /* by call index; -1 for a call that failed */
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Starts argv; with out >= 0, stdin is /dev/null and stdout and stderr go to out. */
static pid_t start(char *const argv[], int out)
{
	pid_t pid;
	if (use_vfork) {
		pid = vfork();
		if (pid == 0) {
			if (out < 0 || (dup2(devnull, 0) == 0 && dup2(out, 1) == 1 && dup2(out, 2) == 2))
				execve(argv[0], argv, environ);
			_exit(127);
		}
		return pid;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (out >= 0) {
		posix_spawn_file_actions_adddup2(&fa, devnull, 0);
		posix_spawn_file_actions_adddup2(&fa, out, 1);
		posix_spawn_file_actions_adddup2(&fa, out, 2);
	}
	int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return err ? -1 : pid;
}

/* One call: spawn, read the output to its end if captured, reap. The latency, or -1. */
static int64_t call(struct run *r, char *const argv[])
{
	char buf[65536];
	int p[2] = {-1, -1};
	int64_t t0 = now_ns();
	if (r->capture && pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = start(argv, p[1]);
	if (r->capture) {
		close(p[1]);
		ssize_t n;
		while (pid > 0 && ((n = read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
			atomic_fetch_add(&r->bytes, n > 0 ? n : 0);
		close(p[0]);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
		return -1;
	return now_ns() - t0;
}

/* The lat= list: the non-negative ones, comma-separated, and the end of the answer. */
static void print_latencies(const int64_t *lat, long n)
{
	const char *sep = "";
	for (long i = 0; i < n; i++) {
		if (lat[i] >= 0) {
			printf("%s%lld", sep, (long long)lat[i]);
			sep = ",";
		}
	}
	printf("\n");
}

static void *caller(void *arg)
{
	struct run *r = arg;
	for (long i; now_ns() < r->deadline && (i = atomic_fetch_add(&r->next, 1)) < r->limit;) {
		r->lat[i] = call(r, r->calls[i % r->ncalls]);
		if (r->lat[i] < 0)
			atomic_fetch_add(&r->failed, 1);
	}
	return NULL;
}

static void execute(struct run *r, int threads)
{
	pthread_t t[MAX_THREADS];
	r->lat = malloc(sizeof *r->lat * (size_t)r->limit);
	if (!r->lat || threads < 1 || threads > MAX_THREADS) {
		printf("@bench error bad request: %d threads, %ld calls\n", threads, r->limit);
		free(r->lat);
		return;
	}
	int64_t cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns();
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, caller, r);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	int64_t elapsed = now_ns() - t0, cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	long count = atomic_load(&r->next);
	count = count < r->limit ? count : r->limit;
	printf("@bench ok elapsed=%lld cpu=%lld count=%ld failed=%ld bytes=%ld lat=", (long long)elapsed,
	       (long long)cpu, count, atomic_load(&r->failed), atomic_load(&r->bytes));
	print_latencies(r->lat, count);
	free(r->lat);
}

/* Splits line at tabs and the newline into at most max fields; returns how many. */
static int split(char *line, char **field, int max)
{
	int n = 0;
	for (char *save = NULL, *f = strtok_r(line, "\t\n", &save); f && n < max - 1; f = strtok_r(NULL, "\t\n", &save))
		field[n++] = f;
	field[n] = NULL;
	return n;
}

/* The calls of a mix file; NULL if it cannot be read. */
static char ***read_calls(const char *file, long *ncalls)
{
	FILE *in = fopen(file, "re");
	char *line = NULL, ***calls = NULL;
	size_t cap = 0;
	*ncalls = 0;
	while (in && getline(&line, &cap, in) > 0) {
		char **argv = calloc(MAX_FIELDS, sizeof *argv);
		if (split(strdup(line), argv, MAX_FIELDS) == 0) { /* argv[0] is the copy: freed by mix() */
			free(argv);
			continue;
		}
		calls = realloc(calls, sizeof *calls * (size_t)(*ncalls + 1));
		calls[(*ncalls)++] = argv;
	}
	free(line);
	if (in)
		fclose(in);
	return calls;
}

static void mix(char **f)
{
	long ncalls;
	char ***calls = read_calls(f[3], &ncalls);
	int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!calls || here < 0 || chdir(f[2]) < 0) {
		printf("@bench error cannot read %s or enter %s: %s\n", f[3], f[2], strerror(errno));
	} else {
		struct run r = {.calls = calls, .ncalls = ncalls, .limit = atol(f[1]), .deadline = INT64_MAX, .capture = 1};
		execute(&r, atoi(f[0]));
	}
	if (here >= 0 && fchdir(here) == 0)
		close(here);
	for (long i = 0; i < ncalls; i++) {
		free(calls[i][0]);
		free(calls[i]);
	}
	free(calls);
}

/* Opens or closes extra fds until k are open. */
static void load(long k)
{
	static int *fds, open_fds;
	fds = realloc(fds, sizeof *fds * (size_t)((k > open_fds ? k : open_fds) + 1));
	while (open_fds > k)
		close(fds[--open_fds]);
	while (open_fds < k && (fds[open_fds] = fcntl(devnull, F_DUPFD_CLOEXEC, 3)) >= 0)
		open_fds++;
	if (open_fds == k)
		printf("@bench ok count=%d\n", open_fds);
	else
		printf("@bench error only %d extra fds: %s\n", open_fds, strerror(errno));
}

/* Turns seen[tag], when child tag was seen exiting, into its latency from its own stamp; 0 if all n stamped. */
static int stamp_latencies(const char *file, int64_t *seen, long n)
{
	int64_t rec[2];
	long count = 0;
	FILE *in = fopen(file, "re");
	while (in && fread(rec, sizeof rec, 1, in) == 1) {
		if (rec[0] >= 0 && rec[0] < n) {
			seen[rec[0]] -= rec[1];
			count++;
		}
	}
	if (in)
		fclose(in);
	return count == n ? 0 : -1;
}

static void supervise(char **f, char *self)
{
	long n = atol(f[0]), base = atol(f[1]), spacing = atol(f[2]);
	int rel[2] = {-1, -1}, ep = epoll_create1(EPOLL_CLOEXEC);
	int stamps = open(f[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	int *pidfd = calloc((size_t)n, sizeof *pidfd);
	int64_t *seen = calloc((size_t)n, sizeof *seen), t0 = now_ns(), elapsed;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, devnull, 1);
	if (pipe2(rel, O_CLOEXEC) < 0 || ep < 0 || stamps < 0 || !pidfd || !seen
	    || posix_spawn_file_actions_adddup2(&fa, rel[0], 0) || posix_spawn_file_actions_adddup2(&fa, stamps, 3)) {
		printf("@bench error supervise: %s\n", strerror(errno));
		goto out;
	}
	for (long i = 0; i < n; i++) {
		char delay[24], tag[24];
		char *argv[] = {self, "exit-stamp", delay, tag, NULL};
		snprintf(delay, sizeof delay, "%ld", base + i * spacing);
		snprintf(tag, sizeof tag, "%ld", i);
		pid_t pid;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
		if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0
		    || (pidfd[i] = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pidfd[i], &ev) < 0) {
			printf("@bench error supervise: child %ld: %s\n", i, strerror(errno));
			exit(1); /* the children wait for a pipe whose writer is gone with us */
		}
	}
	elapsed = now_ns() - t0;
	close(rel[1]);
	rel[1] = -1;
	for (long left = n; left > 0;) {
		struct epoll_event ev[256];
		int k = epoll_wait(ep, ev, 256, -1);
		int64_t t = now_ns();
		for (int j = 0; j < k; j++, left--) {
			long i = (long)ev[j].data.u64;
			seen[i] = t;
			epoll_ctl(ep, EPOLL_CTL_DEL, pidfd[i], NULL);
			waitid(P_PIDFD, (id_t)pidfd[i], NULL, WEXITED);
			close(pidfd[i]);
		}
	}
	if (stamp_latencies(f[3], seen, n) < 0) {
		printf("@bench error supervise: fewer than %ld exit stamps in %s\n", n, f[3]);
		goto out;
	}
	printf("@bench ok elapsed=%lld count=%ld failed=0 lat=", (long long)elapsed, n);
	print_latencies(seen, n);
out:
	posix_spawn_file_actions_destroy(&fa);
	close(rel[0]);
	close(rel[1]);
	close(ep);
	close(stamps);
	free(pidfd);
	free(seen);
}

static void serve(char *self)
{
	char *line = NULL, *f[MAX_FIELDS];
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		int n = split(line, f, MAX_FIELDS);
		char **argv;
		if (n >= 3 && strcmp(f[0], "serial") == 0) {
			argv = &f[2];
			struct run r = {.calls = &argv, .ncalls = 1, .limit = atol(f[1]), .deadline = INT64_MAX};
			execute(&r, 1);
		} else if (n >= 4 && strcmp(f[0], "timed") == 0) {
			argv = &f[3];
			struct run r = {.calls = &argv, .ncalls = 1, .limit = MAX_TIMED_CALLS,
					.deadline = now_ns() + atol(f[2]) * 1000000L};
			execute(&r, atoi(f[1]));
		} else if (n == 5 && strcmp(f[0], "mix") == 0) {
			mix(&f[1]);
		} else if (n == 2 && strcmp(f[0], "load") == 0) {
			load(atol(f[1]));
		} else if (n == 5 && strcmp(f[0], "supervise") == 0) {
			supervise(&f[1], self);
		} else {
			printf("@bench error unknown request: %s\n", n > 0 ? f[0] : "");
		}
		fflush(stdout);
	}
	free(line);
}

static int exit_stamp(long delay_us, long tag)
{
	char c;
	ssize_t n;
	do
		n = read(0, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	struct timespec d = {delay_us / 1000000, delay_us % 1000000 * 1000};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR)
		;
	int64_t record[2] = {tag, now_ns()};
	return write(3, record, sizeof record) == sizeof record ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "exit-stamp") == 0)
		return exit_stamp(atol(argv[2]), atol(argv[3]));
	if (argc != 2 || (strcmp(argv[1], "posix_spawn") != 0 && strcmp(argv[1], "vfork") != 0)) {
		fprintf(stderr, "usage: spawn_driver posix_spawn|vfork  (requests on stdin)\n"
				"       spawn_driver exit-stamp DELAY_US TAG\n");
		return 2;
	}
	use_vfork = strcmp(argv[1], "vfork") == 0;
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max; /* room for the load */
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	serve(argv[0]);
	return 0;
}
