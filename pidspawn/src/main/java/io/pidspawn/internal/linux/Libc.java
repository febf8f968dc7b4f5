package io.pidspawn.internal.linux;

import static io.pidspawn.internal.linux.Native.C_INT;
import static io.pidspawn.internal.linux.Native.C_LONG;
import static io.pidspawn.internal.linux.Native.C_POINTER;
import static io.pidspawn.internal.linux.Native.C_SIZE_T;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

/**
 * Parent-side system calls. Each returns its result, or {@code -errno} on failure (the kernel's
 * own convention), and never throws for a failed call: callers decide what an errno means.
 *
 * <p>Syscalls without a libc wrapper on every supported glibc go through {@code syscall(2)} with
 * their numbers; numbers from 424 on are the same on every architecture.
 */
public final class Libc {
    private Libc() {}

    // linux/fcntl.h, bits/fcntl-linux.h
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    public static final int O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000, O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000, O_PATH = 010000000;
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    public static final int F_DUPFD_CLOEXEC = 1030, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4;
    public static final int F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;
    public static final long FIONREAD = 0x541B; // asm-generic/ioctls.h: bytes waiting to be read
    // asm-generic/ioctls.h: terminals; TIOCGPTPEER since 4.13
    public static final long TCGETS = 0x5401, TCSETS = 0x5402, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    public static final long TIOCGPTN = 0x80045430L, TIOCSPTLCK = 0x40045431L, TIOCGPTPEER = 0x5441;
    public static final int FD_CLOEXEC = 1;
    public static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    public static final int SEEK_SET = 0; // unistd.h
    // linux/close_range.h, since 5.9 / 5.11
    public static final int CLOSE_RANGE_UNSHARE = 1 << 1, CLOSE_RANGE_CLOEXEC = 1 << 2;
    // linux/pidfd.h, since 6.9: pidfd_send_signal to the process group the pidfd's pid identifies
    public static final int PIDFD_SIGNAL_PROCESS_GROUP = 1 << 2;
    // linux/wait.h; P_PIDFD since 5.4
    public static final int P_ALL = 0, P_PID = 1, P_PIDFD = 3;
    public static final int WNOHANG = 1, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000;
    public static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
    // poll.h
    public static final short POLLIN = 1, POLLERR = 8, POLLNVAL = 0x20;
    // sys/resource.h
    public static final int RLIMIT_NOFILE = 7;
    // sys/epoll.h (epoll_create1 since 2.6.27)
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x001, EPOLLOUT = 0x004, EPOLLONESHOT = 1 << 30;
    /**
     * struct epoll_event: {u32 events; u64 data}, packed on x86_64 only (12 bytes, data at 4);
     * naturally aligned elsewhere (16 bytes, data at 8).
     */
    public static final long EPOLL_EVENT_SIZE = "amd64".equals(System.getProperty("os.arch")) ? 12 : 16;
    private static final long EPOLL_EVENT_DATA = EPOLL_EVENT_SIZE - 8;
    // sys/eventfd.h, since 2.6.27
    public static final int EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;

    // asm-generic/unistd.h: the same number on every architecture since 5.1
    private static final long SYS_PIDFD_SEND_SIGNAL = 424, SYS_PIDFD_OPEN = 434, SYS_CLONE3 = 435,
            SYS_CLOSE_RANGE = 436, SYS_PIDFD_GETFD = 438;

    // Almost every call goes through one downcall shape, libc's syscall(long number, ...) with six
    // long arguments: each distinct shape costs a fresh JVM milliseconds of CPU the first time (the
    // JDK spins a binding class and a native stub for it, which no AOT cache keeps), and a spawn
    // used sixteen of them. Pointers pass as the address of a native segment, so the segment is
    // kept reachable until the call returns. What stays a wrapper: calls into a Java array (their
    // own shape) and getenv (not a syscall). The trampoline's functions share the shape too.
    private static final class Syscall {
        static final MethodHandle H = Native.syscallShape(Native.LIBC, "syscall");
    }
    // Into a Java array, without a native buffer: only on fds that never block (short, like a memcpy).
    private static final class ReadHeap {
        static final MethodHandle H = Native.errnoCall("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T),
                Linker.Option.critical(true));
    }
    private static final class Getenv {
        static final MethodHandle H = Native.call(Native.LIBC, "getenv", FunctionDescriptor.of(C_POINTER, C_POINTER));
    }

    /**
     * The numbers of the syscalls the bindings make, for the architecture the JVM runs on (x86_64:
     * arch/x86/entry/syscalls/syscall_64.tbl; aarch64: include/uapi/asm-generic/unistd.h). Both use
     * the calls the generic table has (openat, ppoll, epoll_pwait, readlinkat, eventfd2, prlimit64),
     * so one code path serves both. Elsewhere every number is -1, which the kernel fails with ENOSYS.
     */
    static final class Nr {
        private Nr() {}

        static final String ARCH = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> "unsupported";
        };

        private static long nr(long x86_64, long aarch64) {
            return switch (ARCH) {
                case "x86_64" -> x86_64;
                case "aarch64" -> aarch64;
                default -> -1;
            };
        }

        static final long READ = nr(0, 63), WRITE = nr(1, 64), CLOSE = nr(3, 57), LSEEK = nr(8, 62);
        static final long IOCTL = nr(16, 29), FCNTL = nr(72, 25), DUP3 = nr(292, 24), PIPE2 = nr(293, 59);
        static final long OPENAT = nr(257, 56), STATX = nr(332, 291), READLINKAT = nr(267, 78);
        static final long MKDIRAT = nr(258, 34), UNLINKAT = nr(263, 35), FSTATFS = nr(138, 44);
        static final long MEMFD_CREATE = nr(319, 279), EVENTFD2 = nr(290, 19), PRLIMIT64 = nr(302, 261);
        static final long WAITID = nr(247, 95), KILL = nr(62, 129), GETPGID = nr(121, 155), GETPID = nr(39, 172);
        static final long GETEUID = nr(107, 175), GETEGID = nr(108, 177), GETGROUPS = nr(115, 158);
        static final long PPOLL = nr(271, 73), SECCOMP = nr(317, 277), RT_SIGPROCMASK = nr(14, 135);
        static final long EPOLL_CREATE1 = nr(291, 20), EPOLL_CTL = nr(233, 21), EPOLL_PWAIT = nr(281, 22);
    }

    public static int close(int fd) {
        return (int) syscall(Nr.CLOSE, fd);
    }

    public static int dup3(int oldfd, int newfd, int flags) {
        return (int) syscall(Nr.DUP3, oldfd, newfd, flags);
    }

    public static int fcntl(int fd, int cmd, int arg) {
        return (int) syscall(Nr.FCNTL, fd, cmd, arg);
    }

    /** A fd's flags (FD_CLOEXEC), or -EBADF: the cheapest "is this fd open?" there is. */
    public static int fdFlags(int fd) {
        return fcntl(fd, F_GETFD, 0);
    }

    public static int openat(int dirfd, MemorySegment path, int flags, int mode) {
        try {
            return (int) syscall(Nr.OPENAT, dirfd, address(path), flags, mode);
        } finally {
            Reference.reachabilityFence(path);
        }
    }

    public static int openat(int dirfd, String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return openat(dirfd, a.allocateFrom(path), flags, mode);
        }
    }

    public static int statx(int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
        try {
            return (int) syscall(Nr.STATX, dirfd, address(path), flags, mask, address(buf));
        } finally {
            Reference.reachabilityFence(path);
            Reference.reachabilityFence(buf);
        }
    }

    /** readlink(2) of a path: the target, or null with {@code err[0]} = errno. */
    public static String readlink(String path, int[] err) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n = syscall(Nr.READLINKAT, AT_FDCWD, a.allocateFrom(path).address(), buf.address(), 4096);
            if (n < 0) {
                err[0] = (int) -n;
                return null;
            }
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    public static int memfdCreate(String name, int flags) {
        try (Arena a = Arena.ofConfined()) {
            return (int) syscall(Nr.MEMFD_CREATE, a.allocateFrom(name).address(), flags);
        }
    }

    public static long read(int fd, MemorySegment buf, long len) {
        try {
            return syscall(Nr.READ, fd, address(buf), len);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * read(2) straight into {@code into[offset, offset + len)}. The call pins the array and holds
     * off the GC while it runs, so fd must be non-blocking.
     */
    public static long readNonBlocking(int fd, byte[] into, int offset, int len) {
        try {
            return Native.result((long) ReadHeap.H.invokeExact(Native.state(), fd,
                    MemorySegment.ofArray(into).asSlice(offset, len), (long) len));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static long write(int fd, MemorySegment buf, long len) {
        try {
            return syscall(Nr.WRITE, fd, address(buf), len);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** lseek(2): the new offset, or -errno. */
    public static long lseek(int fd, long offset, int whence) {
        return syscall(Nr.LSEEK, fd, offset, whence);
    }

    /** pipe2(2): {read end, write end}, or {-errno}. */
    public static int[] pipe2(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(C_INT, 2);
            int r = (int) syscall(Nr.PIPE2, fds.address(), flags);
            return r < 0 ? new int[] {r} : new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
        }
    }

    public static int waitid(int idtype, int id, MemorySegment siginfo, int options) {
        return waitidRusage(idtype, id, siginfo, options, MemorySegment.NULL);
    }

    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return (int) syscall(Nr.IOCTL, fd, request, address(arg));
        } finally {
            Reference.reachabilityFence(arg);
        }
    }

    /**
     * poll(2) on one fd: its revents (0 when the timeout passed first), or -errno. A signal does
     * not end the wait early: ppoll writes back what is left of its timeout, and the call goes on
     * with that, so the caller needs no clock of its own. Its structs live in the thread's scratch.
     */
    public static int pollOne(int fd, short events, int timeoutMillis) {
        MemorySegment args = Native.scratch(24);
        MemorySegment pfd = args.asSlice(0, 8); // struct pollfd
        pfd.set(ValueLayout.JAVA_INT, 0, fd);
        pfd.set(ValueLayout.JAVA_SHORT, 4, events);
        long timeout = 0;
        if (timeoutMillis >= 0) {
            MemorySegment ts = args.asSlice(8, 16); // struct timespec, which ppoll updates
            ts.set(C_LONG, 0, timeoutMillis / 1000);
            ts.set(C_LONG, 8, (timeoutMillis % 1000) * 1_000_000L);
            timeout = ts.address();
        }
        int r;
        while ((r = (int) syscall(Nr.PPOLL, pfd.address(), 1, timeout, 0, 8)) == -io.pidspawn.Errno.EINTR) {
            // resumed with the time ppoll left in the timespec
        }
        return r <= 0 ? r : pfd.get(ValueLayout.JAVA_SHORT, 6);
    }

    /** The soft limit of a resource, or -errno. */
    public static long getrlimitSoft(int resource) {
        return getrlimit(resource)[0];
    }

    /** {soft, hard} of a resource (RLIM_INFINITY is -1), or {-errno, -errno}. */
    public static long[] getrlimit(int resource) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16, 8);
            int r = (int) syscall(Nr.PRLIMIT64, 0 /* this process */, resource, 0 /* no new limit */, rl.address());
            return r < 0 ? new long[] {r, r} : new long[] {rl.get(C_LONG, 0), rl.get(C_LONG, 8)};
        }
    }

    /**
     * The calling thread's signal mask as a kernel sigset (signals 1-64): rt_sigprocmask with no
     * new set only reads it, which is all pthread_sigmask does for a query too.
     */
    public static long threadSigmask() {
        MemorySegment set = Native.scratch(8);
        int r = (int) syscall(Nr.RT_SIGPROCMASK, 0 /* SIG_BLOCK */, 0 /* no new set */, set.address(), 8);
        if (r != 0) {
            throw new IllegalStateException("rt_sigprocmask: " + io.pidspawn.Errno.describe(-r));
        }
        return set.get(C_LONG, 0);
    }

    /**
     * getenv(3): the C library's environment now, which setenv() from native code changes (unlike
     * System.getenv(), a copy taken at JVM start). Not thread-safe against concurrent setenv, as in C.
     */
    public static String getenv(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = (MemorySegment) Getenv.H.invokeExact(a.allocateFrom(name));
            return v.equals(MemorySegment.NULL) ? null : v.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** isatty(3) as the C library makes it: whether TCGETS succeeds on fd. */
    public static boolean isatty(int fd) {
        try (Arena a = Arena.ofConfined()) {
            return ioctl(fd, TCGETS, a.allocate(64, 8)) == 0; // struct termios (36 bytes)
        }
    }

    /** The file system type (f_type, linux/magic.h) a fd is on, or -errno. */
    public static long fstatfsType(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(120, 8); // struct statfs; f_type is its first long
            int r = (int) syscall(Nr.FSTATFS, fd, buf.address());
            return r < 0 ? r : buf.get(C_LONG, 0);
        }
    }

    public static int getpid() {
        return (int) syscall(Nr.GETPID);
    }

    /** geteuid(2). */
    public static int geteuid() {
        return (int) syscall(Nr.GETEUID);
    }

    /** getegid(2). */
    public static int getegid() {
        return (int) syscall(Nr.GETEGID);
    }

    /** getgroups(2) into {@code list}, room for {@code size} gid_t: the number of groups, or -errno. */
    public static int getgroups(int size, MemorySegment list) {
        try {
            return (int) syscall(Nr.GETGROUPS, size, address(list));
        } finally {
            Reference.reachabilityFence(list);
        }
    }

    public static final int AT_REMOVEDIR = 0x200;

    /** mkdir(2) at a path: 0 or -errno. */
    public static int mkdir(String path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return (int) syscall(Nr.MKDIRAT, AT_FDCWD, a.allocateFrom(path).address(), mode);
        }
    }

    /** rmdir(2) at a path (unlinkat AT_REMOVEDIR): 0 or -errno. */
    public static int rmdir(String path) {
        try (Arena a = Arena.ofConfined()) {
            return (int) syscall(Nr.UNLINKAT, AT_FDCWD, a.allocateFrom(path).address(), AT_REMOVEDIR);
        }
    }

    /** kill(2): a negative pid signals that process group. */
    public static int kill(int pid, int sig) {
        return (int) syscall(Nr.KILL, pid, sig);
    }

    public static int getpgid(int pid) {
        return (int) syscall(Nr.GETPGID, pid);
    }

    public static int epollCreate1(int flags) {
        return (int) syscall(Nr.EPOLL_CREATE1, flags);
    }

    /** epoll_ctl(2) with the struct epoll_event built here: {@code events} and the 64-bit {@code data}. */
    public static int epollCtl(int epfd, int op, int fd, int events, long data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(EPOLL_EVENT_SIZE, 8);
            ev.set(C_INT, 0, events);
            ev.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_EVENT_DATA, data);
            return (int) syscall(Nr.EPOLL_CTL, epfd, op, fd, ev.address());
        }
    }

    /**
     * epoll_wait(2) into {@code events}, an array of {@code max} struct epoll_event ({@link #EPOLL_EVENT_SIZE} each),
     * made as epoll_pwait with no signal mask.
     */
    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) syscall(Nr.EPOLL_PWAIT, epfd, address(events), max, timeoutMillis, 0, 8);
        } finally {
            Reference.reachabilityFence(events);
        }
    }

    /** The {@code events} mask of entry i of an epoll_wait array. */
    public static int epollEvents(MemorySegment events, int i) {
        return events.get(C_INT, i * EPOLL_EVENT_SIZE);
    }

    /** The {@code data} of entry i of an epoll_wait array. */
    public static long epollData(MemorySegment events, int i) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * EPOLL_EVENT_SIZE + EPOLL_EVENT_DATA);
    }

    /** eventfd(2), made as eventfd2 (which takes the flags). */
    public static int eventfd(int initval, int flags) {
        return (int) syscall(Nr.EVENTFD2, initval, flags);
    }

    /** pidfd_open(2), since 5.3. */
    public static int pidfdOpen(int pid, int flags) {
        return (int) syscall(SYS_PIDFD_OPEN, pid, flags);
    }

    /** pidfd_send_signal(2) without a siginfo, since 5.1. */
    public static int pidfdSendSignal(int pidfd, int sig, int flags) {
        return (int) syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, sig, 0, flags);
    }

    /** pidfd_getfd(2), since 5.6. */
    public static int pidfdGetfd(int pidfd, int targetfd, int flags) {
        return (int) syscall(SYS_PIDFD_GETFD, pidfd, targetfd, flags);
    }

    /**
     * The waitid syscall itself, which unlike the C library's wrapper also fills a struct rusage
     * (144 bytes: ru_utime, ru_stime, ru_maxrss in KiB at offset 32, ...), unless rusage is NULL.
     */
    public static int waitidRusage(int idtype, int id, MemorySegment siginfo, int options, MemorySegment rusage) {
        try {
            return (int) syscall(Nr.WAITID, idtype, id, address(siginfo), options, address(rusage));
        } finally {
            Reference.reachabilityFence(siginfo);
            Reference.reachabilityFence(rusage);
        }
    }

    // asm-generic/unistd.h: Landlock (5.13), the same numbers on every architecture
    private static final long SYS_LANDLOCK_CREATE_RULESET = 444, SYS_LANDLOCK_ADD_RULE = 445;
    // linux/seccomp.h
    public static final int SECCOMP_GET_ACTION_AVAIL = 2;

    /** landlock_create_ruleset(2): a ruleset fd, the ABI version (flag 1 and no attr), or -errno. */
    public static int landlockCreateRuleset(MemorySegment attr, long size, int flags) {
        try {
            return (int) syscall(SYS_LANDLOCK_CREATE_RULESET, address(attr), size, flags);
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    /** landlock_add_rule(2). */
    public static int landlockAddRule(int rulesetFd, int ruleType, MemorySegment attr, int flags) {
        try {
            return (int) syscall(SYS_LANDLOCK_ADD_RULE, rulesetFd, ruleType, address(attr), flags);
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    /** seccomp{@code (SECCOMP_GET_ACTION_AVAIL, 0, &action)}: 0 when the kernel has seccomp filters and that action. */
    public static int seccompActionAvailable(int action) {
        if (Nr.SECCOMP < 0) {
            return -38; // ENOSYS
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocateFrom(ValueLayout.JAVA_INT, action);
            return (int) syscall(Nr.SECCOMP, SECCOMP_GET_ACTION_AVAIL, 0, act.address());
        }
    }

    /** clone3(NULL, 0): EINVAL where clone3 exists (Linux 5.3), ENOSYS where it does not. */
    public static int clone3Probe() {
        return (int) syscall(SYS_CLONE3, 0, 0);
    }

    /**
     * clone3 with {@code flags | CLONE_VM | CLONE_INTO_CGROUP} into a cgroup fd that cannot be open
     * (INT_MAX, above any RLIMIT_NOFILE): the kernel checks the flags first (EINVAL for one it does
     * not know) and fails the fd later (EBADF), so no child is ever created. With CLONE_PIDFD in
     * flags the pidfd goes to a scratch int.
     */
    public static int clone3FlagProbe(long flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment args = a.allocate(88, 8); // struct clone_args, CLONE_ARGS_SIZE_VER2
            MemorySegment pidfd = a.allocate(ValueLayout.JAVA_INT);
            args.set(ValueLayout.JAVA_LONG, 0, flags | 0x100L | 0x200000000L); // CLONE_VM | CLONE_INTO_CGROUP
            args.set(ValueLayout.JAVA_LONG, 8, pidfd.address());
            args.set(ValueLayout.JAVA_LONG, 80, Integer.MAX_VALUE); // cgroup
            return (int) syscall(SYS_CLONE3, args.address(), 88);
        }
    }

    /** close_range(2) on a range nothing is open in: 0, or the errno for an unknown syscall or flag. */
    public static int closeRangeProbe(int flags) {
        return (int) syscall(SYS_CLOSE_RANGE, Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1, flags);
    }

    /**
     * A native segment's address for a syscall argument (NULL is 0). A heap segment has none the
     * kernel could use: passing one is a bug in the caller.
     */
    private static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("pidspawn: a system call needs native memory, not " + segment);
        }
        return segment.address();
    }

    private static long syscall(long nr) {
        return syscall(nr, 0, 0, 0, 0, 0, 0);
    }

    private static long syscall(long nr, long a) {
        return syscall(nr, a, 0, 0, 0, 0, 0);
    }

    private static long syscall(long nr, long a, long b) {
        return syscall(nr, a, b, 0, 0, 0, 0);
    }

    private static long syscall(long nr, long a, long b, long c) {
        return syscall(nr, a, b, c, 0, 0, 0);
    }

    private static long syscall(long nr, long a, long b, long c, long d) {
        return syscall(nr, a, b, c, d, 0, 0);
    }

    private static long syscall(long nr, long a, long b, long c, long d, long e) {
        return syscall(nr, a, b, c, d, e, 0);
    }

    /** syscall(2) with six arguments (the unused ones 0): its result, or -errno. */
    static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return Native.result((long) Syscall.H.invokeExact(Native.state(), nr, a, b, c, d, e, f));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** A downcall itself failed to link or threw: a bug in the bindings, never an errno. */
    static Error fatal(Throwable t) {
        if (t instanceof Error e) {
            return e;
        }
        return new AssertionError("pidspawn: native call failed unexpectedly; please report", t);
    }
}
