/*
 * pshelper: the test suite's child program. Each sub-command reports one thing
 * the child really has, so tests compare what pidspawn set up with what the
 * kernel shows the child. Several commands may be chained with ';' as a
 * separate argument: pshelper cwd ';' fds
 *
 *   exit N            exit with status N
 *   sleep SECONDS     sleep (fractions allowed)
 *   kill-self SIG     raise signal SIG
 *   fds               print the open fds, one line, space separated
 *   status FIELD      print a field of /proc/self/status (SigBlk, SigIgn, ...)
 *   disposition SIG   print default, ignore or handler
 *   cwd               print the working directory
 *   argv              print argv[0..], one per line
 *   env               print the environment, one entry per line
 *   getenv NAME       print the value of NAME, or <unset>
 *   out TEXT          write TEXT and a newline to stdout
 *   err TEXT          write TEXT and a newline to stderr
 *   write FD TEXT     write TEXT and a newline to fd FD
 *   cat               copy stdin to stdout
 *   read-fd N         copy fd N to stdout
 *   fill N BYTE       write N copies of BYTE (a number) to stdout
 *   fill-both N       write N bytes of a counter pattern to stdout and stderr at once
 *   pdeathsig         print the parent-death signal (PR_GET_PDEATHSIG)
 *   rlimit RES        print soft:hard of resource number RES ("unlimited" for infinity)
 *   umask             print the umask in octal
 *   ids               print "sid pgid pid"
 *   sched             print "policy priority" (sched_getscheduler, sched_getparam)
 *   nice              print the nice value
 *   ns TYPE           print the inode of /proc/self/ns/TYPE
 *   cgroup            print /proc/self/cgroup
 *   ctty              print the foreground process group of the controlling terminal, or "none"
 *   ppid              print the parent pid
 * Each of these prints "ok" or the errno's name (EACCES), and exits 0:
 *   fs OP PATH [PATH2] create, read, truncate, unlink, mkdir PATH; rename PATH PATH2;
 *                     symlink TARGET PATH2
 *   exec PATH         execv PATH (prints only when it fails)
 *   socket FAMILY     socket(2) of inet, inet6, packet, netlink or unix; socketpair FAMILY
 *   connect PORT      TCP connect to 127.0.0.1:PORT
 *   connect-abstract NAME  connect to the abstract unix socket @NAME
 *   listen-abstract NAME   listen on @NAME, print "ok", and wait to be killed
 *   io_uring          io_uring_setup(2) through syscall(2)
 *   kill PID SIG      kill(2)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "pshelper: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void copy_fd(int from, int to)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(from, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (n == 0)
			return;
		write_all(to, buf, (size_t)n);
	}
}

static void print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		die("opendir /proc/self/fd");
	int self = dirfd(d);
	int fds[4096];
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && count < 4096) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd != self)
			fds[count++] = fd;
	}
	closedir(d);
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < count; i++)
		printf(i ? " %d" : "%d", fds[i]);
	printf("\n");
}

static void print_status(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		die("fopen /proc/self/status");
	char line[4096];
	size_t len = strlen(field);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			char *v = line + len + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			fputs(v, stdout);
			fclose(f);
			return;
		}
	}
	fclose(f);
	printf("<none>\n");
}

static void fill_both(long n)
{
	char out[65536], err[65536];
	long done_out = 0, done_err = 0;
	fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK);
	while (done_out < n || done_err < n) {
		struct pollfd p[2] = { { 1, POLLOUT, 0 }, { 2, POLLOUT, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			die("poll");
		long *done[2] = { &done_out, &done_err };
		char *buf[2] = { out, err };
		for (int s = 0; s < 2; s++) {
			if (*done[s] >= n || !(p[s].revents & (POLLOUT | POLLERR)))
				continue;
			long chunk = n - *done[s] < 65536 ? n - *done[s] : 65536;
			for (long i = 0; i < chunk; i++)
				buf[s][i] = (char)((*done[s] + i) * (s ? 7 : 3) % 251);
			ssize_t w = write(s + 1, buf[s], (size_t)chunk);
			if (w < 0 && errno != EAGAIN)
				die("write");
			if (w > 0)
				*done[s] += w;
		}
	}
}

/* "ok" for r >= 0, else the errno's name. */
static void result(long r)
{
	puts(r >= 0 ? "ok" : strerrorname_np(errno));
}

static int family(const char *name, int *type, int *protocol)
{
	*type = SOCK_STREAM;
	*protocol = 0;
	if (!strcmp(name, "inet"))
		return AF_INET;
	if (!strcmp(name, "inet6"))
		return AF_INET6;
	if (!strcmp(name, "unix"))
		return AF_UNIX;
	*type = SOCK_RAW;
	if (!strcmp(name, "packet"))
		return AF_PACKET;
	if (!strcmp(name, "netlink"))
		return AF_NETLINK;
	fprintf(stderr, "pshelper: unknown family %s\n", name);
	exit(98);
}

static void fs_op(const char *op, const char *path, const char *path2)
{
	long r;
	if (!strcmp(op, "create"))
		r = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else if (!strcmp(op, "read"))
		r = open(path, O_RDONLY | O_CLOEXEC);
	else if (!strcmp(op, "truncate"))
		r = truncate(path, 0);
	else if (!strcmp(op, "unlink"))
		r = unlink(path);
	else if (!strcmp(op, "mkdir"))
		r = mkdir(path, 0755);
	else if (!strcmp(op, "rename") && path2)
		r = rename(path, path2);
	else if (!strcmp(op, "symlink") && path2)
		r = symlink(path, path2);
	else {
		fprintf(stderr, "pshelper: unknown fs op %s\n", op);
		exit(98);
	}
	if (r >= 0 && (!strcmp(op, "create") || !strcmp(op, "read"))) {
		char c;
		if (!strcmp(op, "read") && read((int)r, &c, 1) < 0)
			r = -1;
		close((int)r >= 0 ? (int)r : -1);
	}
	result(r);
}

static int run(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (!strcmp(cmd, "exit") && argc > 1) {
		fflush(stdout);
		exit(atoi(argv[1]));
	} else if (!strcmp(cmd, "spin") && argc > 1) {
		/* Burns MS milliseconds of this process's CPU time, however long that takes. */
		double limit = atof(argv[1]) / 1000.0;
		struct timespec t;
		volatile unsigned long n = 0;
		do {
			for (int i = 0; i < 100000; i++)
				n++;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		} while ((double)t.tv_sec + (double)t.tv_nsec / 1e9 < limit);
	} else if (!strcmp(cmd, "alloc") && argc > 1) {
		/* Allocates and touches MiB of memory, then prints "allocated". */
		long mib = atol(argv[1]);
		for (long i = 0; i < mib; i++) {
			char *p = malloc(1 << 20);
			if (!p)
				return 12;
			memset(p, 1, 1 << 20);
		}
		printf("allocated\n");
	} else if (!strcmp(cmd, "forks") && argc > 1) {
		/* Forks up to N sleeping children, prints how many forks succeeded, then kills them. */
		int n = atoi(argv[1]), made = 0;
		pid_t kids[4096];
		for (int i = 0; i < n && i < 4096; i++) {
			pid_t p = fork();
			if (p == 0) {
				pause();
				_exit(0);
			}
			if (p < 0)
				break;
			kids[made++] = p;
		}
		printf("%d\n", made);
		fflush(stdout);
		for (int i = 0; i < made; i++)
			kill(kids[i], SIGKILL);
		while (wait(NULL) > 0)
			;
	} else if (!strcmp(cmd, "sleep") && argc > 1) {
		double s = atof(argv[1]);
		struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	} else if (!strcmp(cmd, "kill-self") && argc > 1) {
		fflush(stdout);
		signal(atoi(argv[1]), SIG_DFL);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, atoi(argv[1]));
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(atoi(argv[1]));
	} else if (!strcmp(cmd, "fds")) {
		print_fds();
	} else if (!strcmp(cmd, "status") && argc > 1) {
		print_status(argv[1]);
	} else if (!strcmp(cmd, "disposition") && argc > 1) {
		struct sigaction sa;
		if (sigaction(atoi(argv[1]), NULL, &sa) < 0)
			die("sigaction");
		puts(sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignore" : "handler");
	} else if (!strcmp(cmd, "cwd")) {
		char buf[4096];
		if (!getcwd(buf, sizeof buf))
			die("getcwd");
		puts(buf);
	} else if (!strcmp(cmd, "argv")) {
		return -1;
	} else if (!strcmp(cmd, "env")) {
		for (char **e = environ; *e; e++)
			puts(*e);
	} else if (!strcmp(cmd, "getenv") && argc > 1) {
		const char *v = getenv(argv[1]);
		puts(v ? v : "<unset>");
	} else if (!strcmp(cmd, "out") && argc > 1) {
		printf("%s\n", argv[1]);
	} else if (!strcmp(cmd, "err") && argc > 1) {
		fprintf(stderr, "%s\n", argv[1]);
	} else if (!strcmp(cmd, "write") && argc > 2) {
		fflush(stdout);
		write_all(atoi(argv[1]), argv[2], strlen(argv[2]));
		write_all(atoi(argv[1]), "\n", 1);
	} else if (!strcmp(cmd, "cat")) {
		fflush(stdout);
		copy_fd(0, 1);
	} else if (!strcmp(cmd, "read-fd") && argc > 1) {
		fflush(stdout);
		copy_fd(atoi(argv[1]), 1);
	} else if (!strcmp(cmd, "fill") && argc > 2) {
		fflush(stdout);
		char buf[65536];
		memset(buf, atoi(argv[2]), sizeof buf);
		for (long left = atol(argv[1]); left > 0; left -= (long)sizeof buf)
			write_all(1, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);
	} else if (!strcmp(cmd, "fill-both") && argc > 1) {
		fflush(stdout);
		fill_both(atol(argv[1]));
	} else if (!strcmp(cmd, "pdeathsig")) {
		int sig = 0;
		if (prctl(PR_GET_PDEATHSIG, &sig) < 0)
			die("prctl");
		printf("%d\n", sig);
	} else if (!strcmp(cmd, "rlimit") && argc > 1) {
		struct rlimit rl;
		if (getrlimit(atoi(argv[1]), &rl) < 0)
			die("getrlimit");
		if (rl.rlim_cur == RLIM_INFINITY)
			printf("unlimited:");
		else
			printf("%llu:", (unsigned long long)rl.rlim_cur);
		if (rl.rlim_max == RLIM_INFINITY)
			printf("unlimited\n");
		else
			printf("%llu\n", (unsigned long long)rl.rlim_max);
	} else if (!strcmp(cmd, "umask")) {
		mode_t m = umask(0);
		umask(m);
		printf("%03o\n", (unsigned)m);
	} else if (!strcmp(cmd, "ids")) {
		printf("%d %d %d\n", (int)getsid(0), (int)getpgid(0), (int)getpid());
	} else if (!strcmp(cmd, "sched")) {
		struct sched_param sp;
		if (sched_getparam(0, &sp) < 0)
			die("sched_getparam");
		printf("%d %d\n", sched_getscheduler(0), sp.sched_priority);
	} else if (!strcmp(cmd, "nice")) {
		errno = 0;
		int n = getpriority(PRIO_PROCESS, 0);
		if (errno)
			die("getpriority");
		printf("%d\n", n);
	} else if (!strcmp(cmd, "ns") && argc > 1) {
		char path[256];
		struct stat st;
		snprintf(path, sizeof path, "/proc/self/ns/%s", argv[1]);
		if (stat(path, &st) < 0)
			die("stat ns");
		printf("%llu\n", (unsigned long long)st.st_ino);
	} else if (!strcmp(cmd, "cgroup")) {
		fflush(stdout);
		int fd = open("/proc/self/cgroup", O_RDONLY);
		if (fd < 0)
			die("open /proc/self/cgroup");
		copy_fd(fd, 1);
		close(fd);
	} else if (!strcmp(cmd, "ctty")) {
		int fd = open("/dev/tty", O_RDONLY | O_NOCTTY);
		if (fd < 0) {
			puts("none");
		} else {
			printf("%d\n", (int)tcgetpgrp(fd));
			close(fd);
		}
	} else if (!strcmp(cmd, "ppid")) {
		printf("%d\n", (int)getppid());
	} else if (!strcmp(cmd, "fs") && argc > 2) {
		fs_op(argv[1], argv[2], argc > 3 ? argv[3] : NULL);
	} else if (!strcmp(cmd, "exec") && argc > 1) {
		fflush(stdout);
		execv(argv[1], (char *[]){ argv[1], NULL });
		result(-1);
	} else if ((!strcmp(cmd, "socket") || !strcmp(cmd, "socketpair")) && argc > 1) {
		int type, protocol, fds[2];
		int af = family(argv[1], &type, &protocol);
		long r = cmd[6] ? socketpair(af, type, protocol, fds) : socket(af, type, protocol);
		result(r);
	} else if (!strcmp(cmd, "connect") && argc > 1) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		result(fd < 0 ? fd : connect(fd, (struct sockaddr *)&sa, sizeof sa));
	} else if ((!strcmp(cmd, "connect-abstract") || !strcmp(cmd, "listen-abstract")) && argc > 1) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		size_t n = strlen(argv[1]) < sizeof sa.sun_path - 1 ? strlen(argv[1]) : sizeof sa.sun_path - 1;
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
		memcpy(sa.sun_path + 1, argv[1], n);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cmd[0] == 'c') {
			result(fd < 0 ? fd : connect(fd, (struct sockaddr *)&sa, len));
		} else {
			result(fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 8) < 0 ? -1 : 0);
			fflush(stdout);
			for (;;)
				pause();
		}
	} else if (!strcmp(cmd, "io_uring")) {
		char params[120] = { 0 }; /* struct io_uring_params */
		result(syscall(425 /* __NR_io_uring_setup, every architecture */, 1, params));
	} else if (!strcmp(cmd, "kill") && argc > 2) {
		result(kill(atoi(argv[1]), atoi(argv[2])));
	} else {
		fprintf(stderr, "pshelper: unknown or incomplete command: %s\n", cmd);
		exit(98);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		/* What the kernel gave a program started without arguments (argc 0 becomes 1, argv[0] ""). */
		printf("argc %d argv0 [%s]\n", argc, argc > 0 ? argv[0] : "(none)");
		fflush(stdout);
		fprintf(stderr, "usage: pshelper COMMAND [ARGS] [';' COMMAND [ARGS]]...\n");
		return 98;
	}
	int start = 1;
	for (int i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], ";") != 0)
			continue;
		if (run(i - start, argv + start) < 0)
			for (int a = 0; a < argc; a++)
				puts(argv[a]);
		start = i + 1;
	}
	fflush(stdout);
	return 0;
}
