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

    private static final MethodHandle CLOSE = Native.errnoCall("close", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle DUP3 = Native.errnoCall("dup3", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle FCNTL = Native.errnoCall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPENAT = Native.errnoCall("openat",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle STATX = Native.errnoCall("statx",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER));
    private static final MethodHandle READLINK = Native.errnoCall("readlink",
            FunctionDescriptor.of(C_LONG, C_POINTER, C_POINTER, C_SIZE_T));
    private static final MethodHandle MEMFD_CREATE = Native.errnoCall("memfd_create",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle READ = Native.errnoCall("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T));
    // Into a Java array, without a native buffer: only on fds that never block (short, like a memcpy).
    private static final MethodHandle READ_HEAP = Native.errnoCall("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T),
            Linker.Option.critical(true));
    private static final MethodHandle WRITE = Native.errnoCall("write", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T));
    private static final MethodHandle LSEEK = Native.errnoCall("lseek", FunctionDescriptor.of(C_LONG, C_INT, C_LONG, C_INT));
    private static final MethodHandle PIPE2 = Native.errnoCall("pipe2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle WAITID = Native.errnoCall("waitid",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle IOCTL_PTR = Native.errnoCall("ioctl",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle POLL = Native.errnoCall("poll", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT));
    private static final MethodHandle GETRLIMIT = Native.errnoCall("getrlimit", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    private static final MethodHandle ISATTY = Native.errnoCall("isatty", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle FSTATFS = Native.errnoCall("fstatfs", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    private static final MethodHandle PTHREAD_SIGMASK = Native.call(Native.LIBC, "pthread_sigmask",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle GETENV = Native.call(Native.LIBC, "getenv", FunctionDescriptor.of(C_POINTER, C_POINTER));
    private static final MethodHandle GETPID = Native.call(Native.LIBC, "getpid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle KILL = Native.errnoCall("kill", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle MKDIRAT = Native.errnoCall("mkdirat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle UNLINKAT = Native.errnoCall("unlinkat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle GETPGID = Native.errnoCall("getpgid", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle EPOLL_CREATE1 = Native.errnoCall("epoll_create1", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle EPOLL_CTL = Native.errnoCall("epoll_ctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    private static final MethodHandle EPOLL_WAIT = Native.errnoCall("epoll_wait",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));
    private static final MethodHandle EVENTFD = Native.errnoCall("eventfd", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle SYSCALL3 = Native.errnoCall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL4 = Native.errnoCall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL5 = Native.errnoCall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG), Linker.Option.firstVariadicArg(1));

    public static int close(int fd) {
        try {
            return Native.result((int) CLOSE.invokeExact(Native.state(), fd));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int dup3(int oldfd, int newfd, int flags) {
        try {
            return Native.result((int) DUP3.invokeExact(Native.state(), oldfd, newfd, flags));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return Native.result((int) FCNTL.invokeExact(Native.state(), fd, cmd, arg));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** A fd's flags (FD_CLOEXEC), or -EBADF: the cheapest "is this fd open?" there is. */
    public static int fdFlags(int fd) {
        return fcntl(fd, F_GETFD, 0);
    }

    public static int openat(int dirfd, MemorySegment path, int flags, int mode) {
        try {
            return Native.result((int) OPENAT.invokeExact(Native.state(), dirfd, path, flags, mode));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int openat(int dirfd, String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return openat(dirfd, a.allocateFrom(path), flags, mode);
        }
    }

    public static int statx(int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
        try {
            return Native.result((int) STATX.invokeExact(Native.state(), dirfd, path, flags, mask, buf));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** readlink(2) as a String, or null with the errno in {@code err[0]}. */
    public static String readlink(String path, int[] err) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n = Native.result((long) READLINK.invokeExact(Native.state(), a.allocateFrom(path), buf, 4096L));
            if (n < 0) {
                err[0] = (int) -n;
                return null;
            }
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int memfdCreate(String name, int flags) {
        try (Arena a = Arena.ofConfined()) {
            return Native.result((int) MEMFD_CREATE.invokeExact(Native.state(), a.allocateFrom(name), flags));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static long read(int fd, MemorySegment buf, long len) {
        try {
            return Native.result((long) READ.invokeExact(Native.state(), fd, buf, len));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /**
     * read(2) straight into {@code into[offset, offset + len)}. The call pins the array and holds
     * off the GC while it runs, so fd must be non-blocking.
     */
    public static long readNonBlocking(int fd, byte[] into, int offset, int len) {
        try {
            return Native.result((long) READ_HEAP.invokeExact(Native.state(), fd,
                    MemorySegment.ofArray(into).asSlice(offset, len), (long) len));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static long write(int fd, MemorySegment buf, long len) {
        try {
            return Native.result((long) WRITE.invokeExact(Native.state(), fd, buf, len));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** lseek(2): the new offset, or -errno. */
    public static long lseek(int fd, long offset, int whence) {
        try {
            return Native.result((long) LSEEK.invokeExact(Native.state(), fd, offset, whence));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** pipe2(2): {read end, write end}, or {-errno}. */
    public static int[] pipe2(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(C_INT, 2);
            int r = Native.result((int) PIPE2.invokeExact(Native.state(), fds, flags));
            return r < 0 ? new int[] {r} : new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int waitid(int idtype, int id, MemorySegment siginfo, int options) {
        try {
            return Native.result((int) WAITID.invokeExact(Native.state(), idtype, id, siginfo, options));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return Native.result((int) IOCTL_PTR.invokeExact(Native.state(), fd, request, arg));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            return Native.result((int) POLL.invokeExact(Native.state(), fds, nfds, timeoutMillis));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** poll(2) on one fd: its revents (0 when the timeout passed first), or -errno. */
    public static int pollOne(int fd, short events, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8, 4); // struct pollfd
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, events);
            int r = poll(pfd, 1, timeoutMillis);
            return r <= 0 ? r : pfd.get(ValueLayout.JAVA_SHORT, 6);
        }
    }

    /** The soft limit of a resource, or -errno. */
    public static long getrlimitSoft(int resource) {
        return getrlimit(resource)[0];
    }

    /** {soft, hard} of a resource (RLIM_INFINITY is -1), or {-errno, -errno}. */
    public static long[] getrlimit(int resource) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16, 8);
            int r = Native.result((int) GETRLIMIT.invokeExact(Native.state(), resource, rl));
            return r < 0 ? new long[] {r, r} : new long[] {rl.get(C_LONG, 0), rl.get(C_LONG, 8)};
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** The calling thread's signal mask as a kernel sigset (signals 1-64). */
    public static long threadSigmask() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(128, 8); // sigset_t
            int r = (int) PTHREAD_SIGMASK.invokeExact(0 /* SIG_BLOCK */, MemorySegment.NULL, set);
            if (r != 0) {
                throw new IllegalStateException("pthread_sigmask: errno " + r);
            }
            return set.get(C_LONG, 0);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /**
     * getenv(3): the C library's environment now, which setenv() from native code changes (unlike
     * System.getenv(), a copy taken at JVM start). Not thread-safe against concurrent setenv, as in C.
     */
    public static String getenv(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = (MemorySegment) GETENV.invokeExact(a.allocateFrom(name));
            return v.equals(MemorySegment.NULL) ? null : v.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(Native.state(), fd) == 1;
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** The file system type (f_type, linux/magic.h) a fd is on, or -errno. */
    public static long fstatfsType(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(120, 8); // struct statfs; f_type is its first long
            int r = Native.result((int) FSTATFS.invokeExact(Native.state(), fd, buf));
            return r < 0 ? r : buf.get(C_LONG, 0);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static final int AT_REMOVEDIR = 0x200;

    /** mkdir(2) at a path: 0 or -errno. */
    public static int mkdir(String path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            return Native.result((int) MKDIRAT.invokeExact(Native.state(), AT_FDCWD, a.allocateFrom(path), mode));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** rmdir(2) at a path (unlinkat AT_REMOVEDIR): 0 or -errno. */
    public static int rmdir(String path) {
        try (Arena a = Arena.ofConfined()) {
            return Native.result((int) UNLINKAT.invokeExact(Native.state(), AT_FDCWD, a.allocateFrom(path), AT_REMOVEDIR));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** kill(2): a negative pid signals that process group. */
    public static int kill(int pid, int sig) {
        try {
            return Native.result((int) KILL.invokeExact(Native.state(), pid, sig));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int getpgid(int pid) {
        try {
            return Native.result((int) GETPGID.invokeExact(Native.state(), pid));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int epollCreate1(int flags) {
        try {
            return Native.result((int) EPOLL_CREATE1.invokeExact(Native.state(), flags));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** epoll_ctl(2) with the struct epoll_event built here: {@code events} and the 64-bit {@code data}. */
    public static int epollCtl(int epfd, int op, int fd, int events, long data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(EPOLL_EVENT_SIZE, 8);
            ev.set(C_INT, 0, events);
            ev.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_EVENT_DATA, data);
            return Native.result((int) EPOLL_CTL.invokeExact(Native.state(), epfd, op, fd, ev));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** epoll_wait(2) into {@code events}, an array of {@code max} struct epoll_event ({@link #EPOLL_EVENT_SIZE} each). */
    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return Native.result((int) EPOLL_WAIT.invokeExact(Native.state(), epfd, events, max, timeoutMillis));
        } catch (Throwable t) {
            throw fatal(t);
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

    public static int eventfd(int initval, int flags) {
        try {
            return Native.result((int) EVENTFD.invokeExact(Native.state(), initval, flags));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** pidfd_open(2), since 5.3. */
    public static int pidfdOpen(int pid, int flags) {
        return (int) syscall3(SYS_PIDFD_OPEN, pid, flags, 0);
    }

    /** pidfd_send_signal(2) without a siginfo, since 5.1. */
    public static int pidfdSendSignal(int pidfd, int sig, int flags) {
        return (int) syscall4(SYS_PIDFD_SEND_SIGNAL, pidfd, sig, 0, flags);
    }

    /** pidfd_getfd(2), since 5.6. */
    public static int pidfdGetfd(int pidfd, int targetfd, int flags) {
        return (int) syscall3(SYS_PIDFD_GETFD, pidfd, targetfd, flags);
    }

    // waitid is one of the older syscalls whose number differs by architecture
    private static final long SYS_WAITID = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 247;
        case "aarch64" -> 95;
        default -> -1;
    };

    /**
     * The waitid syscall itself, which unlike the C library's wrapper also fills a struct rusage
     * (144 bytes: ru_utime, ru_stime, ru_maxrss in KiB at offset 32, ...).
     */
    public static int waitidRusage(int idtype, int id, MemorySegment siginfo, int options, MemorySegment rusage) {
        try {
            return (int) Native.result((long) SYSCALL5.invokeExact(Native.state(), SYS_WAITID, (long) idtype, (long) id,
                    siginfo.address(), (long) options, rusage.address()));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    // asm-generic/unistd.h: Landlock (5.13), the same numbers on every architecture
    private static final long SYS_LANDLOCK_CREATE_RULESET = 444, SYS_LANDLOCK_ADD_RULE = 445;
    // seccomp(2), since 3.17: one of the older numbers that differ by architecture
    private static final long SYS_SECCOMP = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 317;
        case "aarch64" -> 277;
        default -> -1;
    };
    // linux/seccomp.h
    public static final int SECCOMP_GET_ACTION_AVAIL = 2;

    /** landlock_create_ruleset(2): a ruleset fd, the ABI version (flag 1 and no attr), or -errno. */
    public static int landlockCreateRuleset(MemorySegment attr, long size, int flags) {
        return (int) syscall3(SYS_LANDLOCK_CREATE_RULESET, attr.address(), size, flags);
    }

    /** landlock_add_rule(2). */
    public static int landlockAddRule(int rulesetFd, int ruleType, MemorySegment attr, int flags) {
        return (int) syscall4(SYS_LANDLOCK_ADD_RULE, rulesetFd, ruleType, attr.address(), flags);
    }

    /** seccomp{@code (SECCOMP_GET_ACTION_AVAIL, 0, &action)}: 0 when the kernel has seccomp filters and that action. */
    public static int seccompActionAvailable(int action) {
        if (SYS_SECCOMP < 0) {
            return -38; // ENOSYS
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocateFrom(ValueLayout.JAVA_INT, action);
            return (int) syscall3(SYS_SECCOMP, SECCOMP_GET_ACTION_AVAIL, 0, act.address());
        }
    }

    /** clone3(NULL, 0): EINVAL where clone3 exists (Linux 5.3), ENOSYS where it does not. */
    public static int clone3Probe() {
        return (int) syscall3(SYS_CLONE3, 0, 0, 0);
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
            return (int) syscall3(SYS_CLONE3, args.address(), 88, 0);
        }
    }

    /** close_range(2) on a range nothing is open in: 0, or the errno for an unknown syscall or flag. */
    public static int closeRangeProbe(int flags) {
        return (int) syscall3(SYS_CLOSE_RANGE, Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1, flags);
    }

    private static long syscall3(long nr, long a, long b, long c) {
        try {
            return Native.result((long) SYSCALL3.invokeExact(Native.state(), nr, a, b, c));
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    private static long syscall4(long nr, long a, long b, long c, long d) {
        try {
            return Native.result((long) SYSCALL4.invokeExact(Native.state(), nr, a, b, c, d));
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
